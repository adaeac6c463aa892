package io.tributary.client;

import akka.stream.Attributes;
import akka.stream.FlowShape;
import akka.stream.Inlet;
import akka.stream.Outlet;
import akka.stream.stage.AbstractInHandler;
import akka.stream.stage.AbstractOutHandler;
import akka.stream.stage.GraphStage;
import akka.stream.stage.GraphStageLogic;
import akka.stream.stage.TimerGraphStageLogic;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stage behind {@link Transactional#flow}: one transactional KafkaProducer per materialization. Records
 * are sent inside the open transaction as they arrive; every {@code commit-interval} (or when
 * {@code parallelism} results are held) the stage sends the consumer offsets of the transaction's records
 * with the consumer's group metadata ({@code sendOffsetsToTransaction}) and commits. Results are emitted
 * only after their transaction committed, so nothing downstream ever sees a result of an aborted
 * transaction, and a restarted pipeline re-emits nothing a committed transaction emitted.
 *
 * <p>A record whose partition was revoked since the source emitted it is dropped (its next owner reads it
 * again from the committed offset), and an open transaction holding records of a revoked partition is
 * aborted instead of committed. A failure of the stream aborts the open transaction. The blocking producer
 * calls (initTransactions, send, commitTransaction, abortTransaction, close) run on the producer dispatcher.
 */
final class TransactionalProducerStage<K, V>
    extends GraphStage<FlowShape<ProducerMessage.Envelope<K, V, PartitionOffset>, ProducerMessage.Results<K, V, PartitionOffset>>> {
  private static final Logger log = LoggerFactory.getLogger(TransactionalProducerStage.class);
  static final String COMMIT_INTERVAL_PATH = "tributary.client.transactional.commit-interval";
  private static final Object COMMIT = "commit";

  private final Inlet<ProducerMessage.Envelope<K, V, PartitionOffset>> in = Inlet.create("TributaryTransactional.in");
  private final Outlet<ProducerMessage.Results<K, V, PartitionOffset>> out = Outlet.create("TributaryTransactional.out");
  private final FlowShape<ProducerMessage.Envelope<K, V, PartitionOffset>, ProducerMessage.Results<K, V, PartitionOffset>>
      shape = FlowShape.of(in, out);
  private final ProducerSettings<K, V> settings;
  /** Null: read {@value #COMMIT_INTERVAL_PATH} from the materializer's system. */
  private final Duration commitInterval;

  TransactionalProducerStage(ProducerSettings<K, V> settings, Duration commitInterval) {
    this.settings = settings;
    this.commitInterval = commitInterval;
  }

  @Override
  public FlowShape<ProducerMessage.Envelope<K, V, PartitionOffset>, ProducerMessage.Results<K, V, PartitionOffset>> shape() {
    return shape;
  }

  /** One record sent in the open transaction; its result or error is written by the producer's I/O thread. */
  private final class Slot {
    volatile ProducerMessage.Results<K, V, PartitionOffset> result;
    volatile Exception error;
  }

  @Override
  public GraphStageLogic createLogic(Attributes attributes) {
    return new TimerGraphStageLogic(shape) {
      private KafkaProducer<K, V> producer;
      /** Records (and pass-throughs) of the open transaction, in input order. */
      private final ArrayDeque<Slot> open = new ArrayDeque<>();
      /** The last record per partition in the open transaction: its offset + 1 is committed with it. */
      private final Map<TopicPartition, PartitionOffset> offsets = new HashMap<>();
      /** Results of committed transactions not yet pulled downstream. */
      private final ArrayDeque<ProducerMessage.Results<K, V, PartitionOffset>> committed = new ArrayDeque<>();
      /** The consumer whose offsets this producer commits (one per stream: its group metadata goes along). */
      private ConsumerEngine<?, ?> engine;
      private boolean inTransaction;

      {
        setHandler(in, new AbstractInHandler() {
          @Override
          public void onPush() {
            accept(grab(in));
            pullIfRoom();
          }

          @Override
          public void onUpstreamFinish() {
            commit();
            emit();
          }
        });
        setHandler(out, new AbstractOutHandler() {
          @Override
          public void onPull() {
            emit();
          }
        });
      }

      @Override
      public void preStart() {
        Duration interval = commitInterval != null ? commitInterval
            : materializer().system().settings().config().getDuration(COMMIT_INTERVAL_PATH);
        if (!settings.properties().containsKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG)) {
          failStage(new IllegalArgumentException("a transactional producer needs a transactional.id"));
          return;
        }
        producer = settings.createKafkaProducer();
        // fences an older producer of this transactional id and aborts (or completes) its open transaction
        producer.initTransactions();
        scheduleWithFixedDelay(COMMIT, interval, interval);
        pull(in);
      }

      @Override
      public void onTimer(Object key) {
        commit();
        emit();
      }

      private void accept(ProducerMessage.Envelope<K, V, PartitionOffset> env) {
        PartitionOffset po = env.passThrough();
        if (engine == null) {
          engine = po.engine();
        } else if (engine != po.engine()) {
          throw new IllegalStateException("a transactional flow commits the offsets of one consumer; "
              + po + " comes from another");
        }
        PartitionOffset held = offsets.get(po.partition());
        if (held != null && !held.isCurrent()) {
          // revoked since the source emitted them: whoever owns the partition now reads them again from the
          // committed offset, so the open transaction holding them must not commit
          if (!abort("partition " + po.partition() + " was revoked")) return;
        }
        if (!po.isCurrent()) return; // revoked too: read again by its next owner
        if (!inTransaction) {
          producer.beginTransaction();
          inTransaction = true;
        }
        var slot = new Slot();
        open.add(slot);
        if (env instanceof ProducerMessage.Message<K, V, PartitionOffset> m) {
          producer.send(m.record(), (metadata, e) -> {
            if (e != null) slot.error = e;
            else slot.result = new ProducerMessage.Result<>(metadata, m.record(), po);
          });
        } else {
          slot.result = new ProducerMessage.PassThroughResult<>(po);
        }
        offsets.merge(po.partition(), po, (a, b) -> b.offset() > a.offset() ? b : a);
        if (open.size() + committed.size() >= settings.parallelism()) commit();
      }

      /** Commits the open transaction with its consumer offsets, or aborts it if one of its partitions was revoked. */
      private void commit() {
        if (!inTransaction) return;
        for (var po : offsets.values()) {
          if (!po.isCurrent()) {
            abort("partition " + po.partition() + " was revoked");
            return;
          }
        }
        var toCommit = new HashMap<TopicPartition, OffsetAndMetadata>();
        offsets.forEach((tp, po) -> toCommit.put(tp, new OffsetAndMetadata(po.offset() + 1)));
        try {
          // KIP-447: the group coordinator refuses these offsets (ILLEGAL_GENERATION) if the group has
          // rebalanced since this generation, so a zombie of an older generation cannot commit
          producer.sendOffsetsToTransaction(toCommit, engine.groupMetadata);
          producer.commitTransaction(); // waits for every record of the transaction first
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
                 | UnsupportedVersionException e) {
          inTransaction = false; // fatal: the producer can only be closed; the broker aborts the transaction
          failStage(e);
          return;
        } catch (RuntimeException e) {
          // abortable (e.g. ILLEGAL_GENERATION after a rebalance): abort, then fail; a restart reads the
          // transaction's records again from the committed offsets
          log.info("Aborting the transaction of {} records: the commit failed: {}", open.size(), e.toString());
          inTransaction = false;
          try {
            producer.abortTransaction();
          } catch (RuntimeException abortFailed) {
            e.addSuppressed(abortFailed);
          }
          failStage(e);
          return;
        }
        inTransaction = false;
        for (var slot : open) {
          if (slot.error != null) { // cannot happen after a successful commit; never emit a hole
            failStage(slot.error);
            return;
          }
          committed.add(slot.result);
        }
        open.clear();
        offsets.clear();
      }

      /** Aborts the open transaction; false if that failed the stage. */
      private boolean abort(String why) {
        log.info("Aborting the transaction of {} records: {}", open.size(), why);
        var aborted = Map.copyOf(offsets);
        open.clear();
        offsets.clear();
        inTransaction = false;
        try {
          producer.abortTransaction();
        } catch (RuntimeException e) {
          failStage(e);
          return false;
        }
        for (var po : aborted.values()) {
          if (po.isCurrent()) {
            // the consumer is past these records and would not read them again: only a restart (from the
            // committed offsets) can process them
            failStage(new IllegalStateException("aborted a transaction holding records of " + po.partition()
                + ", which is still assigned; restart the stream to read them again"));
            return false;
          }
        }
        return true;
      }

      private void emit() {
        while (isAvailable(out) && !committed.isEmpty()) push(out, committed.poll());
        if (isClosed(in) && committed.isEmpty() && !inTransaction) completeStage();
        else pullIfRoom();
      }

      private void pullIfRoom() {
        if (!isClosed(in) && !hasBeenPulled(in) && open.size() + committed.size() < settings.parallelism()) pull(in);
      }

      @Override
      public void postStop() {
        var p = producer;
        if (p == null) return;
        boolean abort = inTransaction;
        materializer().system().dispatchers().lookup(settings.dispatcher()).execute(() -> {
          if (abort) {
            try {
              p.abortTransaction();
            } catch (RuntimeException e) {
              // fenced or failed: the coordinator aborts it on the next initTransactions or at its timeout
              log.info("Aborting the open transaction on stop failed: {}", e.toString());
            }
          }
          p.close(settings.closeTimeout());
        });
      }
    };
  }
}
