package io.tributary.client;

import akka.Done;
import akka.actor.AbstractActorWithTimers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.RetriableCommitFailedException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of a KafkaConsumer (which is single-threaded): polls it on the consumer dispatcher with a
 * short timeout, pauses partitions whose share of the buffer is full and resumes them as the stream drains
 * them, commits on request, and handles rebalances: on revoke it drops the buffered records of the revoked
 * partitions and commits their staged offsets synchronously before the partitions are handed over.
 */
final class ConsumerActor<K, V> extends AbstractActorWithTimers {
  private static final Logger log = LoggerFactory.getLogger(ConsumerActor.class);

  static final Object POLL = "poll";
  static final Object WAKEUP = "wakeup";
  static final Object SHUTDOWN = "shutdown";
  private static final Object COMMIT_WAITING = "commit-waiting";
  private static final Object COMMIT_RETRY = "commit-retry";

  record Flush(CompletableFuture<Done> done) {}

  private final ConsumerEngine<K, V> engine;
  private final ConsumerSettings<K, V> settings;
  private KafkaConsumer<K, V> consumer;
  /** Assigned partitions and their assignment epochs (a partition gets a new epoch each time it is assigned). */
  private final Map<TopicPartition, Integer> epochs = new HashMap<>();
  /** Flushes whose commit request is in flight. */
  private final List<CompletableFuture<Done>> pendingCommits = new ArrayList<>();
  /** Flushes waiting for the commit in flight to finish; the next commit answers them all. */
  private final List<CompletableFuture<Done>> waitingFlushes = new ArrayList<>();
  private boolean commitInFlight;
  /** The last poll returned nothing: the next one is likely to block for poll-timeout. */
  private boolean lastPollEmpty = true;
  private int nextEpoch = 1;
  private boolean pollPending;
  private boolean closed;

  ConsumerActor(ConsumerEngine<K, V> engine) {
    this.engine = engine;
    this.settings = engine.settings;
  }

  @Override
  public void preStart() {
    if (engine.shutdownFuture.isDone()) {
      // restarted after an unexpected exception: the source has been told the consumer is gone
      getContext().stop(getSelf());
      return;
    }
    try {
      consumer = settings.createKafkaConsumer();
      var sub = engine.subscription;
      if (sub instanceof Subscription.Topics t) {
        consumer.subscribe(t.topics(), new Listener());
      } else if (sub instanceof Subscription.TopicPattern p) {
        consumer.subscribe(p.pattern(), new Listener());
      } else if (sub instanceof Subscription.Assignment a) {
        consumer.assign(a.partitions());
        a.offsets().forEach(consumer::seek);
        assigned(a.partitions());
      }
    } catch (RuntimeException e) {
      fail(e);
      return;
    }
    pollNow();
  }

  @Override
  public Receive createReceive() {
    return receiveBuilder()
        .matchEquals(POLL, m -> poll())
        .matchEquals(WAKEUP, m -> {
          getTimers().cancel(POLL);
          pollNow();
        })
        .match(Flush.class, this::flush)
        .matchEquals(COMMIT_WAITING, m -> {
          if (!commitInFlight && !closed && !waitingFlushes.isEmpty()) commitWaiting();
        })
        .matchEquals(SHUTDOWN, m -> shutdown(true))
        .build();
  }

  private void pollNow() {
    if (!pollPending && !closed) {
      pollPending = true;
      getSelf().tell(POLL, getSelf());
    }
  }

