package io.tributary.group.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;

/**
 * Journal records through a real record batch (as they are in the offsets partition's log), and the index's reading
 * of them: deletion markers hide what they cover, the highest sequence number survives deletion.
 */
class JournalRecordTest {
  private static final String ID = "group|orders";

  @Test
  void everyKindRoundTripsThroughARecordBatch() {
    var written = List.of(
        JournalRecord.event(ID, 7, 42, "", new byte[] {1, 2, 3}),
        JournalRecord.snapshot(ID, 10, 1_700_000_000_123L, 43, "m\u00e9", new byte[] {9}),
        JournalRecord.eventsDeleted(ID, 5),
        JournalRecord.snapshotsDeleted(ID, 1, 9, 0, Long.MAX_VALUE));
    var read = readBack(written);
    assertEquals(written.size(), read.size());
    for (int i = 0; i < written.size(); i++) {
      JournalRecord w = written.get(i), r = read.get(i);
      assertEquals(w.kind(), r.kind());
      assertEquals(w.persistenceId(), r.persistenceId());
      assertEquals(w.sequenceNr(), r.sequenceNr());
      assertEquals(w.timestamp(), r.timestamp());
      assertEquals(w.minSequenceNr(), r.minSequenceNr());
      assertEquals(w.minTimestamp(), r.minTimestamp());
      assertEquals(w.serializerId(), r.serializerId());
      assertEquals(w.manifest(), r.manifest());
      assertArrayEquals(w.payload(), r.payload());
    }
  }

  @Test
  void markersHideWhatTheyCoverAndTheHighestSequenceNumberStays() {
    var index = new PartitionIndex(3, 0);
    long offset = 100;
    for (long seq = 1; seq <= 8; seq++) index.apply(JournalRecord.event(ID, seq, 1, "", new byte[0]), offset++);
    index.apply(JournalRecord.snapshot(ID, 4, 1000, 1, "", new byte[0]), offset++);
    index.apply(JournalRecord.snapshot(ID, 8, 2000, 1, "", new byte[0]), offset++);
    index.apply(JournalRecord.event("group|other", 1, 1, "", new byte[0]), offset++);
    index.apply(JournalRecord.eventsDeleted(ID, 5), offset++);
    index.apply(JournalRecord.snapshotsDeleted(ID, 0, 4, 0, Long.MAX_VALUE), offset++);

    assertEquals(List.of(6L, 7L, 8L), index.events(ID, 1, Long.MAX_VALUE, Long.MAX_VALUE).stream()
        .map(PersistenceIdEntries.EventEntry::sequenceNr).toList());
    assertEquals(List.of(105L, 106L), index.events(ID, 6, 7, 10).stream().map(PersistenceIdEntries.EventEntry::offset).toList());
    assertEquals(1, index.events(ID, 1, 8, 1).size(), "max");
    assertEquals(8, index.highestSequenceNr(ID));
    assertEquals(List.of(8L), index.snapshots(ID, 0, Long.MAX_VALUE, 0, Long.MAX_VALUE).stream()
        .map(PersistenceIdEntries.SnapshotEntry::sequenceNr).toList());
    assertEquals(List.of(), index.snapshots(ID, 0, Long.MAX_VALUE, 0, 1999), "by timestamp");

    // deleting beyond the highest event stops at it: a later event is not hidden (Akka's LevelDB journal does the same)
    index.apply(JournalRecord.eventsDeleted(ID, Long.MAX_VALUE), offset++);
    index.apply(JournalRecord.event(ID, 9, 1, "", new byte[0]), offset++);
    assertEquals(List.of(9L), index.events(ID, 1, Long.MAX_VALUE, Long.MAX_VALUE).stream()
        .map(PersistenceIdEntries.EventEntry::sequenceNr).toList());
    assertEquals(1, index.highestSequenceNr("group|other"));
    assertEquals(0, index.highestSequenceNr("group|none"));
  }

  private static List<JournalRecord> readBack(List<JournalRecord> records) {
    var batch = MemoryRecords.withRecords(Compression.NONE, records.stream().map(r -> r.toRecord(1L)).toArray(SimpleRecord[]::new));
    var out = new ArrayList<JournalRecord>();
    batch.batches().forEach(b -> {
      for (Record r : b) out.add(JournalRecord.of(r));
    });
    return out;
  }
}
