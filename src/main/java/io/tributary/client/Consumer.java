package io.tributary.client;

import akka.Done;
import akka.NotUsed;
import akka.actor.ClassicActorSystemProvider;
import akka.japi.Pair;
import akka.stream.Materializer;
import akka.stream.javadsl.AsPublisher;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.reactivestreams.Publisher;

/**
 * Consumer sources. Each materialization creates one KafkaConsumer, owned by one actor on the consumer
 * dispatcher, and materializes a {@link Control}.
 *
 * <p>Guarantees, for every source here:
 * <ul>
 *   <li>Back-pressure: records are fetched only while the stream pulls; when it does not, partitions are
 *       paused and the records held between the KafkaConsumer and the stream stay below
 *       {@code max-buffer-bytes} plus one poll ({@code max.poll.records}), whatever the broker's backlog.</li>
 *   <li>Rebalances: when partitions are revoked, their buffered records are dropped and offsets staged for them
 *       are committed synchronously, before the partitions are handed over; from then on no record of them is
 *       emitted. Offsets of records emitted before the revoke and committed after it are dropped (the new owner
 *       reads those records again: at-least-once).</li>
 *   <li>Offsets are committed only through {@link Committer} / {@link Committable#commit()}
 *       ({@code enable.auto.commit = false} by default).</li>
 * </ul>
 */
public final class Consumer {
  private Consumer() {}

  /** Materialized by every consumer source: stops it and shuts its KafkaConsumer down. */
  public interface Control {
    /** Completes the source (no more records are emitted); the KafkaConsumer stays open so commits still work. */
    CompletionStage<Done> stop();

    /** Stops the source, commits what is staged, leaves the group and closes the KafkaConsumer. */
    CompletionStage<Done> shutdown();

    /** Completed when the KafkaConsumer is closed. */
    CompletionStage<Done> isShutdown();

    /**
     * The way to end an at-least-once pipeline: stop the source, wait for {@code streamCompletion} (the records
     * in flight get processed and their offsets committed), then shut down. Completes with the stream's result.
     */
    <T> CompletionStage<T> drainAndShutdown(CompletionStage<T> streamCompletion);

    /** Bytes of records now buffered between the KafkaConsumer and the stream (see {@code max-buffer-bytes}). */
    long bufferedBytes();

    /** The highest {@link #bufferedBytes()} seen so far. */
    long peakBufferedBytes();
  }

  /** Records as they are; offsets are not committed (use a fixed assignment, or auto-commit if you must). */
  public static <K, V> Source<ConsumerRecord<K, V>, Control> plainSource(ConsumerSettings<K, V> settings,
                                                                          Subscription subscription) {
    return Source.fromGraph(new ConsumerSourceStage<K, V, ConsumerRecord<K, V>>(settings, subscription, (e, r, ep) -> r));
  }

  /** Records with their {@link CommittableOffset}; pass those to {@link Committer} after processing. */
  public static <K, V> Source<CommittableMessage<K, V>, Control> committableSource(ConsumerSettings<K, V> settings,
                                                                                   Subscription subscription) {
    return Source.fromGraph(new ConsumerSourceStage<K, V, CommittableMessage<K, V>>(settings, subscription,
        Consumer::committable));
  }

  /** Commits each record's offset before emitting it: a record is processed at most once (and slowly). */
  public static <K, V> Source<ConsumerRecord<K, V>, Control> atMostOnceSource(ConsumerSettings<K, V> settings,
                                                                              Subscription subscription) {
    return committableSource(settings, subscription)
        .mapAsync(1, m -> m.committableOffset().commit().thenApply(d -> m.record()));
  }

  /** One sub-source per assigned partition, completed when the partition is revoked. */
  public static <K, V> Source<Pair<TopicPartition, Source<ConsumerRecord<K, V>, NotUsed>>, Control>
      plainPartitionedSource(ConsumerSettings<K, V> settings, Subscription.AutoSubscription subscription) {
    return Source.fromGraph(new PartitionedSourceStage<K, V, ConsumerRecord<K, V>>(settings, subscription, (e, r, ep) -> r));
  }

  /** Like {@link #plainPartitionedSource} with committable messages. */
  public static <K, V> Source<Pair<TopicPartition, Source<CommittableMessage<K, V>, NotUsed>>, Control>
      committablePartitionedSource(ConsumerSettings<K, V> settings, Subscription.AutoSubscription subscription) {
    return Source.fromGraph(new PartitionedSourceStage<K, V, CommittableMessage<K, V>>(settings, subscription,
        Consumer::committable));
  }

  /**
   * {@link #plainSource} as a Reactive Streams {@link Publisher} (for Reactor, RxJava, Mutiny...), started now
   * on {@code system}; it allows one subscriber. The consumer fetches only as far as the subscriber requests
   * (plus the bounded buffer).
   */
  public static <K, V> Pair<Control, Publisher<ConsumerRecord<K, V>>> plainPublisher(
      ConsumerSettings<K, V> settings, Subscription subscription, ClassicActorSystemProvider system) {
    return plainSource(settings, subscription)
        .toMat(Sink.<ConsumerRecord<K, V>>asPublisher(AsPublisher.WITHOUT_FANOUT), Keep.both())
        .run(Materializer.matFromSystem(system));
  }

  static <K, V> CommittableMessage<K, V> committable(ConsumerEngine<K, V> engine, ConsumerRecord<K, V> r,
                                                             int epoch) {
    return new CommittableMessage<>(r, new CommittableOffset(engine, new TopicPartition(r.topic(), r.partition()),
        r.offset(), epoch));
  }
}
