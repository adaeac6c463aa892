package io.tributary.client;

import akka.Done;
import akka.actor.ActorRef;
import akka.actor.ActorSystem;
import akka.actor.Props;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The state one consumer shares between its actor (which owns the KafkaConsumer), the source stage(s)
 * and the committer: the record buffer, offsets staged for commit, and the actor's lifecycle.
 */
final class ConsumerEngine<K, V> {
  private static final AtomicLong IDS = new AtomicLong();

  /** A position to commit, tagged with the assignment epoch of the partition when its record was emitted. */
  record Staged(long offset, int epoch) {}

  final ConsumerSettings<K, V> settings;
  final Subscription subscription;
  final RecordBuffer<K, V> buffer;
  final CompletableFuture<Done> shutdownFuture = new CompletableFuture<>();
  private final ConcurrentHashMap<TopicPartition, Staged> staged = new ConcurrentHashMap<>();
  /** The highest offset per partition handed to a commit (actor thread only). */
  private final Map<TopicPartition, Staged> lastTaken = new HashMap<>();
  private final java.util.Set<CompletableFuture<Done>> flushes = ConcurrentHashMap.newKeySet();
  private volatile ActorRef actor;
  /** The actor's KafkaConsumer while it blocks in poll(), else null: a flush wakes it (see {@link #flush}). */
  final java.util.concurrent.atomic.AtomicReference<org.apache.kafka.clients.consumer.Consumer<?, ?>> polling =
      new java.util.concurrent.atomic.AtomicReference<>();
  /** Set by the stage before {@link #start}; called on the actor thread. */
  volatile java.util.function.Consumer<Throwable> onFailure = t -> {};
  volatile java.util.function.Consumer<List<RecordBuffer.Queue<K, V>>> onAssigned = qs -> {};
  /**
   * The assignment epoch of each partition assigned now, written by the actor: a transactional stage reads it
   * to tell whether a partition it holds in its open transaction was revoked since its records were emitted.
   */
  final ConcurrentHashMap<TopicPartition, Integer> currentEpochs = new ConcurrentHashMap<>();
  /**
   * The KafkaConsumer's group metadata (generation, member id) as of its last poll or assignment; the
   * KafkaConsumer is single-threaded, so the actor publishes it here for the transactional producer, which
   * sends it with the offsets (KIP-447: the coordinator fences offsets of an older generation).
   */
  volatile ConsumerGroupMetadata groupMetadata;

  ConsumerEngine(ConsumerSettings<K, V> settings, Subscription subscription) {
    this.settings = settings;
    this.subscription = subscription;
    this.buffer = new RecordBuffer<>(settings.maxBufferBytes());
  }

  void start(ActorSystem system) {
    actor = system.actorOf(Props.create(ConsumerActor.class, () -> new ConsumerActor<K, V>(this))
        .withDispatcher(settings.dispatcher()), "tributary-consumer-" + IDS.incrementAndGet());
    buffer.setWakeup(() -> actor.tell(ConsumerActor.WAKEUP, ActorRef.noSender()));
  }

  /** True if {@code tp} is assigned now in assignment epoch {@code epoch} (not revoked since). */
  boolean isCurrent(TopicPartition tp, int epoch) {
    Integer now = currentEpochs.get(tp);
    return now != null && now == epoch;
  }

  /** Records {@code next} as the position to commit for {@code tp} (the highest of one epoch wins). */
  void stage(TopicPartition tp, long next, int epoch) {
    var s = new Staged(next, epoch);
    staged.merge(tp, s, (a, b) -> a.epoch() != b.epoch() ? (b.epoch() > a.epoch() ? b : a)
        : (b.offset() > a.offset() ? b : a));
  }

  /**
   * Puts back offsets whose commit failed retriably, unless newer ones were staged or taken for a commit
   * meanwhile (a later commit of a higher offset must not be followed by this lower one).
   */
  void restage(Map<TopicPartition, Staged> offsets) {
    offsets.forEach((tp, s) -> {
      Staged newest = lastTaken.get(tp);
      if (newest == null || newest.epoch() != s.epoch() || newest.offset() <= s.offset()) stage(tp, s.offset(), s.epoch());
    });
  }

  /**
   * Removes and returns the staged offsets of partitions for which {@code current} gives the epoch they were
   * staged in; offsets staged in an older epoch (the partition was revoked since) are dropped.
   */
  Map<TopicPartition, Staged> takeStaged(Predicate<TopicPartition> include, Map<TopicPartition, Integer> current) {
    var out = new HashMap<TopicPartition, Staged>();
    for (var e : staged.entrySet()) {
      var tp = e.getKey();
      var s = e.getValue();
      Integer epoch = current.get(tp);
      if (epoch == null || epoch != s.epoch()) {
        if (epoch == null || s.epoch() < epoch) staged.remove(tp, s);
      } else if (include.test(tp) && staged.remove(tp, s)) {
        out.put(tp, s);
        lastTaken.merge(tp, s, (a, b) -> a.epoch() != b.epoch() ? b : (b.offset() > a.offset() ? b : a));
      }
    }
    return out;
  }

  static Map<TopicPartition, OffsetAndMetadata> toCommit(Map<TopicPartition, Staged> offsets) {
    var out = new HashMap<TopicPartition, OffsetAndMetadata>();
    offsets.forEach((tp, s) -> out.put(tp, new OffsetAndMetadata(s.offset())));
    return out;
  }

  /** Commits everything staged so far; completes when the broker acknowledged it. */
  CompletionStage<Done> flush() {
    var f = new CompletableFuture<Done>();
    var a = actor;
    if (a == null) {
      f.completeExceptionally(new IllegalStateException("the consumer has not started; cannot commit"));
      return f;
    }
    flushes.add(f);
    if (shutdownFuture.isDone()) {
      settleAfterShutdown();
    } else {
      a.tell(new ConsumerActor.Flush(f), ActorRef.noSender());
      // The actor reads its mailbox only between polls, and a poll at the end of the log blocks for the whole
      // poll-timeout: wake it so the commit starts now (wakeup() is the KafkaConsumer's one thread-safe call).
      var c = polling.get();
      if (c != null) c.wakeup();
    }
    return f.orTimeout(settings.flushTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The actor took this flush in hand. */
  void flushTaken(CompletableFuture<Done> f) {
    flushes.remove(f);
  }

  /**
   * After the consumer closed: a flush that finds nothing staged succeeds (the shutdown committed it
   * synchronously); one that finds offsets staged after the shutdown fails (those records will be delivered
   * again).
   */
  void settleAfterShutdown() {
    for (var f : flushes) {
      if (flushes.remove(f)) {
        if (staged.isEmpty()) f.complete(Done.getInstance());
        else f.completeExceptionally(new IllegalStateException("the consumer is shut down; cannot commit"));
      }
    }
  }

  /** Commits what is staged, leaves the group and closes the KafkaConsumer. */
  void shutdown() {
    var a = actor;
    if (a == null) shutdownFuture.complete(Done.getInstance());
    else a.tell(ConsumerActor.SHUTDOWN, ActorRef.noSender());
  }
}
