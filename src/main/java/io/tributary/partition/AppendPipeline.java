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
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
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
 *
 * <p>A write or fsync that fails with an I/O error takes the partition offline, as Kafka takes a log
 * directory offline: the log's state on disk is unknown from then on, so the failing batch and every later
 * operation fail with {@link KafkaStorageException} (the client sees {@code KAFKA_STORAGE_ERROR}) and
 * {@code onOffline} is told once. Only a restart (which recovers the unflushed tail) brings it back.
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

    /** An I/O failure, as opposed to a rejected request (bad batch, out-of-range offset): the disk failed. */
    final boolean failedOnStorage() {
      return failure instanceof IOException || failure instanceof UncheckedIOException
          || failure instanceof KafkaStorageException;
    }
  }

  /** What a log operation does, on the writer. */
  @FunctionalInterface
  interface LogWork<T> {
    T apply(PartitionLog log) throws Exception;
  }

  /** An operation whose result needs no fsync first, even under the "always" policy (DeleteRecords, retention, config, flush). */
  static <T> LogOp<T> noFlush(LogWork<T> work) {
    return new LogOp<>() {
      @Override
      T apply(PartitionLog log) throws Exception {
        return work.apply(log);
      }

      @Override
      boolean writes() {
        return false;
      }
    };
  }

  private final PartitionLog partitionLog;
  private final BoundedSourceQueue<LogOp<?>> queue;
  private final CompletionStage<Done> done;
  private final Runnable onWritten;
  private final Consumer<KafkaStorageException> onOffline;
  private boolean completed;
  /** Set by the writer when a write or fsync failed; read by submitters. */
  private volatile KafkaStorageException offline;

  AppendPipeline(PartitionLog partitionLog, int queueSize, int maxBatch, Executor io, Materializer mat, Runnable onWritten,
                 Consumer<KafkaStorageException> onOffline) {
    this.partitionLog = partitionLog;
    this.onWritten = onWritten;
    this.onOffline = onOffline;
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
    if (offline != null) {
      op.result.completeExceptionally(offline);
      return op.result;
    }
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

  /** The failure that took the partition offline, or null while it is online. */
  KafkaStorageException offline() {
    return offline;
  }

  private List<LogOp<?>> write(List<LogOp<?>> ops) {
    try {
      writeAndFlush(ops);
    } catch (Throwable unexpected) {
      // a bug, not the disk: the stream must go on, and no operation may be left without an answer
      log.error("Writing to {} failed unexpectedly", partitionLog.dir(), unexpected);
      ops.forEach(op -> op.result.completeExceptionally(unexpected));
    }
    return ops;
  }

  private void writeAndFlush(List<LogOp<?>> ops) {
    if (offline != null) {
      ops.forEach(op -> op.result.completeExceptionally(offline));
      return;
    }
    boolean wrote = false;
    for (LogOp<?> op : ops) {
      op.run(partitionLog);
      if (op.failedOnStorage()) {
        goOffline(ops, "I/O error", op.failure);
        return;
      }
      wrote |= op.writes();
    }
    try {
      if (wrote && (partitionLog.config().flushAlways() || partitionLog.flushDue(System.currentTimeMillis()))) {
        partitionLog.flush();
      }
    } catch (Exception e) {
      goOffline(ops, "fsync failed", e);
      return;
    }
    onWritten.run();
    ops.forEach(LogOp::complete);
  }

  /** Fails the whole batch (none of it is known to be on disk) and everything after it. */
  private void goOffline(List<LogOp<?>> ops, String what, Throwable cause) {
    var failure = new KafkaStorageException("Partition log " + partitionLog.dir().getFileName() + " is offline: "
        + what + ": " + cause.getMessage(), cause);
    offline = failure;
    onOffline.accept(failure); // first: whoever sees the failed writes finds the partition reported offline
    ops.forEach(op -> op.result.completeExceptionally(failure));
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
