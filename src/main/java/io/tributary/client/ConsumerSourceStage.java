package io.tributary.client;

import akka.japi.Pair;
import akka.stream.Attributes;
import akka.stream.Outlet;
import akka.stream.SourceShape;
import akka.stream.stage.AbstractOutHandler;
import akka.stream.stage.AsyncCallback;
import akka.stream.stage.GraphStageLogic;
import akka.stream.stage.AbstractGraphStageWithMaterializedValue;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * The source behind {@link Consumer#plainSource} and {@link Consumer#committableSource}: emits records from
 * the consumer's buffer on demand, round-robin over partitions. Stopping it (cancel, failure) shuts the
 * consumer down unless {@link Consumer.Control#stop()} asked only to stop emitting.
 */
final class ConsumerSourceStage<K, V, T> extends AbstractGraphStageWithMaterializedValue<SourceShape<T>, Consumer.Control> {
  /** Turns a record into the element emitted; runs under the buffer's lock, so keep it cheap. */
  interface Mapper<K, V, T> {
    T apply(ConsumerEngine<K, V> engine, ConsumerRecord<K, V> record, int epoch);
  }

  private final Outlet<T> out = Outlet.create("TributaryConsumer.out");
  private final SourceShape<T> shape = SourceShape.of(out);
  private final ConsumerSettings<K, V> settings;
  private final Subscription subscription;
  private final Mapper<K, V, T> mapper;

  ConsumerSourceStage(ConsumerSettings<K, V> settings, Subscription subscription, Mapper<K, V, T> mapper) {
    this.settings = settings;
    this.subscription = subscription;
    this.mapper = mapper;
  }

  @Override
  public SourceShape<T> shape() {
    return shape;
  }

  @Override
  public Pair<GraphStageLogic, Consumer.Control> createLogicAndMaterializedValuePair(Attributes attributes) {
    var engine = new ConsumerEngine<>(settings, subscription);
    var control = new ConsumerControl(engine);
    var logic = new ConsumerStageLogic<>(shape, engine, control) {
      private final RecordBuffer.Emit<K, V> emit = (r, epoch) -> push(out, mapper.apply(engine, r, epoch));

      {
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            engine.buffer.pollInto(emit);
          }
        });
      }

      @Override
      public void preStart() {
        AsyncCallback<Object> ready = createAsyncCallback(x -> {
          if (isAvailable(out)) engine.buffer.pollInto(emit);
        });
        engine.buffer.setMainWaiter(() -> ready.invoke(Boolean.TRUE));
        startEngine();
      }
    };
    return Pair.create(logic, control);
  }
}
