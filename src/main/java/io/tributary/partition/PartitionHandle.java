package io.tributary.partition;

import akka.Done;
import io.tributary.storage.LogConfig;
import io.tributary.storage.Directories;
import io.tributary.storage.PartitionLog;
import io.tributary.storage.PartitionLog.AppendResult;
import io.tributary.storage.PartitionLog.ReadResult;
import io.tributary.storage.PartitionLog.TimestampOffset;
import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.IntSupplier;
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
  /** The partition's leader epoch in the node's current metadata: it grows while the log is open. */
  private final IntSupplier leaderEpoch;
  private final PartitionLog log;
  private final AppendPipeline pipeline;
  private final Set<Runnable> waiters = ConcurrentHashMap.newKeySet();
  private volatile long highWatermark;
  private volatile long lastUsedNanos = System.nanoTime();
  private volatile boolean open = true;
  private CompletionStage<Done> closed;

  /** Creates the single writer of a handle's log. */
  interface PipelineFactory {
    AppendPipeline create(PartitionLog log, Runnable onWritten, Consumer<KafkaStorageException> onOffline);
  }

  PartitionHandle(TopicPartition topicPartition, Uuid topicId, IntSupplier leaderEpoch, PartitionLog log,
                  PipelineFactory pipelineFactory, BiConsumer<PartitionHandle, KafkaStorageException> onOffline) {
    this.topicPartition = topicPartition;
    this.topicId = topicId;
    this.leaderEpoch = leaderEpoch;
    this.log = log;
    this.highWatermark = log.logEndOffset();
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
  public int leaderEpoch() { return leaderEpoch.getAsInt(); }
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
        return l.append(records, leaderEpoch.getAsInt());
      }
    });
  }

  /** Reads committed batches (below the high watermark) from {@code offset}. */
  public ReadResult read(long offset, int maxBytes, boolean minOneBatch) throws IOException {
    touch();
    ensureOnline();
    return log.read(offset, maxBytes, highWatermark, minOneBatch);
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

  /** Registers a callback run (once per registration, on the writer's thread) when the high watermark moves. */
  public void addWaiter(Runnable waiter) {
    waiters.add(waiter);
  }

  public void removeWaiter(Runnable waiter) {
    waiters.remove(waiter);
  }

  long idleNanos() {
    return waiters.isEmpty() ? System.nanoTime() - lastUsedNanos : 0;
  }

  private void touch() {
    lastUsedNanos = System.nanoTime();
  }

  private void onWritten() {
    long end = log.logEndOffset();
    if (end != highWatermark) {
      highWatermark = end;
      for (Runnable waiter : waiters) {
        if (waiters.remove(waiter)) waiter.run();
      }
    }
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
    for (Runnable waiter : waiters) {
      if (waiters.remove(waiter)) waiter.run();
    }
  }

  @Override
  public String toString() {
    return "PartitionHandle(" + topicPartition + ")";
  }
}
