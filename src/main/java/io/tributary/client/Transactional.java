package io.tributary.client;

import akka.Done;
import akka.NotUsed;
import akka.stream.ActorAttributes;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;

/**
 * Consume → transform → produce with exactly-once, in the spirit of Alpakka Kafka's {@code Transactional}:
 * {@link #source} emits records with their {@link PartitionOffset}; {@link #flow} / {@link #sink} write the
 * results in a Kafka transaction and commit the consumer's offsets inside the same transaction
 * ({@code sendOffsetsToTransaction} with the consumer's group metadata), every
 * {@code tributary.client.transactional.commit-interval}.
 *
 * <p>One transactional id and producer per stream, not one per partition: like Alpakka Kafka since 2.1 and
 * Kafka Streams' {@code exactly_once_v2}, this relies on KIP-447. The offsets carry the consumer's group
 * generation, and the group coordinator refuses them once the group has rebalanced, so a zombie that lost its
 * partitions cannot commit its transaction; and a {@code read_committed} consumer fetching offsets with a
 * transaction still pending waits for it ({@code UNSTABLE_OFFSET_COMMIT}), so the next owner of a partition
 * starts after the last committed transaction. The transactional id only has to be stable for one
 * application instance across restarts (so that a restart fences its own predecessor), and distinct between
 * instances.
 *
 * <p>Guarantees:
 * <ul>
 *   <li>Each input record's results are written, and its offset committed, in one transaction: after any
 *       failure and restart, the output read with {@code read_committed} holds each input's results once.</li>
 *   <li>Results are emitted downstream of {@link #flow} only after their transaction committed.</li>
 *   <li>A rebalance aborts an open transaction holding records of a revoked partition, and records of revoked
 *       partitions still on their way to the producer are dropped (the partition's next owner reads them
 *       again). A stream failure aborts the open transaction.</li>
 *   <li>Back-pressure: at most the producer's {@code parallelism} records are held in the open transaction
 *       plus results waiting for downstream; when that is reached the transaction commits early, and when
 *       downstream does not pull, the source stops fetching (its bounded buffer, see {@link Consumer}).</li>
 * </ul>
 */
public final class Transactional {
  private Transactional() {}

  /**
   * Records with their partition offset, read with {@code isolation.level=read_committed} and without
   * auto-commit, in the consumer group of {@code settings} (a {@code group.id} is required: the offsets are
   * committed to that group by the transactional producer).
   */
  public static <K, V> Source<TransactionalMessage<K, V>, Consumer.Control> source(ConsumerSettings<K, V> settings,
                                                                                  Subscription subscription) {
    if (!settings.properties().containsKey(ConsumerConfig.GROUP_ID_CONFIG)) {
      throw new IllegalArgumentException("a transactional source needs a group.id (its offsets are committed to that group)");
    }
    var s = settings.withProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
        .withProperty(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    return Source.fromGraph(new ConsumerSourceStage<K, V, TransactionalMessage<K, V>>(s, subscription,
        (engine, r, epoch) -> new TransactionalMessage<>(r,
            new PartitionOffset(engine, new TopicPartition(r.topic(), r.partition()), r.offset(), epoch))));
  }

  /**
   * Writes each envelope's record (a {@link ProducerMessage#passThrough} writes nothing but still commits its
   * offset) in a transaction of {@code transactionalId}, commits at {@code commit-interval}, and emits each
   * result once its transaction committed.
   */
  public static <K, V> Flow<ProducerMessage.Envelope<K, V, PartitionOffset>, ProducerMessage.Results<K, V, PartitionOffset>, NotUsed>
      flow(ProducerSettings<K, V> settings, String transactionalId) {
    return flow(settings, transactionalId, null);
  }

  /** {@link #flow(ProducerSettings, String)} committing every {@code commitInterval} instead of the configured one. */
  public static <K, V> Flow<ProducerMessage.Envelope<K, V, PartitionOffset>, ProducerMessage.Results<K, V, PartitionOffset>, NotUsed>
      flow(ProducerSettings<K, V> settings, String transactionalId, Duration commitInterval) {
    if (transactionalId == null || transactionalId.isEmpty()) {
      throw new IllegalArgumentException("a transactional flow needs a transactional id");
    }
    var s = settings.withProperty(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId)
        .withProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    // the producer's calls block (initTransactions, commitTransaction): its own dispatcher, as in Producer.flow
    return Flow.fromGraph(new TransactionalProducerStage<K, V>(s, commitInterval))
        .withAttributes(ActorAttributes.dispatcher(settings.dispatcher()));
  }

  /** {@link #flow} ending the stream; completes when the last transaction committed. */
  public static <K, V> Sink<ProducerMessage.Envelope<K, V, PartitionOffset>, CompletionStage<Done>> sink(
      ProducerSettings<K, V> settings, String transactionalId) {
    return Transactional.<K, V>flow(settings, transactionalId).toMat(Sink.ignore(), Keep.right());
  }

  /** {@link #sink(ProducerSettings, String)} committing every {@code commitInterval}. */
  public static <K, V> Sink<ProducerMessage.Envelope<K, V, PartitionOffset>, CompletionStage<Done>> sink(
      ProducerSettings<K, V> settings, String transactionalId, Duration commitInterval) {
    return Transactional.<K, V>flow(settings, transactionalId, commitInterval).toMat(Sink.ignore(), Keep.right());
  }
}
