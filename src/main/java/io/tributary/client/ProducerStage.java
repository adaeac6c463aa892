package io.tributary.client;

import akka.stream.Attributes;
import akka.stream.FlowShape;
import akka.stream.Inlet;
import akka.stream.Outlet;
import akka.stream.stage.AbstractInHandler;
import akka.stream.stage.AbstractOutHandler;
import akka.stream.stage.AsyncCallback;
import akka.stream.stage.GraphStage;
import akka.stream.stage.GraphStageLogic;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * The stage behind {@link Producer#flow}: sends each record as it arrives (up to {@code parallelism} in
 * flight) and emits results in input order as their acknowledgements arrive. The producer's I/O thread
 * wakes the stage only when the stage is waiting for the oldest record (about once per acknowledged batch,
 * not once per record). The first failed send fails the stage. The KafkaProducer is created when the stage
 * starts and closed, on the configured dispatcher, when it stops.
 */
final class ProducerStage<K, V, P>
    extends GraphStage<FlowShape<ProducerMessage.Envelope<K, V, P>, ProducerMessage.Results<K, V, P>>> {
  private final Inlet<ProducerMessage.Envelope<K, V, P>> in = Inlet.create("TributaryProducer.in");
  private final Outlet<ProducerMessage.Results<K, V, P>> out = Outlet.create("TributaryProducer.out");
  private final FlowShape<ProducerMessage.Envelope<K, V, P>, ProducerMessage.Results<K, V, P>> shape =
      FlowShape.of(in, out);
  private final ProducerSettings<K, V> settings;

  ProducerStage(ProducerSettings<K, V> settings) {
    this.settings = settings;
  }

  @Override
  public FlowShape<ProducerMessage.Envelope<K, V, P>, ProducerMessage.Results<K, V, P>> shape() {
    return shape;
  }

  /** One record in flight; written by the producer's I/O thread, read by the stage. */
  private final class Slot {
    volatile ProducerMessage.Results<K, V, P> result;
    volatile Exception error;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new GraphStageLogic(shape) {
      private final ArrayDeque<Slot> inFlight = new ArrayDeque<>();
      private final AtomicBoolean wantSignal = new AtomicBoolean();
      private AsyncCallback<Object> signal;
      private KafkaProducer<K, V> producer;

      {
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            send(grab(in));
            drain();
          }

          @Override
          public void onUpstreamFinish() {
            drain();
          }
        });
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            drain();
          }
        });
      }

      @Override
      public void preStart() {
        signal = createAsyncCallback(x -> drain());
        producer = settings.createKafkaProducer();
        pull(in);
      }

      private void send(ProducerMessage.Envelope<K, V, P> env) {
        var slot = new Slot();
        inFlight.add(slot);
        if (env instanceof ProducerMessage.Message<K, V, P> m) {
          producer.send(m.record(), (metadata, e) -> {
            if (e != null) slot.error = e;
            else slot.result = new ProducerMessage.Result<>(metadata, m.record(), m.passThrough());
            if (wantSignal.get() && wantSignal.compareAndSet(true, false)) signal.invoke(Boolean.TRUE);
          });
        } else {
          slot.result = new ProducerMessage.PassThroughResult<>(env.passThrough());
        }
      }

      /** Emits what is done, in order; asks for a signal when the oldest record is still in flight. */
      private void drain() {
        while (!inFlight.isEmpty()) {
          var head = inFlight.peek();
          if (head.error != null) {
            failStage(head.error);
            return;
          }
          if (head.result == null) {
            wantSignal.set(true);
            if (head.result == null && head.error == null) break; // the callback will signal
            wantSignal.set(false);
            continue;
          }
          if (!isAvailable(out)) break;
          push(out, head.result);
          inFlight.poll();
        }
        if (isClosed(in)) {
          if (inFlight.isEmpty()) completeStage();
        } else if (!hasBeenPulled(in) && inFlight.size() < settings.parallelism()) {
          pull(in);
        }
      }

      @Override
      public void postStop() {
        var p = producer;
        if (p != null) {
          materializer().system().dispatchers().lookup(settings.dispatcher())
              .execute(() -> p.close(settings.closeTimeout()));
        }
      }
    };
  }
}
