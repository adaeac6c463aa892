package io.tributary.client;

import akka.NotUsed;
import akka.japi.Pair;
import akka.stream.Attributes;
import akka.stream.Outlet;
import akka.stream.SourceShape;
import akka.stream.javadsl.Source;
import akka.stream.stage.AbstractOutHandler;
import akka.stream.stage.AsyncCallback;
import akka.stream.stage.GraphStage;
import akka.stream.stage.GraphStageLogic;
import akka.stream.stage.AbstractGraphStageWithMaterializedValue;
import java.util.ArrayDeque;
import java.util.List;
import org.apache.kafka.common.TopicPartition;

/**
 * The source behind {@link Consumer#plainPartitionedSource}: emits one sub-source per assigned partition. A
 * sub-source emits only its partition's records and completes when the partition is revoked (after its
 * buffered records were dropped). Materialize each sub-source once; a cancelled one leaves its partition
 * paused until the next rebalance.
 */
final class PartitionedSourceStage<K, V, T>
    extends AbstractGraphStageWithMaterializedValue<SourceShape<Pair<TopicPartition, Source<T, NotUsed>>>, Consumer.Control> {
  private final Outlet<Pair<TopicPartition, Source<T, NotUsed>>> out = Outlet.create("TributaryPartitioned.out");
  private final SourceShape<Pair<TopicPartition, Source<T, NotUsed>>> shape = SourceShape.of(out);
  private final ConsumerSettings<K, V> settings;
  private final Subscription subscription;
  private final ConsumerSourceStage.Mapper<K, V, T> mapper;

  PartitionedSourceStage(ConsumerSettings<K, V> settings, Subscription subscription,
                         ConsumerSourceStage.Mapper<K, V, T> mapper) {
    this.settings = settings;
    this.subscription = subscription;
    this.mapper = mapper;
  }

  @Override
  public SourceShape<Pair<TopicPartition, Source<T, NotUsed>>> shape() {
    return shape;
  }

  @Override
  public Pair<GraphStageLogic, Consumer.Control> createLogicAndMaterializedValuePair(Attributes attributes) {
    var engine = new ConsumerEngine<>(settings, subscription);
    var control = new ConsumerControl(engine);
    var logic = new ConsumerStageLogic<>(shape, engine, control) {
      private final ArrayDeque<RecordBuffer.Queue<K, V>> pending = new ArrayDeque<>();

      {
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            emitPending();
          }
        });
      }

      private void emitPending() {
        while (isAvailable(out) && !pending.isEmpty()) {
          var q = pending.poll();
          if (engine.buffer.isClosed(q)) continue; // revoked before anyone asked for it
          push(out, Pair.create(q.partition, Source.fromGraph(new SubSource(engine, q))));
        }
      }

      @Override
      public void preStart() {
        AsyncCallback<List<RecordBuffer.Queue<K, V>>> assigned = createAsyncCallback(qs -> {
          pending.addAll(qs);
          emitPending();
        });
        engine.onAssigned = assigned::invoke;
        startEngine();
      }
    };
    return Pair.create(logic, control);
  }

  private final class SubSource extends GraphStage<SourceShape<T>> {
    private final Outlet<T> subOut = Outlet.create("TributaryPartition.out");
    private final SourceShape<T> subShape = SourceShape.of(subOut);
    private final ConsumerEngine<K, V> engine;
    private final RecordBuffer.Queue<K, V> queue;

    SubSource(ConsumerEngine<K, V> engine, RecordBuffer.Queue<K, V> queue) {
      this.engine = engine;
      this.queue = queue;
    }

    @Override
    public SourceShape<T> shape() {
      return subShape;
    }

    @Override
    public GraphStageLogic createLogic(Attributes attributes) {
      return new GraphStageLogic(subShape) {
        private final RecordBuffer.Emit<K, V> emit = (r, epoch) -> push(subOut, mapper.apply(engine, r, epoch));

        {
          setHandler(subOut, new AbstractOutHandler() {
            @Override
            public void onPull() {
              tryEmit();
            }
          });
        }

        private void tryEmit() {
          if (engine.buffer.pollInto(queue, emit) < 0) completeStage();
        }

        @Override
        public void preStart() {
          AsyncCallback<Object> signal = createAsyncCallback(x -> {
            if (isAvailable(subOut)) tryEmit();
            else if (engine.buffer.isClosed(queue)) completeStage();
          });
          if (!engine.buffer.setWaiter(queue, () -> signal.invoke(Boolean.TRUE))) completeStage();
        }
      };
    }

    @Override
    public String toString() {
      return "TributaryPartition(" + queue.partition + ")";
    }
  }
}
