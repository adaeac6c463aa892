package io.tributary.partition;

import akka.Done;
import io.tributary.storage.LogConfig;
import io.tributary.storage.Directories;
import io.tributary.storage.PartitionLog;
import io.tributary.storage.PartitionLog.AppendResult;
import io.tributary.storage.PartitionLog.ReadResult;
import io.tributary.storage.PartitionLog.TimestampOffset;
import io.tributary.storage.UnexpectedAppendOffsetException;
import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CompletionException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import io.tributary.metadata.PartitionInfo;
import io.tributary.storage.EpochEndOffset;
import io.tributary.storage.UnexpectedAppendOffsetException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * An open partition on this node, as the protocol layer uses it: writes go through the
 * partition's {@link AppendPipeline} (its single writer); reads, offsets and long-poll waits are
 * served directly from the log's immutable views on the caller's thread, so fetches never queue
 * behind writes. Handed out by {@link PartitionEntity} and valid until {@link #isOpen()} turns
 * false (passivation, topic deletion, shutdown); then ask the entity again. After a failed write or
 * fsync the partition is offline ({@link #offline()}): every read and write fails with
 * {@link KafkaStorageException}. Thread-safe.
 */
public final class PartitionHandle {
  private final TopicPartition topicPartition;
  private final Uuid topicId;
  private final int nodeId;
  /** The partition's assignment in the node's current metadata (null once this topic incarnation is gone). */
  private final Supplier<PartitionInfo> assignment;
  private final PartitionLog log;
  private final AppendPipeline pipeline;
  /** Woken when the high watermark moves (consumer fetches, acks=all produce). */
  private final Waiters waiters = new Waiters();
  /** Woken when the log end moves (followers' fetches wait for new data, not for the high watermark). */
  private final Waiters logEndWaiters = new Waiters();
  private final FollowerStates followers = new FollowerStates();
  /** The leader epoch this node last led the partition in, -1 while it follows: a new epoch resets the followers. */
  private int ledEpoch = -1; // guarded by this
  private volatile long highWatermark;
  /**
   * On the leader: a replica it asked the Controller to add to the ISR while metadata does not show it there yet, or
   * -1. It counts for the high watermark meanwhile (Kafka's maximal ISR during a pending expansion): the Controller
   * may complete a reassignment on that expansion and move leadership to it, which must then hold every record this
   * node acknowledged.
   */
  private volatile int joiningIsr = -1;
  private volatile long lastUsedNanos = System.nanoTime();
  private volatile boolean open = true;
  private volatile boolean quorumLost;
  private CompletionStage<Done> closed;

  /** Creates the single writer of a handle's log. */
  interface PipelineFactory {
    AppendPipeline create(PartitionLog log, Runnable onWritten, Consumer<KafkaStorageException> onOffline);
  }

  PartitionHandle(TopicPartition topicPartition, Uuid topicId, int nodeId, Supplier<PartitionInfo> assignment,
                  PartitionLog log, PipelineFactory pipelineFactory,
                  BiConsumer<PartitionHandle, KafkaStorageException> onOffline) {
    this.topicPartition = topicPartition;
    this.topicId = topicId;
    this.nodeId = nodeId;
    this.assignment = assignment;
    this.log = log;
    // a replicated log's tail may not be committed: the high watermark is learnt again from the replicas
    // (followers' fetches on the leader, the leader's answers on a follower); a single replica's log is all committed
    PartitionInfo info = assignment.get();
    this.highWatermark = info != null && info.replicas().size() > 1 ? log.logStartOffset() : log.logEndOffset();
    log.highWatermarkUpdated(highWatermark);
    this.pipeline = pipelineFactory.create(log, this::onWritten, failure -> {
      onOffline.accept(this, failure);
      wakeAll(); // waiting fetches answer now, with the storage error
    });
  }

  /** The failure that took this partition offline, if it is. */
  public Optional<KafkaStorageException> offline() {
    return Optional.ofNullable(pipeline.offline());
  }

  private void ensureOnline() {
    var failure = pipeline.offline();
    if (failure != null) throw new KafkaStorageException(failure.getMessage(), failure);
  }

  public TopicPartition topicPartition() { return topicPartition; }
  public Uuid topicId() { return topicId; }
  public int leaderEpoch() {
    PartitionInfo info = assignment.get();
    return info == null ? RecordBatch.NO_PARTITION_LEADER_EPOCH : info.leaderEpoch();
  }
  public boolean isOpen() { return open; }
  public long highWatermark() { touch(); return highWatermark; }
  /** The high watermark without counting as use (passivation), for metrics. */
  public long peekHighWatermark() { return highWatermark; }
  public long logStartOffset() { return log.logStartOffset(); }
  public long logEndOffset() { return log.logEndOffset(); }
  public long sizeInBytes() { return log.sizeInBytes(); }
  public LogConfig config() { return log.config(); }

  /** Appends producer batches; completes once written (and fsynced if the policy says so) and visible to readers. */
  public CompletionStage<AppendResult> append(MemoryRecords records) {
    touch();
    return pipeline.submit(new AppendPipeline.LogOp<>() {
      @Override
      AppendResult apply(PartitionLog l) throws IOException {
        return l.append(records, leaderEpoch());
      }
    });
  }

  /** Reads committed batches (below the high watermark) from {@code offset}. */
  public ReadResult read(long offset, int maxBytes, boolean minOneBatch) throws IOException {
    return read(offset, maxBytes, minOneBatch, false);
  }

  /**
   * Reads committed batches from {@code offset}: below the high watermark, or with {@code readCommitted} (a
   * read_committed consumer) below the last stable offset.
   */
  public ReadResult read(long offset, int maxBytes, boolean minOneBatch, boolean readCommitted) throws IOException {
    touch();
    ensureOnline();
    long hw = highWatermark;
    return log.read(offset, maxBytes, readCommitted ? log.lastStableOffset(hw) : hw, minOneBatch);
  }

  // ------------------------------------------------------------------------------------ transactions

  /**
   * Kafka's last stable offset: the high watermark, or the first offset of a transaction that is still open (or whose
   * marker is not replicated yet) when lower. read_committed consumers read below it.
   */
  public long lastStableOffset() {
    touch();
    return log.lastStableOffset(highWatermark);
  }

  /** The first offset of {@code producerId}'s open transaction in this partition, -1 if none. */
  public long openTransactionStart(long producerId) {
    return log.openTransactionStart(producerId);
  }

  /** The aborted transactions overlapping {@code [startOffset, upperBound)} (a read_committed fetch's answer). */
  public List<io.tributary.storage.AbortedTxn> abortedTransactions(long startOffset, long upperBound) {
    touch();
    ensureOnline();
    return log.abortedTransactions(startOffset, upperBound);
  }

  /**
   * Writes a COMMIT ({@code commit}) or ABORT marker for the producer's transaction on this leader, in its current
   * leader epoch (see {@link PartitionLog#appendTxnMarker}); completes once written (and fsynced per policy).
   */
  public CompletionStage<AppendResult> appendTxnMarker(long producerId, short producerEpoch, int coordinatorEpoch,
                                                       boolean commit) {
    touch();
    return pipeline.submit(new AppendPipeline.LogOp<>() {
      @Override
      AppendResult apply(PartitionLog l) throws IOException {
        return l.appendTxnMarker(producerId, producerEpoch, coordinatorEpoch, commit, leaderEpoch());
      }
    });
  }

  /** The producers this partition knows (DescribeProducers), read on the writer. */
  public CompletionStage<List<io.tributary.storage.ActiveProducer>> activeProducers() {
    touch();
    return pipeline.submit(AppendPipeline.noFlush(PartitionLog::activeProducers));
  }

  public Optional<TimestampOffset> offsetForTimestamp(long timestamp) throws IOException {
    touch();
    ensureOnline();
    return log.offsetForTimestamp(timestamp);
  }

  public Optional<TimestampOffset> maxTimestamp() throws IOException {
    touch();
    ensureOnline();
    return log.maxTimestamp();
  }

  /** DeleteRecords: completes with the new log start offset. */
  public CompletionStage<Long> deleteRecordsBefore(long offset) {
    touch();
    return pipeline.submit(AppendPipeline.noFlush(l -> l.deleteRecordsBefore(offset)));
  }

  CompletionStage<Integer> enforceRetention() {
    return pipeline.submit(AppendPipeline.noFlush(l -> l.enforceRetention(System.currentTimeMillis())));
  }

  /** fsync if flush.ms has passed since the oldest unflushed write (appends alone only check on the next write). */
  CompletionStage<Boolean> flushIfDue() {
    return pipeline.submit(AppendPipeline.noFlush(l -> {
      if (!l.flushDue(System.currentTimeMillis())) return false;
      l.flush();
      return true;
    }));
  }

  CompletionStage<Done> updateConfig(LogConfig config) {
    return pipeline.submit(AppendPipeline.noFlush(l -> {
      l.updateConfig(config);
      return Done.getInstance();
    }));
  }

  // ------------------------------------------------------------------------------------ replication

  /** The partition's assignment as this node's metadata has it now; null once this topic incarnation is gone. */
  public PartitionInfo assignment() {
    return assignment.get();
  }

  /** Whether this node leads the partition in its current metadata. */
  public boolean isLeader() {
    PartitionInfo info = assignment.get();
    return info != null && info.leader() == nodeId;
  }

  /**
   * This node was cut off from, or is back with, the majority of the cluster. A leader that is cut off keeps its
   * role towards the log and the followers (only the Controller changes leadership) but turns clients away from a
   * partition another in-sync replica can take over: those waiting for acks=all are answered now.
   */
  void quorumLost(boolean lost) {
    if (quorumLost == lost) return;
    quorumLost = lost;
    waiters.wake();
  }

  /**
   * Whether clients are turned away although this node leads: it is cut off from the majority, and the ISR holds
   * another replica the majority can elect (a partition whose ISR is this node alone stays with it: nobody else could
   * take it over without losing records).
   */
  public boolean cutOffFromClients() {
    if (!quorumLost) return false;
    PartitionInfo info = assignment.get();
    return info != null && info.leader() == nodeId && info.isr().stream().anyMatch(r -> r != nodeId);
  }

  /** The in-sync replicas now (1 for a partition metadata does not have yet: this node alone). */
  public int inSyncReplicaCount() {
    PartitionInfo info = assignment.get();
    return info == null ? 1 : info.isr().size();
  }

  /** The topic's min.insync.replicas. */
  public int minInsyncReplicas() {
    return log.config().minInsyncReplicas();
  }

  /**
   * Appends batches fetched from the leader, with the leader's offsets and epochs. An empty log (one just restarted at
   * the leader's log start) takes a first batch that begins below its end and ends at or above it, and then starts
   * at that batch's base offset (Kafka's Partition.appendRecordsToFollowerOrFutureReplica): the leader's log start
   * may fall inside a batch after DeleteRecords, and the leader sends that batch whole.
   */
  public CompletionStage<AppendResult> appendAsFollower(MemoryRecords records, int fetchedLeaderEpoch) {
    touch();
    return pipeline.submit(new AppendPipeline.LogOp<>() {
      @Override
      AppendResult apply(PartitionLog l) throws IOException {
        ensureFollowing(fetchedLeaderEpoch);
        try {
          return l.appendAsFollower(records);
        } catch (UnexpectedAppendOffsetException e) {
          long end = l.logEndOffset();
          if (end != l.logStartOffset() || e.expectedOffset() != end || e.firstOffset() >= end || e.lastOffset() < end) {
            throw e;
          }
          l.truncateFullyAndStartAt(e.firstOffset());
          return l.appendAsFollower(records);
        }
      }
    });
  }

  /** On a follower: the leader's log start offset; this log's start moves up to it (Kafka's LeaderOffsetIncremented). */
  public CompletionStage<Long> followerLogStartOffset(long leaderLogStart) {
    return pipeline.submit(AppendPipeline.noFlush(l -> {
      long target = Math.min(leaderLogStart, l.logEndOffset());
      return target > l.logStartOffset() ? l.deleteRecordsBefore(target) : l.logStartOffset();
    }));
  }

  /** Drops the log from {@code offset} on (a follower whose log diverged from its leader's); the high watermark follows. */
  public CompletionStage<Long> truncateTo(long offset, int fetchedLeaderEpoch) {
    touch();
    return pipeline.submit(AppendPipeline.noFlush(l -> {
      ensureFollowing(fetchedLeaderEpoch);
      l.truncateTo(offset);
      synchronized (this) {
        if (highWatermark > l.logEndOffset()) highWatermark = l.logEndOffset();
      }
      l.highWatermarkUpdated(highWatermark);
      return l.logEndOffset();
    }));
  }

  /**
   * Deletes the whole log and restarts it, empty, at {@code offset} (a follower whose log ends below its leader's log
   * start, Kafka's truncateFullyAndStartAt); the high watermark follows.
   */
  public CompletionStage<Long> truncateFullyAndStartAt(long offset, int fetchedLeaderEpoch) {
    touch();
    return pipeline.submit(AppendPipeline.noFlush(l -> {
      ensureFollowing(fetchedLeaderEpoch);
      l.truncateFullyAndStartAt(offset);
      synchronized (this) {
        highWatermark = l.logEndOffset();
      }
      l.highWatermarkUpdated(highWatermark);
      return l.logEndOffset();
    }));
  }

  /** Reads for a follower: up to the log end, not only the committed part. */
  public ReadResult readForReplica(long offset, int maxBytes, boolean minOneBatch) throws IOException {
    touch();
    ensureOnline();
    return log.read(offset, maxBytes, log.logEndOffset(), minOneBatch);
  }

  /** The last offset (exclusive) of {@code epoch} in this log and the epoch it belongs to (Kafka's OffsetForLeaderEpoch). */
  public EpochEndOffset endOffsetForEpoch(int epoch) {
    touch();
    ensureOnline();
    return log.endOffsetForEpoch(epoch);
  }

  /** The latest leader epoch of this log's batches, -1 if none. */
  public int latestEpoch() {
    return log.latestEpoch();
  }

  /**
   * On the leader: a follower fetched from {@code fetchOffset}, i.e. its log ends there, and was answered from this
   * log when it ended at {@code leaderEndAtRead} (taken before the read: a follower that got everything up to it is
   * caught up even if more was written since). The high watermark may move.
   *
   * @return whether the follower is now eligible to (re)join the ISR: not in it, a replica, and caught up to the
   *     high watermark
   */
  public boolean followerFetched(int replica, long fetchOffset, long leaderEndAtRead) {
    touch();
    followers.update(replica, fetchOffset, leaderEndAtRead, System.currentTimeMillis());
    maybeAdvanceHighWatermark();
    PartitionInfo info = assignment.get();
    return info != null && info.leader() == nodeId && info.replicas().contains(replica) && !info.isr().contains(replica)
        && fetchOffset >= highWatermark;
  }

  /**
   * On the leader: claims the ISR proposal for {@code replica}, whose log ends at {@code fetchOffset}, if none is
   * pending and the replica is still caught up to the high watermark; from then on, until {@link
   * #isrProposalSettled}, it holds back the high watermark. Atomic with the high watermark's advance, so that no
   * record is acknowledged past the replica between the check and the claim.
   */
  synchronized boolean claimIsrProposal(int replica, long fetchOffset) {
    if (joiningIsr >= 0 || fetchOffset < highWatermark) return false;
    joiningIsr = replica;
    return true;
  }

  /** The ISR proposal was answered (and metadata shows the outcome): only the ISR counts again. */
  void isrProposalSettled() {
    joiningIsr = -1;
    maybeAdvanceHighWatermark();
  }

  /**
   * On the leader: how far {@code replica}'s log end is behind this log's end, as of its last fetch; -1 when this
   * node does not lead or the replica has not fetched since it became leader.
   */
  public long followerLag(int replica) {
    if (!isLeader()) return -1L;
    long end = followers.logEndOffset(replica);
    return end == FollowerStates.UNKNOWN ? -1L : Math.max(0L, log.logEndOffset() - end);
  }

  /** On the leader: ISR members that have not caught up since {@code cutoffMs}. */
  public List<Integer> laggingFollowers(long cutoffMs) {
    PartitionInfo info = assignment.get();
    if (info == null || info.leader() != nodeId) return List.of();
    return followers.laggingSince(info.isr(), nodeId, cutoffMs);
  }

  /**
   * A fetch answer changes this log only while this replica still follows the leader epoch the fetch was made in,
   * checked on the log's writer thread, in order with the leadership change: an answer that arrives late (a leader
   * that was paused, then resumed) must not append the old leader's records after this replica began leading at a
   * higher epoch, nor truncate what it has acknowledged since.
   */
  private void ensureFollowing(int fetchedLeaderEpoch) {
    PartitionInfo info = assignment.get();
    if (info == null || info.leader() == nodeId || info.leaderEpoch() != fetchedLeaderEpoch) {
      throw new StaleFetchException(topicPartition + ": fetched in leader epoch " + fetchedLeaderEpoch
          + ", but the assignment is now " + info);
    }
  }

  /** A fetch answer that no longer applies: the partition's leadership changed while it was in flight. */
  public static final class StaleFetchException extends IllegalStateException {
    StaleFetchException(String message) {
      super(message);
    }
  }

  /** On a follower: the leader's high watermark, capped by what this replica has. */
  public void followerHighWatermark(long leaderHighWatermark, int fetchedLeaderEpoch) {
    PartitionInfo info = assignment.get();
    if (info == null || info.leader() == nodeId || info.leaderEpoch() != fetchedLeaderEpoch) return;
    long hw = Math.min(leaderHighWatermark, log.logEndOffset());
    boolean moved;
    synchronized (this) {
      moved = hw != highWatermark;
      highWatermark = hw;
    }
    log.highWatermarkUpdated(hw);
    if (moved) waiters.wake();
  }

  /**
   * The node's metadata changed: on becoming leader (a new leader epoch), the followers' offsets are unknown again
   * and the epoch starts at the log end; an ISR change may move the high watermark; whoever waits for it looks again
   * (an acks=all produce fails when this node no longer leads).
   */
  void assignmentChanged() {
    PartitionInfo info = assignment.get();
    boolean newlyLeading = false;
    synchronized (this) {
      if (info != null && info.leader() == nodeId) {
        if (info.leaderEpoch() != ledEpoch) {
          ledEpoch = info.leaderEpoch();
          followers.reset(info.replicas(), nodeId, System.currentTimeMillis());
          newlyLeading = true;
        }
      } else {
        ledEpoch = -1;
      }
    }
    if (newlyLeading) {
      int epoch = info.leaderEpoch();
      pipeline.submit(AppendPipeline.noFlush(l -> {
        l.beginLeaderEpoch(epoch);
        return Done.getInstance();
      }));
    }
    if (info == null || info.leader() == nodeId) maybeAdvanceHighWatermark();
    waiters.wake();
    logEndWaiters.wake();
  }

  /**
   * Completes when the high watermark reaches {@code offset} (acks=all); fails with NOT_LEADER_OR_FOLLOWER when this
   * node stops leading the partition first, or the handle closes.
   */
  public CompletableFuture<Void> awaitHighWatermark(long offset) {
    var done = new CompletableFuture<Void>();
    Runnable check = new Runnable() {
      @Override
      public void run() {
        if (done.isDone()) return; // the produce timed out: nothing waits any more
        if (highWatermark >= offset) {
          done.complete(null);
        } else if (!open || !isLeader()) {
          done.completeExceptionally(new NotLeaderOrFollowerException(
              "Node " + nodeId + " is no longer the leader of " + topicPartition + "."));
        } else if (cutOffFromClients()) {
          done.completeExceptionally(new NotLeaderOrFollowerException("Node " + nodeId
              + " is cut off from the majority of the cluster, which elects another leader of " + topicPartition + "."));
        } else {
          waiters.add(this);
          // the watermark may have moved between the check and the registration
          if ((highWatermark >= offset || !open || !isLeader() || cutOffFromClients()) && waiters.remove(this)) run();
        }
      }
    };
    check.run();
    return done;
  }

  /** Registers a callback run once, when the log end moves (a follower's fetch waiting for new data). */
  public void addLogEndWaiter(Runnable waiter) {
    logEndWaiters.add(waiter);
  }

  public void removeLogEndWaiter(Runnable waiter) {
    logEndWaiters.remove(waiter);
  }

  /** Registers a callback run (once per registration, on the writer's thread) when the high watermark moves. */
  public void addWaiter(Runnable waiter) {
    waiters.add(waiter);
  }

  public void removeWaiter(Runnable waiter) {
    waiters.remove(waiter);
  }

  long idleNanos() {
    return waiters.isEmpty() && logEndWaiters.isEmpty() ? System.nanoTime() - lastUsedNanos : 0;
  }

  private void touch() {
    lastUsedNanos = System.nanoTime();
  }

  private void onWritten() {
    logEndWaiters.wake();
    if (isLeader() || assignment.get() == null) maybeAdvanceHighWatermark();
  }

  /**
   * The leader's high watermark: the lowest log end offset over the in-sync replicas (its own included, and a replica
   * proposed for the ISR), never moving back. A replica that has not fetched since this node became leader holds it where it is.
   */
  private void maybeAdvanceHighWatermark() {
    boolean moved = false;
    synchronized (this) {
      long candidate = log.logEndOffset();
      PartitionInfo info = assignment.get();
      if (info != null) {
        for (int replica : info.isr()) {
          if (replica != nodeId) candidate = Math.min(candidate, followers.logEndOffset(replica));
        }
        int joining = joiningIsr;
        if (joining >= 0 && joining != nodeId && !info.isr().contains(joining)) {
          candidate = Math.min(candidate, followers.logEndOffset(joining));
        }
      }
      if (candidate > highWatermark) {
        highWatermark = candidate;
        moved = true;
      }
    }
    if (moved) log.highWatermarkUpdated(highWatermark);
    // outside the monitor: waiters complete futures whose continuations run on this thread
    if (moved) waiters.wake();
  }

  /** Finishes queued writes, then closes the log (clean-shutdown marker). Idempotent. */
  synchronized CompletionStage<Done> close() {
    open = false;
    if (closed == null) {
      // closed even when the pipeline failed: file handles must not leak
      closed = pipeline.complete().handle((d, failure) -> {
        try {
          closeLog();
        } finally {
          wakeAll();
        }
        if (failure != null) throw new CompletionException(failure);
        return Done.getInstance();
      });
    }
    return closed;
  }

  /** An offline log is closed without writing anything, so that the next open recovers its tail. */
  private void closeLog() {
    var failure = pipeline.offline();
    if (failure != null) {
      log.closeAfterFailure(failure);
      return;
    }
    try {
      log.close();
    } catch (IOException e) {
      log.closeAfterFailure(e);
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Finishes queued writes, closes the log, then deletes its directory (topic deleted). */
  CompletionStage<Done> closeAndDelete() {
    // a failed close does not matter here: the files are deleted either way
    return close().handle((d, e) -> {
      try {
        Directories.deleteRecursively(log.dir());
      } catch (IOException io) {
        throw new java.io.UncheckedIOException(io);
      }
      return Done.getInstance();
    });
  }

  /** Runs every registered waiter now (shutdown). */
  void wakeWaiters() {
    wakeAll();
  }

  private void wakeAll() {
    waiters.wake();
    logEndWaiters.wake();
  }

  @Override
  public String toString() {
    return "PartitionHandle(" + topicPartition + ")";
  }
}
