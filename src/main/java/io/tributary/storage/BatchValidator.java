package io.tributary.storage;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Validates producer input before anything is written: framing, magic v2, CRC, size limit and the
 * offset-delta/count consistency check Kafka's LogValidator does. Works on batch headers only
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
   * @throws CorruptRecordException framing errors or bad CRC
   * @throws InvalidRecordException magic other than 2, empty input, inconsistent counts
   * @throws RecordTooLargeException a batch larger than {@code maxMessageBytes}
   */
  static Summary validate(ByteBuffer buf, int maxMessageBytes) {
    int pos = buf.position();
    int end = buf.limit();
    if (pos >= end) {
      throw new InvalidRecordException("Produce request contained no record batches");
    }
    int batches = 0;
    long records = 0;
    boolean producer = false;
    long maxTs = RecordBatch.NO_TIMESTAMP;
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
      if (count <= 0) {
        throw new InvalidRecordException("Invalid reported count for record batch: " + count);
      }
      if (delta < 0 || (long) delta + 1 != count) {
        throw new InvalidRecordException("Inconsistent batch offset range (lastOffsetDelta " + delta
            + ") and count of records (" + count + ")");
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
}
