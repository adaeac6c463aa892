package io.tributary.storage;

import java.io.IOException;
import java.util.function.LongSupplier;

/**
 * fsync bookkeeping of a partition log: what was appended since the last flush (for
 * {@code flush.messages} and {@code flush.ms}), the recovery point up to which the log is on disk,
 * and its checkpoint file ({@code recovery-point-offset-checkpoint}). The checkpoint is rewritten
 * only when the recovery point moves into another segment: recovery restarts at the segment that
 * holds it, so a finer checkpoint would only cost writes.
 *
 * <p>Writer thread only.
 */
final class LogFlusher {
  private final LogSegments segments;
  private final Checkpoint recoveryCheckpoint;
  private final LongSupplier clock;
  private long recoveryPoint;
  private long checkpointedRecoveryPoint = -1;
  private long unflushedMessages;
  private long firstUnflushedMs = -1;

  LogFlusher(LogSegments segments, Checkpoint recoveryCheckpoint, LongSupplier clock) {
    this.segments = segments;
    this.recoveryCheckpoint = recoveryCheckpoint;
    this.clock = clock;
  }

  /** A freshly opened log: on disk up to its end; the checkpoint file holds {@code checkpointedRecoveryPoint}. */
  void init(long logEndOffset, long checkpointedRecoveryPoint) {
    this.recoveryPoint = logEndOffset;
    this.checkpointedRecoveryPoint = checkpointedRecoveryPoint;
  }

  /** Counts records just appended (not yet fsynced). */
  void appended(long records) {
    if (unflushedMessages == 0) {
      firstUnflushedMs = clock.getAsLong();
    }
    unflushedMessages += records;
  }

  /** fsync of every segment from the one holding the recovery point up to the log end offset {@code leo}. */
  void flush(long leo) throws IOException {
    if (leo == recoveryPoint && unflushedMessages == 0) {
      return;
    }
    LogSegment from = segments.floor(recoveryPoint);
    LogSegment active = segments.active();
    for (LogSegment s : segments.from(from == null ? Long.MIN_VALUE : from.baseOffset())) {
      s.flush(s != active);
    }
    recoveryPoint = leo;
    unflushedMessages = 0;
    firstUnflushedMs = -1;
    LogSegment rpSeg = segments.floor(leo);
    if (checkpointedRecoveryPoint < 0 || segments.floor(checkpointedRecoveryPoint) != rpSeg) {
      recoveryCheckpoint.write(leo);
      checkpointedRecoveryPoint = leo;
    }
  }

  /**
   * The log was truncated to {@code logEndOffset} (the truncation is on disk). The recovery point may not
   * stay above the end: a later flush starts at the segment that holds it and would skip the segments that
   * receive the next records. The checkpoint moves down at once for the same reason after a crash.
   */
  void truncated(long logEndOffset) throws IOException {
    if (recoveryPoint > logEndOffset) {
      recoveryPoint = logEndOffset;
    }
    if (checkpointedRecoveryPoint > logEndOffset) {
      recoveryCheckpoint.write(logEndOffset);
      checkpointedRecoveryPoint = logEndOffset;
    }
  }

  /** The log was emptied and restarts at {@code offset}: nothing is unflushed, the checkpoint says so. */
  void reset(long offset) throws IOException {
    recoveryPoint = offset;
    unflushedMessages = 0;
    firstUnflushedMs = -1;
    recoveryCheckpoint.write(offset);
    checkpointedRecoveryPoint = offset;
  }

  /** True when {@code cfg}'s flush policy says the unflushed tail should be fsynced now. */
  boolean flushDue(LogConfig cfg, long nowMs) {
    long n = unflushedMessages;
    if (n == 0) {
      return false;
    }
    return cfg.flushAlways() || n >= cfg.flushMessages()
        || (firstUnflushedMs >= 0 && nowMs - firstUnflushedMs >= cfg.flushMs());
  }

  long unflushedMessages() {
    return unflushedMessages;
  }

  long recoveryPoint() {
    return recoveryPoint;
  }
}
