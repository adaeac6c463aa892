package io.tributary.partition;

import akka.Done;
import akka.stream.BoundedSourceQueue;
import akka.stream.Materializer;
import akka.stream.QueueOfferResult;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import io.tributary.concurrent.AkkaFutures;
import io.tributary.storage.PartitionLog;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of one partition log, as a bounded Akka Streams pipeline:
 * bounded queue of write operations → batch whatever queued up while the previous write ran →
 * write them all on the I/O executor → one fsync for the whole batch when the flush policy asks
 * (group commit) → publish the new high watermark → complete each operation.
 *
 * Every mutation of the log (appends, DeleteRecords, retention, config, close) goes through here,
 * so the log has exactly one writer without locks. Thread-safe: {@link #submit} may be called
 * from any thread.
 */
final class AppendPipeline {
  private static final Logger log = LoggerFactory.getLogger(AppendPipeline.class);

  /** A write operation: runs on the writer, its result completes {@code result} after the batch is durable per policy. */
  abstract static class LogOp<T> {
    final CompletableFuture<T> result = new CompletableFuture<>();
    private T value;
    private Throwable failure;

    abstract T apply(PartitionLog log) throws Exception;

    /** Whether this op wrote data that must be flushed under the "always" policy. */
    boolean writes() {
      return true;
    }

    final void run(PartitionLog partitionLog) {
      try {
        value = apply(partitionLog);
      } catch (Throwable t) {
        failure = t;
      }
    }

    final void complete() {
      if (failure != null) result.completeExceptionally(failure);
      else result.complete(value);
    }
  }

  private final PartitionLog partitionLog;
  private final BoundedSourceQueue<LogOp<?>> queue;
  private final CompletionStage<Done> done;
  private final Runnable onWritten;
  private boolean completed;

  AppendPipeline(PartitionLog partitionLog, int queueSize, int maxBatch, Executor io, Materializer mat, Runnable onWritten) {
    this.partitionLog = partitionLog;
    this.onWritten = onWritten;
    var pair = Source.<LogOp<?>>queue(queueSize)
        .batch(maxBatch, op -> { List<LogOp<?>> ops = new ArrayList<>(); ops.add(op); return ops; },
            (ops, op) -> { ops.add(op); return ops; })
        .mapAsync(1, ops -> CompletableFuture.supplyAsync(() -> write(ops), io))
        .toMat(Sink.ignore(), Keep.both())
        .run(mat);
    this.queue = pair.first();
    // Sink.ignore's value is Scala-backed: callbacks on it would each start a thread on a small machine
    this.done = AkkaFutures.plain(pair.second(), io);
  }

  /** Queues {@code op}; a full queue fails it with a retriable REQUEST_TIMED_OUT instead of growing. */
  <T> CompletableFuture<T> submit(LogOp<T> op) {
    QueueOfferResult offered;
    try {
      offered = queue.offer(op);
    } catch (IllegalStateException alreadyCompleted) {
      op.result.completeExceptionally(new NotLeaderOrFollowerException("Partition is closing; retry"));
      return op.result;
    }
    if (offered != QueueOfferResult.enqueued()) {
      op.result.completeExceptionally(offered == QueueOfferResult.dropped()
          ? new TimeoutException("Partition write queue is full; retry")
          : new NotLeaderOrFollowerException("Partition is closing; retry"));
    }
    return op.result;
  }

  private List<LogOp<?>> write(List<LogOp<?>> ops) {
    boolean wrote = false;
    for (LogOp<?> op : ops) {
      op.run(partitionLog);
      wrote |= op.writes();
    }
    try {
      if (wrote && (partitionLog.config().flushAlways() || partitionLog.flushDue(System.currentTimeMillis()))) {
        partitionLog.flush();
      }
    } catch (Exception e) {
      log.error("fsync failed; failing {} writes", ops.size(), e);
      var failure = new KafkaStorageException("fsync failed: " + e.getMessage());
      ops.forEach(op -> op.result.completeExceptionally(failure));
      return ops;
    }
    onWritten.run();
    ops.forEach(LogOp::complete);
    return ops;
  }

  /**
   * Stops taking operations; completes, on the io executor, when everything queued has been written.
   * Idempotent.
   */
  synchronized CompletionStage<Done> complete() {
    if (!completed) {
      completed = true;
      queue.complete();
    }
    return done;
  }
}
