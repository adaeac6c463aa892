package io.tributary.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * The log of one partition: a directory of segments in Kafka's on-disk layout.
 *
 * Threading: a single writer (the owning PartitionEntity's append stream) calls append, flush,
 * roll, retention, truncation and close. read, offsetForTimestamp and the offset getters are safe
 * from any thread at any time (they work from an immutable snapshot of the segment list; a segment
 * deleted under a reader surfaces as an empty read, never as a torn one).
 *
 * CONTRACT (skeleton): the storage helper implements the bodies.
 */
public final class PartitionLog implements Closeable {

  /** Opens (creating if absent) the log in {@code dir}, recovering the tail after an unclean stop. */
  public static PartitionLog open(Path dir, LogConfig config) throws IOException {
    throw new UnsupportedOperationException("storage: not yet implemented");
  }

  /**
   * Validates and appends producer batches (magic v2 only). Only baseOffset and
   * partitionLeaderEpoch are patched in the stored bytes. Idempotent producers: a duplicate of one
   * of the last five batches of a producer returns the original offsets without writing.
   *
   * @throws org.apache.kafka.common.errors.CorruptRecordException bad CRC or malformed batch
   * @throws org.apache.kafka.common.errors.RecordTooLargeException batch above max.message.bytes
   * @throws org.apache.kafka.common.errors.InvalidRecordException other invalid input (magic != 2, ...)
   * @throws org.apache.kafka.common.errors.OutOfOrderSequenceException sequence gap
   * @throws org.apache.kafka.common.errors.InvalidProducerEpochException / ProducerFencedException stale epoch
   */
  public AppendResult append(MemoryRecords records, int leaderEpoch) throws IOException {
    throw new UnsupportedOperationException("storage: not yet implemented");
  }

  /** fsync of everything appended so far. */
  public void flush() throws IOException { throw new UnsupportedOperationException(); }

  /** True when flush.messages or flush.ms say the unflushed tail should be fsynced now. */
  public boolean flushDue(long nowMs) { throw new UnsupportedOperationException(); }

  /**
   * Reads whole batches starting with the batch that contains {@code offset}, at most
   * {@code maxBytes} (but at least one batch if {@code minOneBatch}), never past {@code maxOffset}
   * (exclusive; the high watermark).
   *
   * @throws org.apache.kafka.common.errors.OffsetOutOfRangeException offset below log start or above log end
   */
  public ReadResult read(long offset, int maxBytes, long maxOffset, boolean minOneBatch) throws IOException {
    throw new UnsupportedOperationException("storage: not yet implemented");
  }

  /** First offset whose timestamp is >= ts, with that timestamp; empty if none. */
  public Optional<TimestampOffset> offsetForTimestamp(long timestamp) throws IOException {
    throw new UnsupportedOperationException("storage: not yet implemented");
  }

  /** The record with the largest timestamp (ListOffsets MAX_TIMESTAMP), empty if the log is empty. */
  public Optional<TimestampOffset> maxTimestamp() throws IOException { throw new UnsupportedOperationException(); }

  public long logStartOffset() { throw new UnsupportedOperationException(); }
  public long logEndOffset() { throw new UnsupportedOperationException(); }
  /** Total bytes of all segments. */
  public long sizeInBytes() { throw new UnsupportedOperationException(); }

  /** DeleteRecords: moves the log start offset forward (deleting whole segments below it). Returns the new log start offset. */
  public long deleteRecordsBefore(long offset) throws IOException { throw new UnsupportedOperationException(); }

  /** Applies retention.ms / retention.bytes (and segment.ms rolling); returns the number of segments deleted. */
  public int enforceRetention(long nowMs) throws IOException { throw new UnsupportedOperationException(); }

  /** New settings (topic config altered). */
  public void updateConfig(LogConfig config) { throw new UnsupportedOperationException(); }

  public LogConfig config() { throw new UnsupportedOperationException(); }

  /** Flushes, writes producer-state snapshot and the clean-shutdown marker, closes files. */
  @Override
  public void close() throws IOException { throw new UnsupportedOperationException(); }

  /** Closes and deletes the whole directory (topic deleted). */
  public void delete() throws IOException { throw new UnsupportedOperationException(); }

  /** Result of an append. {@code duplicate} is true when an idempotent retry was recognised. */
  public record AppendResult(long firstOffset, long lastOffset, long logStartOffset, int recordCount, boolean duplicate) {}

  /** Records of a read (whole batches, possibly empty) and the log's bounds at read time. */
  public record ReadResult(MemoryRecords records, long logStartOffset, long logEndOffset) {}

  public record TimestampOffset(long timestamp, long offset) {}
}
