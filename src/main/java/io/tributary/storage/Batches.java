package io.tributary.storage;

import java.nio.ByteBuffer;
import java.util.Iterator;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.Crc32C;

/**
 * Absolute-position accessors for the v2 record batch header (Kafka's {@code DefaultRecordBatch}
 * layout), so that the hot paths read headers without allocating batch objects.
 * Stateless; thread-safe.
 */
final class Batches {
  static final int BASE_OFFSET = 0;
  static final int LENGTH = 8;
  static final int PARTITION_LEADER_EPOCH = 12;
  static final int MAGIC = 16;
  static final int CRC = 17;
  static final int ATTRIBUTES = 21;
  static final int LAST_OFFSET_DELTA = 23;
  static final int BASE_TIMESTAMP = 27;
  static final int MAX_TIMESTAMP = 35;
  static final int PRODUCER_ID = 43;
  static final int PRODUCER_EPOCH = 51;
  static final int BASE_SEQUENCE = 53;
  static final int RECORDS_COUNT = 57;
  /** Size of the v2 batch header (Kafka's RECORD_BATCH_OVERHEAD). */
  static final int HEADER_SIZE = 61;
  /** baseOffset + length (Kafka's LOG_OVERHEAD). */
  static final int LOG_OVERHEAD = 12;
  /** Bytes of header needed to locate a batch and its offset range. */
  static final int OFFSET_HEADER = 27;

  private Batches() {}

  static long baseOffset(ByteBuffer b, int pos) { return b.getLong(pos + BASE_OFFSET); }
  static int partitionLeaderEpoch(ByteBuffer b, int pos) { return b.getInt(pos + PARTITION_LEADER_EPOCH); }
  /** Whole batch size including the 12-byte log overhead. */
  static int size(ByteBuffer b, int pos) { return b.getInt(pos + LENGTH) + LOG_OVERHEAD; }
  static byte magic(ByteBuffer b, int pos) { return b.get(pos + MAGIC); }
  static int lastOffsetDelta(ByteBuffer b, int pos) { return b.getInt(pos + LAST_OFFSET_DELTA); }
  static long lastOffset(ByteBuffer b, int pos) { return baseOffset(b, pos) + lastOffsetDelta(b, pos); }
  static long maxTimestamp(ByteBuffer b, int pos) { return b.getLong(pos + MAX_TIMESTAMP); }
  static long producerId(ByteBuffer b, int pos) { return b.getLong(pos + PRODUCER_ID); }
  static short producerEpoch(ByteBuffer b, int pos) { return b.getShort(pos + PRODUCER_EPOCH); }
  static int baseSequence(ByteBuffer b, int pos) { return b.getInt(pos + BASE_SEQUENCE); }
  static int recordsCount(ByteBuffer b, int pos) { return b.getInt(pos + RECORDS_COUNT); }
  static int crcOf(ByteBuffer b, int pos) { return b.getInt(pos + CRC); }
  static short attributes(ByteBuffer b, int pos) { return b.getShort(pos + ATTRIBUTES); }
  static boolean isControl(ByteBuffer b, int pos) { return (attributes(b, pos) & 0x20) != 0; }
  static boolean isTransactional(ByteBuffer b, int pos) { return (attributes(b, pos) & 0x10) != 0; }

  /**
   * The COMMIT or ABORT marker of the control batch at {@code pos} (its first record, as Kafka reads it); null for an
   * empty control batch (compaction removed its transaction) or another kind of control record.
   */
  static EndTransactionMarker endTxnMarker(ByteBuffer b, int pos) {
    ByteBuffer batch = b.duplicate();
    batch.limit(pos + size(b, pos)).position(pos);
    RecordBatch rb = MemoryRecords.readableRecords(batch.slice()).batches().iterator().next();
    Iterator<Record> records = rb.iterator();
    if (!records.hasNext()) {
      return null;
    }
    Record first = records.next();
    ControlRecordType type = first.hasKey() ? ControlRecordType.parse(first.key()) : ControlRecordType.UNKNOWN;
    return type == ControlRecordType.ABORT || type == ControlRecordType.COMMIT ? EndTransactionMarker.deserialize(first)
        : null;
  }

  /** Timestamp-type bit of the attributes (1 = LogAppendTime). */
  static final int TIMESTAMP_TYPE_MASK = 0x08;

  /**
   * Kafka's {@code DefaultRecordBatch.setMaxTimestamp(LOG_APPEND_TIME, time)}: sets the timestamp type
   * bit and the max timestamp (records keep their deltas; readers take the batch's time for all of
   * them) and recomputes the CRC, which covers everything from the attributes on.
   */
  static void stampLogAppendTime(ByteBuffer b, int pos, long time) {
    b.putShort(pos + ATTRIBUTES, (short) (attributes(b, pos) | TIMESTAMP_TYPE_MASK));
    b.putLong(pos + MAX_TIMESTAMP, time);
    b.putInt(pos + CRC, (int) computeCrc(b, pos, size(b, pos)));
  }

  /** Kafka's DefaultRecordBatch.incrementSequence: wraps around at Integer.MAX_VALUE. */
  static int incrementSequence(int sequence, int increment) {
    if (sequence > Integer.MAX_VALUE - increment) {
      return increment - (Integer.MAX_VALUE - sequence) - 1;
    }
    return sequence + increment;
  }

  static int lastSequence(ByteBuffer b, int pos) {
    int base = baseSequence(b, pos);
    return base < 0 ? -1 : incrementSequence(base, lastOffsetDelta(b, pos));
  }

  /** CRC-32C over attributes..end, compared with the stored CRC. */
  static boolean crcValid(ByteBuffer b, int pos, int size) {
    long stored = b.getInt(pos + CRC) & 0xffffffffL;
    return computeCrc(b, pos, size) == stored;
  }

  /** CRC-32C of the batch at {@code pos}, over attributes..end (the part Kafka's CRC covers). */
  private static long computeCrc(ByteBuffer b, int pos, int size) {
    // Crc32C.compute takes the offset relative to the buffer's position
    return Crc32C.compute(b, pos + ATTRIBUTES - b.position(), size - ATTRIBUTES);
  }
}
