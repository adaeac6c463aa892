package io.tributary.group.journal;

import java.io.IOException;
import java.util.List;
import java.util.function.BiConsumer;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads journal records from an offsets partition's committed log: all of it, to build its {@link PartitionIndex}, or
 * the records at given offsets, for a replay or a snapshot load. Stateless; blocking file reads, so callers run it on
 * the I/O dispatcher.
 */
final class JournalLogReader {
  private static final Logger log = LoggerFactory.getLogger(JournalLogReader.class);

  private JournalLogReader() {}

  /** The index of every journal record from the log start up to {@code end} (exclusive). */
  static PartitionIndex load(OffsetsLog.LeaderLog leader, int partition, int leaderEpoch, long end, int bufferBytes)
      throws IOException {
    var index = new PartitionIndex(partition, leaderEpoch);
    long offset = leader.logStartOffset();
    while (offset < end) {
      long next = offset;
      for (RecordBatch batch : leader.read(offset, bufferBytes).batches()) {
        for (Record record : batch) {
          if (record.offset() < offset || record.offset() >= end) continue;
          try {
            index.apply(JournalRecord.of(record), record.offset());
          } catch (RuntimeException e) {
            log.warn("Offsets partition {}: skipping offset {}, not a journal record: {}", partition, record.offset(), e.getMessage());
          }
        }
        next = batch.nextOffset();
      }
      if (next <= offset) break; // nothing more is readable (committed) yet
      offset = next;
    }
    return index;
  }

  /**
   * Hands the records at {@code offsets} (ascending) to {@code each}, with their offsets, reading a buffer at a time;
   * fails when one is not in the committed log.
   */
  static void readAt(OffsetsLog.LeaderLog leader, List<Long> offsets, int bufferBytes,
                     BiConsumer<JournalRecord, Long> each) throws IOException {
    int i = 0;
    while (i < offsets.size()) {
      long want = offsets.get(i);
      int before = i;
      for (RecordBatch batch : leader.read(want, bufferBytes).batches()) {
        for (Record record : batch) {
          if (i < offsets.size() && record.offset() == offsets.get(i)) {
            each.accept(JournalRecord.of(record), record.offset());
            i++;
          }
        }
      }
      if (i == before) {
        throw new IOException("The journal record at offset " + want + " is not in the committed log");
      }
    }
  }
}