  private void poll() {
    pollPending = false;
    if (closed) return;
    try {
      var assigned = consumer.assignment();
      var pause = engine.buffer.toPause(assigned);
      var resume = new HashSet<>(assigned);
      resume.removeAll(pause);
      consumer.pause(pause);
      consumer.resume(resume);
      boolean allPaused = !assigned.isEmpty() && resume.isEmpty();
      ConsumerRecords<K, V> records;
      // A flush may wake this poll only when it is likely to block (the last one found nothing): while
      // records flow, polls return at once, and waking them would only cut fetches short.
      if (lastPollEmpty) engine.polling.set(consumer);
      try {
        records = consumer.poll(allPaused ? Duration.ZERO : settings.pollTimeout());
      } catch (WakeupException e) {
        records = ConsumerRecords.empty(); // a flush is waiting in the mailbox
      } finally {
        engine.polling.set(null);
      }
      lastPollEmpty = records.isEmpty();
      publishGroupMetadata();
      engine.buffer.add(records);
      if (allPaused) {
        engine.buffer.park();
        getTimers().startSingleTimer(POLL, WAKEUP, settings.pollInterval());
      } else {
        pollNow();
      }
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  private void flush(Flush f) {
    engine.flushTaken(f.done());
    if (closed) {
      f.done().completeExceptionally(new IllegalStateException("the consumer is shut down; cannot commit"));
      return;
    }
    waitingFlushes.add(f.done());
    if (!commitInFlight) commitWaiting();
  }

  /**
   * Commits everything staged so far for all waiting flushes in one request. At most one commit is in flight
   * per consumer: flushes that arrive meanwhile wait for it and are then answered by one commit of what was
   * staged by then, so a fast stream sends few large commits instead of queueing one per batch at the
   * coordinator.
   */
  private void commitWaiting() {
    var flushes = List.copyOf(waitingFlushes);
    waitingFlushes.clear();
    var offsets = engine.takeStaged(tp -> true, epochs);
    if (offsets.isEmpty()) {
      flushes.forEach(f -> f.complete(Done.getInstance()));
      return;
    }
    commitInFlight = true;
    pendingCommits.addAll(flushes);
    try {
      commitAsync(offsets, flushes);
    } catch (RuntimeException e) {
      // e.g. no group.id, or a fenced static member: the consumer cannot go on
      commitInFlight = false;
      pendingCommits.removeAll(flushes);
      flushes.forEach(f -> f.completeExceptionally(e));
      fail(e);
      return;
    }
    pollNow();
  }

  private void commitAsync(Map<TopicPartition, ConsumerEngine.Staged> offsets, List<CompletableFuture<Done>> flushes) {
    consumer.commitAsync(ConsumerEngine.toCommit(offsets), (m, e) -> {
      commitInFlight = false;
      pendingCommits.removeAll(flushes);
      if (e == null) {
        flushes.forEach(f -> f.complete(Done.getInstance()));
      } else if (e instanceof RetriableCommitFailedException || e instanceof RebalanceInProgressException
          || e instanceof RetriableException) {
        // Not committed yet: the offsets go back (unless newer ones were taken since) and the flushes wait
        // for the next commit, tried after poll-interval, or for the synchronous one on revoke or shutdown.
        // Completing them now would let atMostOnceSource emit records whose offsets are not committed.
        engine.restage(offsets);
        waitingFlushes.addAll(0, flushes);
        getTimers().startSingleTimer(COMMIT_RETRY, COMMIT_WAITING, settings.pollInterval());
        return;
      } else if (e instanceof CommitFailedException) {
        // The partitions were reassigned: their new owner reads from the last committed position (at-least-once).
        log.warn("Commit failed after a rebalance; those records will be delivered again: {}", e.getMessage());
        flushes.forEach(f -> f.complete(Done.getInstance()));
      } else {
        flushes.forEach(f -> f.completeExceptionally(e));
      }
      // runs inside poll() on this actor's thread: start the next commit after poll returns
      if (!waitingFlushes.isEmpty()) getSelf().tell(COMMIT_WAITING, getSelf());
    });
  }

  /** True if committed (or nothing to commit). */
  private boolean commitSync(Map<TopicPartition, ConsumerEngine.Staged> offsets) {
    return commitSync(offsets, false);
  }

  private boolean commitSync(Map<TopicPartition, ConsumerEngine.Staged> offsets, boolean evenIfEmpty) {
    if (offsets.isEmpty() && !evenIfEmpty) return true;
    long deadline = System.nanoTime() + settings.commitTimeout().toNanos();
    try {
      while (true) {
        try {
          consumer.commitSync(ConsumerEngine.toCommit(offsets),
              Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
          return true;
        } catch (WakeupException e) {
          // a flush's wakeup that raced the end of poll(): it is spent now, so try again
          if (System.nanoTime() >= deadline) throw e;
        }
      }
    } catch (RuntimeException e) {
      log.warn("Synchronous commit of {} failed; those records will be delivered again: {}", offsets.keySet(), e.toString());
      return false;
    }
  }

  /** Only a consumer with a group.id has group metadata (a transactional source requires one). */
  private void publishGroupMetadata() {
    if (settings.properties().containsKey(ConsumerConfig.GROUP_ID_CONFIG)) engine.groupMetadata = consumer.groupMetadata();
  }

  private void assigned(Collection<TopicPartition> partitions) {
    // the new generation is known before any record of it is emitted
    publishGroupMetadata();
    var queues = new ArrayList<RecordBuffer.Queue<K, V>>();
    for (var tp : partitions) {
      int epoch = nextEpoch++;
      epochs.put(tp, epoch);
      engine.currentEpochs.put(tp, epoch);
      queues.add(engine.buffer.open(tp, epoch));
    }
    engine.onAssigned.accept(queues);
  }

  private final class Listener implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
      // inside poll(): flushes must not wake the synchronous commit below (it is retried, but each
      // wakeup costs a round trip)
      var polling = engine.polling.getAndSet(null);
      try {
        engine.buffer.revoke(partitions);
        partitions.forEach(engine.currentEpochs::remove);
        var set = new HashSet<>(partitions);
        commitSync(engine.takeStaged(set::contains, epochs));
        partitions.forEach(epochs::remove);
        engine.subscription.listener().onRevoked(partitions);
      } finally {
        engine.polling.set(polling);
      }
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
      engine.buffer.revoke(partitions);
      partitions.forEach(engine.currentEpochs::remove);
      partitions.forEach(epochs::remove);
      engine.subscription.listener().onRevoked(partitions);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
      assigned(partitions);
      engine.subscription.listener().onAssigned(partitions);
    }
  }

  private void fail(Throwable e) {
    log.warn("Consumer failed: {}", e.toString());
    engine.onFailure.accept(e);
    shutdown(false);
  }

  private void shutdown(boolean commit) {
    close(commit);
    getContext().stop(getSelf());
  }

  private void close(boolean commit) {
    if (!closed) {
      closed = true;
      try {
        if (consumer != null) {
          if (commit) {
            var last = engine.takeStaged(tp -> true, epochs);
            // commitSync, even of nothing, also completes the asynchronous commits in flight (their callbacks run)
            boolean committed = last.isEmpty() && pendingCommits.isEmpty() || commitSync(last, true);
            // the callbacks of commits in flight ran inside commitSync: a retriable failure put offsets back
            var retried = engine.takeStaged(tp -> true, epochs);
            if (!retried.isEmpty()) committed = commitSync(retried) && committed;
            var waiting = List.copyOf(waitingFlushes);
            waitingFlushes.clear();
            for (var f : waiting) {
              if (committed) f.complete(Done.getInstance());
              else f.completeExceptionally(new IllegalStateException("the final commit failed; those records will be delivered again"));
            }
          }
          engine.buffer.closeAll();
          engine.currentEpochs.clear();
          consumer.close(settings.closeTimeout());
        }
      } catch (RuntimeException e) {
        log.warn("Closing the consumer failed: {}", e.toString());
      }
      pendingCommits.addAll(waitingFlushes);
      waitingFlushes.clear();
      for (var f : List.copyOf(pendingCommits)) {
        f.completeExceptionally(new IllegalStateException("the consumer was shut down before the commit completed"));
      }
      engine.shutdownFuture.complete(Done.getInstance());
      engine.settleAfterShutdown();
    }
  }

  @Override
  public void postStop() {
    close(false);
  }
}
