package io.tributary.storage;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Validates input before anything is written: producer batches (framing, magic v2, CRC, size limit and
 * the offset-delta/count consistency check Kafka's LogValidator does) and batches replicated from the
 * leader (the same framing and CRC checks, plus offsets that continue the log). Works on batch headers only
 * (plus the CRC pass over the bytes); records are never decoded or decompressed.
 * Stateless; thread-safe.
 *
 * <p>Control batches are not rejected here: the storage layer also serves the coordinator that
 * writes transaction markers. The protocol layer must refuse control batches from clients.
 */
final class BatchValidator {
  private BatchValidator() {}

  /** Summary of a validated append. */
  record Summary(int batches, int records, boolean hasProducerBatches, long maxTimestamp) {}

  /**
   * Producer input, before the leader assigns offsets.
   *
   * @throws CorruptRecordException framing errors or bad CRC
   * @throws InvalidRecordException magic other than 2, empty input, inconsistent counts
   * @throws RecordTooLargeException a batch larger than {@code maxMessageBytes}
   */
  static Summary validate(ByteBuffer buf, int maxMessageBytes) {
    return validate(buf, maxMessageBytes, -1, false);
  }

  /**
   * Batches replicated from the leader, stored as they are: framing, magic v2 and CRC as for producer input,
   * but (as Kafka's follower append) no {@code max.message.bytes} limit, since the leader accepted them and
   * this replica's topic config may lag the leader's, and a record count that may be below the batch's offset
   * range, since compaction keeps a batch's last offset. The offsets must continue the log: the first batch
   * starts at {@code logEndOffset} and each later one right after the one before it; with {@code allowGaps}
   * (compacted topics, whose leader log has holes where compaction dropped whole batches) a batch may start
   * further on, never before.
   *
   * @throws UnexpectedAppendOffsetException the offsets do not continue the log
   */
  static Summary validateReplicated(ByteBuffer buf, long logEndOffset, boolean allowGaps) {
    return validate(buf, Integer.MAX_VALUE, logEndOffset, allowGaps);
  }

  /** {@code expectedOffset} -1: producer input, whose offsets the leader assigns. */
  private static Summary validate(ByteBuffer buf, int maxMessageBytes, long expectedOffset, boolean allowGaps) {
    boolean replicated = expectedOffset >= 0;
    int pos = buf.position();
    int end = buf.limit();
    if (pos >= end) {
      throw new InvalidRecordException((replicated ? "Replicated append" : "Produce request")
          + " contained no record batches");
    }
    int batches = 0;
    long records = 0;
    boolean producer = false;
    long maxTs = RecordBatch.NO_TIMESTAMP;
    long next = expectedOffset;
    while (pos < end) {
      int remaining = end - pos;
      if (remaining < Batches.LOG_OVERHEAD + 5) {
        throw new CorruptRecordException("Truncated record batch: " + remaining + " trailing bytes");
      }
      byte magic = Batches.magic(buf, pos);
      if (magic != RecordBatch.MAGIC_VALUE_V2) {
        throw new InvalidRecordException("Record batch magic " + magic
            + " is not supported: this broker accepts only message format v2 (magic 2)");
      }
      if (remaining < Batches.HEADER_SIZE) {
        throw new CorruptRecordException("Truncated record batch header: " + remaining + " bytes");
      }
      int size = Batches.size(buf, pos);
      if (size < Batches.HEADER_SIZE || size > remaining) {
        throw new CorruptRecordException("Record batch size " + size + " is invalid ("
            + remaining + " bytes available)");
      }
      if (size > maxMessageBytes) {
        throw new RecordTooLargeException("The record batch size " + size
            + " bytes exceeds the maximum allowed (max.message.bytes) of " + maxMessageBytes + " bytes");
      }
      if (!Batches.crcValid(buf, pos, size)) {
        throw new CorruptRecordException("Record batch at position " + (pos - buf.position())
            + " failed its CRC check");
      }
      int delta = Batches.lastOffsetDelta(buf, pos);
      int count = Batches.recordsCount(buf, pos);
      if (replicated ? count < 0 : count <= 0) {
        throw new InvalidRecordException("Invalid reported count for record batch: " + count);
      }
      if (delta < 0 || (replicated ? count > (long) delta + 1 : (long) delta + 1 != count)) {
        throw new InvalidRecordException("Inconsistent batch offset range (lastOffsetDelta " + delta
            + ") and count of records (" + count + ")");
      }
      if (replicated) {
        long base = Batches.baseOffset(buf, pos);
        if (allowGaps ? base < next : base != next) {
          throw unexpectedOffset(buf, batches, base, next, expectedOffset);
        }
        next = base + delta + 1;
      }
      if (Batches.producerId(buf, pos) >= 0) {
        producer = true;
      }
      maxTs = Math.max(maxTs, Batches.maxTimestamp(buf, pos));
      records += count;
      batches++;
      pos += size;
    }
    if (records > Integer.MAX_VALUE) {
      throw new InvalidRecordException("Too many records in one append: " + records);
    }
    return new Summary(batches, (int) records, producer, maxTs);
  }

  private static UnexpectedAppendOffsetException unexpectedOffset(ByteBuffer buf, int index, long base, long expected,
      long logEndOffset) {
    long first = Batches.baseOffset(buf, buf.position());
    long last = first;
    for (int p = buf.position(); p + Batches.OFFSET_HEADER <= buf.limit() && Batches.size(buf, p) > 0;
        p += Batches.size(buf, p)) {
      last = Math.max(last, Batches.lastOffset(buf, p));
    }
    String what = index == 0
        ? "first batch starts at offset " + base + ", not at the log end offset " + logEndOffset
        : "batch " + index + " starts at offset " + base + ", not right after the one before it (" + expected + ")";
    return new UnexpectedAppendOffsetException("Replicated append does not continue the log: " + what
        + " (append covers offsets " + first + ".." + last + ")", expected, first, last);
  }
}
