package io.tributary.storage;

import static io.tributary.storage.TestBatches.gzip;
import static io.tributary.storage.TestBatches.idempotent;
import static io.tributary.storage.TestBatches.plain;
import static io.tributary.storage.TestBatches.readAll;
import static io.tributary.storage.TestBatches.values;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionLogTest {
  @TempDir
  Path dir;

  private final TestBatches.Clock clock = new TestBatches.Clock(1_000_000L);

  private static LogConfig small() {
    return LogConfig.defaults().withOverrides(Map.of("segment.bytes", "1024", "index.interval.bytes", "128"));
  }

  private PartitionLog open(LogConfig c) throws Exception {
    return PartitionLog.open(dir.resolve("t-0"), c, clock);
  }

  @Test
  void appendAndReadAcrossSegmentRolls() throws Exception {
    List<String> expected = new ArrayList<>();
    try (PartitionLog log = open(small())) {
      long next = 0;
      for (int i = 0; i < 60; i++) {
        MemoryRecords r = i % 3 == 0 ? gzip(clock.getAsLong(), "a" + i, "b" + i, "c" + i)
            : plain(clock.getAsLong(), "a" + i, "b" + i, "c" + i);
        var res = log.append(r, 3);
        assertEquals(next, res.firstOffset());
        assertEquals(next + 2, res.lastOffset());
        assertEquals(3, res.recordCount());
        assertFalse(res.duplicate());
        for (String p : new String[] {"a", "b", "c"}) {
          expected.add((next++) + ":" + p + i);
        }
      }
      assertEquals(180, log.logEndOffset());
      assertTrue(log.segmentCount() > 3, "segments: " + log.segmentCount());
      assertEquals(expected, readAll(log, 0));
      // start mid-batch and mid-log
      List<String> fromMid = readAll(log, 100);
      assertEquals(expected.subList(100, 180), fromMid);
      for (MutableRecordBatch b : log.read(0, 1 << 20, Long.MAX_VALUE, false).records().batches()) {
        assertEquals(3, b.partitionLeaderEpoch());
      }
    }
    // and after a clean reopen
    try (PartitionLog log = open(small())) {
      assertEquals(180, log.logEndOffset());
      assertEquals(expected, readAll(log, 0));
      assertEquals(180, log.append(plain(clock.getAsLong(), "z"), 4).firstOffset());
    }
  }

  @Test
  void onlyBaseOffsetAndLeaderEpochArePatched() throws Exception {
    try (PartitionLog log = open(LogConfig.defaults())) {
      log.append(plain(5, "x", "y"), 0);
      MemoryRecords in = gzip(7, "p", "q", "r");
      byte[] original = new byte[in.sizeInBytes()];
      in.buffer().get(original);
      var res = log.append(in, 9);
      assertEquals(2, res.firstOffset());
      MemoryRecords out = log.read(2, 1 << 16, Long.MAX_VALUE, false).records();
      byte[] stored = new byte[out.sizeInBytes()];
      out.buffer().get(stored);
      assertEquals(original.length, stored.length);
      ByteBuffer sb = ByteBuffer.wrap(stored);
      assertEquals(2L, sb.getLong(0));
      assertEquals(9, sb.getInt(12));
      for (int i = 0; i < original.length; i++) {
        if (i < 8 || (i >= 12 && i < 16)) {
          continue;
        }
        assertEquals(original[i], stored[i], "byte " + i + " changed");
      }
      assertEquals(List.of("2:p", "3:q", "4:r"), values(out));
    }
  }

  @Test
  void readHonoursMaxBytesMaxOffsetAndMinOneBatch() throws Exception {
    try (PartitionLog log = open(LogConfig.defaults())) {
      int size = 0;
      for (int i = 0; i < 10; i++) {
        MemoryRecords r = plain(100, "v" + i);
        size = r.sizeInBytes();
        log.append(r, 0);
      }
      MemoryRecords two = log.read(0, size * 2 + size / 2, Long.MAX_VALUE, false).records();
      assertEquals(List.of("0:v0", "1:v1"), values(two));
      assertEquals(0, log.read(0, size - 1, Long.MAX_VALUE, false).records().sizeInBytes());
      assertEquals(List.of("0:v0"), values(log.read(0, 10, Long.MAX_VALUE, true).records()));
      assertEquals(List.of("4:v4", "5:v5", "6:v6"), values(log.read(4, 1 << 20, 7, false).records()));
      assertEquals(0, log.read(7, 1 << 20, 7, true).records().sizeInBytes());
      var rr = log.read(10, 1000, Long.MAX_VALUE, true);
      assertEquals(0, rr.records().sizeInBytes());
      assertEquals(10, rr.logEndOffset());
      assertEquals(0, rr.logStartOffset());
      assertThrows(OffsetOutOfRangeException.class, () -> log.read(11, 1000, Long.MAX_VALUE, true));
      assertThrows(OffsetOutOfRangeException.class, () -> log.read(-1, 1000, Long.MAX_VALUE, true));
    }
  }

  @Test
  void readReturnsWholeBatchContainingOffset() throws Exception {
    try (PartitionLog log = open(LogConfig.defaults())) {
      log.append(gzip(1, "a", "b", "c", "d"), 0);
      log.append(plain(1, "e", "f"), 0);
      MemoryRecords r = log.read(2, 1 << 20, Long.MAX_VALUE, false).records();
      assertEquals(List.of("0:a", "1:b", "2:c", "3:d", "4:e", "5:f"), values(r));
      // maxOffset in the middle of the second batch excludes it
      assertEquals(List.of("0:a", "1:b", "2:c", "3:d"), values(log.read(0, 1 << 20, 5, false).records()));
    }
  }

  @Test
  void offsetForTimestampAndMaxTimestamp() throws Exception {
    try (PartitionLog log = open(small())) {
      assertEquals(Optional.empty(), log.maxTimestamp());
      assertEquals(Optional.empty(), log.offsetForTimestamp(0));
      for (int i = 0; i < 30; i++) {
        log.append(plain(1000L * (i + 1), "x" + i, "y" + i), 0); // offsets 2i, 2i+1 at ts 1000(i+1)
      }
      // one batch whose records are out of order: 70000, 90000, 80000 at offsets 60..62
      log.append(MemoryRecords.withRecords(Compression.NONE, TestBatches.rec(70_000, "m0"),
          TestBatches.rec(90_000, "m1"), TestBatches.rec(80_000, "m2")), 0);
      log.append(plain(85_000, "late"), 0); // offset 63
      assertTrue(log.segmentCount() > 1);
      assertEquals(Optional.of(new PartitionLog.TimestampOffset(1000, 0)), log.offsetForTimestamp(0));
      assertEquals(Optional.of(new PartitionLog.TimestampOffset(2000, 2)), log.offsetForTimestamp(1500));
      assertEquals(Optional.of(new PartitionLog.TimestampOffset(2000, 2)), log.offsetForTimestamp(2000));
      assertEquals(Optional.of(new PartitionLog.TimestampOffset(25000, 48)), log.offsetForTimestamp(24001));
      assertEquals(Optional.of(new PartitionLog.TimestampOffset(90000, 61)), log.offsetForTimestamp(75000));
      assertEquals(Optional.of(new PartitionLog.TimestampOffset(70000, 60)), log.offsetForTimestamp(31000));
      assertEquals(Optional.empty(), log.offsetForTimestamp(90001));
      assertEquals(Optional.of(new PartitionLog.TimestampOffset(90000, 61)), log.maxTimestamp());
      // below the log start offset nothing counts
      log.deleteRecordsBefore(10);
      assertEquals(Optional.of(new PartitionLog.TimestampOffset(6000, 10)), log.offsetForTimestamp(0));
    }
    try (PartitionLog log = open(small())) { // from the index files
      assertEquals(Optional.of(new PartitionLog.TimestampOffset(25000, 48)), log.offsetForTimestamp(24001));
      assertEquals(Optional.of(new PartitionLog.TimestampOffset(90000, 61)), log.maxTimestamp());
    }
  }

  @Test
  void badCrcRejectsTheWholeAppend() throws Exception {
    try (PartitionLog log = open(LogConfig.defaults())) {
      log.append(plain(1, "ok"), 0);
      MemoryRecords good = plain(1, "a", "b");
      MemoryRecords bad = plain(1, "c", "d");
      ByteBuffer both = ByteBuffer.allocate(good.sizeInBytes() + bad.sizeInBytes());
      both.put(good.buffer()).put(bad.buffer()).flip();
      int last = both.limit() - 1;
      both.put(last, (byte) (both.get(last) ^ 0x5a));
      long size = log.sizeInBytes();
      assertThrows(CorruptRecordException.class, () -> log.append(MemoryRecords.readableRecords(both), 0));
      assertEquals(1, log.logEndOffset());
      assertEquals(size, log.sizeInBytes());
      // truncated input
      ByteBuffer cut = ByteBuffer.allocate(good.sizeInBytes() - 3);
      cut.put(good.buffer().limit(good.sizeInBytes() - 3)).flip();
      assertThrows(CorruptRecordException.class, () -> log.append(MemoryRecords.readableRecords(cut), 0));
      assertEquals(1, log.logEndOffset());
    }
  }

  @Test
  void oversizeAndOldMagicRejected() throws Exception {
    try (PartitionLog log = open(LogConfig.defaults().withOverrides(Map.of("max.message.bytes", "200")))) {
      SimpleRecord big = new SimpleRecord(1, null, new byte[300]);
      assertThrows(RecordTooLargeException.class,
          () -> log.append(MemoryRecords.withRecords(Compression.NONE, big), 0));
      assertThrows(InvalidRecordException.class, () -> log.append(
          MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V1, Compression.NONE, TestBatches.rec(1, "old")), 0));
      assertThrows(InvalidRecordException.class, () -> log.append(MemoryRecords.EMPTY, 0));
      assertEquals(0, log.logEndOffset());
      assertEquals(0, log.sizeInBytes());
    }
  }

  @Test
  void idempotentProducerDuplicatesGapsAndEpochs() throws Exception {
    try (PartitionLog log = open(LogConfig.defaults())) {
      log.append(plain(1, "other"), 0); // offset 0
      var a = log.append(idempotent(42, (short) 0, 0, 1, "a0", "a1", "a2"), 0); // 1..3
      var b = log.append(idempotent(42, (short) 0, 3, 1, "b0", "b1"), 0); // 4..5
      assertEquals(1, a.firstOffset());
      assertEquals(4, b.firstOffset());
      var dupA = log.append(idempotent(42, (short) 0, 0, 1, "a0", "a1", "a2"), 0);
      assertTrue(dupA.duplicate());
      assertEquals(1, dupA.firstOffset());
      assertEquals(3, dupA.lastOffset());
      var dupB = log.append(idempotent(42, (short) 0, 3, 1, "b0", "b1"), 0);
      assertTrue(dupB.duplicate());
      assertEquals(4, dupB.firstOffset());
      assertEquals(6, log.logEndOffset());
      // gap
      assertThrows(OutOfOrderSequenceException.class,
          () -> log.append(idempotent(42, (short) 0, 7, 1, "gap"), 0));
      // new epoch must start at 0
      assertThrows(OutOfOrderSequenceException.class,
          () -> log.append(idempotent(42, (short) 1, 5, 1, "x"), 0));
      assertEquals(6, log.append(idempotent(42, (short) 1, 0, 1, "e1"), 0).firstOffset());
      // stale epoch
      assertThrows(InvalidProducerEpochException.class,
          () -> log.append(idempotent(42, (short) 0, 5, 1, "stale"), 0));
      // unknown producer with a non-zero sequence is accepted (its state may have expired)
      assertEquals(7, log.append(idempotent(77, (short) 3, 1234, 1, "late"), 0).firstOffset());
      assertEquals(8, log.append(idempotent(77, (short) 3, 1235, 1, "late2"), 0).firstOffset());
      assertEquals(9, log.logEndOffset());
    }
  }

  @Test
  void sequenceWrapsAroundAtIntMax() throws Exception {
    try (PartitionLog log = open(LogConfig.defaults())) {
      log.append(idempotent(5, (short) 0, Integer.MAX_VALUE - 1, 1, "a", "b"), 0);
      assertEquals(2, log.append(idempotent(5, (short) 0, 0, 1, "c"), 0).firstOffset());
    }
  }

  @Test
  void onlyLastFiveBatchesAreRemembered() throws Exception {
    try (PartitionLog log = open(LogConfig.defaults())) {
      for (int s = 0; s < 7; s++) {
        log.append(idempotent(9, (short) 0, s, 1, "s" + s), 0);
      }
      assertTrue(log.append(idempotent(9, (short) 0, 2, 1, "s2"), 0).duplicate());
      // seq 1 is no longer retained: it is neither a known duplicate nor in sequence
      assertThrows(OutOfOrderSequenceException.class, () -> log.append(idempotent(9, (short) 0, 1, 1, "s1"), 0));
    }
  }

  @Test
  void producerStateSurvivesCleanAndUncleanReopen() throws Exception {
    LogConfig c = small();
    try (PartitionLog log = open(c)) {
      for (int s = 0; s < 40; s++) {
        log.append(idempotent(1, (short) 2, s, 1, "p" + s), 0);
      }
      assertTrue(log.segmentCount() > 1);
    }
    try (PartitionLog log = open(c)) {
      var dup = log.append(idempotent(1, (short) 2, 39, 1, "p39"), 0);
      assertTrue(dup.duplicate());
      assertEquals(39, dup.firstOffset());
      assertThrows(OutOfOrderSequenceException.class, () -> log.append(idempotent(1, (short) 2, 41, 1, "x"), 0));
      assertEquals(40, log.append(idempotent(1, (short) 2, 40, 1, "p40"), 0).firstOffset());
    }
    // unclean: no close; a snapshot exists only from the last roll, the rest is replayed from the log
    PartitionLog crashed = open(c);
    for (int s = 41; s < 60; s++) {
      crashed.append(idempotent(1, (short) 2, s, 1, "p" + s), 0);
    }
    crashed.append(idempotent(2, (short) 0, 0, 1, "q0"), 0);
    try (PartitionLog log = open(c)) {
      assertEquals(61, log.logEndOffset());
      var dup = log.append(idempotent(1, (short) 2, 59, 1, "p59"), 0);
      assertTrue(dup.duplicate());
      assertEquals(59, dup.firstOffset());
      assertTrue(log.append(idempotent(2, (short) 0, 0, 1, "q0"), 0).duplicate());
      assertThrows(InvalidProducerEpochException.class, () -> log.append(idempotent(1, (short) 1, 0, 1, "old"), 0));
      assertEquals(61, log.append(idempotent(1, (short) 2, 60, 1, "p60"), 0).firstOffset());
    }
  }

  @Test
  void retentionByTimeMovesLogStartAndKeepsAnActiveSegment() throws Exception {
    LogConfig c = small().withOverrides(Map.of("retention.ms", "10000"));
    try (PartitionLog log = open(c)) {
      long t0 = clock.getAsLong();
      for (int i = 0; i < 20; i++) {
        log.append(plain(t0, "old" + i, "more" + i), 0);
      }
      clock.advance(20_000);
      long t1 = clock.getAsLong();
      log.roll();
      long firstNew = log.logEndOffset();
      for (int i = 0; i < 5; i++) {
        log.append(plain(t1, "new" + i), 0);
      }
      int segs = log.segmentCount();
      int deleted = log.enforceRetention(t1 + 1);
      assertTrue(deleted > 0);
      assertEquals(segs - deleted, log.segmentCount());
      assertEquals(firstNew, log.logStartOffset());
      assertThrows(OffsetOutOfRangeException.class, () -> log.read(0, 1000, Long.MAX_VALUE, true));
      assertEquals(5, readAll(log, firstNew).size());
      // everything expires: an empty active segment remains at the log end
      long leo = log.logEndOffset();
      assertEquals(1, log.enforceRetention(t1 + 50_000));
      assertEquals(1, log.segmentCount());
      assertEquals(leo, log.logStartOffset());
      assertEquals(leo, log.logEndOffset());
      assertEquals(0, log.read(leo, 1000, Long.MAX_VALUE, true).records().sizeInBytes());
      assertEquals(leo, log.append(plain(t1, "after"), 0).firstOffset());
    }
    try (PartitionLog log = open(c)) {
      assertEquals(log.logEndOffset() - 1, log.logStartOffset());
      assertEquals(1, readAll(log, log.logStartOffset()).size());
    }
  }

  @Test
  void retentionByBytes() throws Exception {
    LogConfig c = small().withOverrides(Map.of("retention.bytes", "2048"));
    try (PartitionLog log = open(c)) {
      for (int i = 0; i < 80; i++) {
        log.append(plain(clock.getAsLong(), "value-" + i), 0);
      }
      long before = log.sizeInBytes();
      assertTrue(before > 4096);
      int deleted = log.enforceRetention(clock.getAsLong());
      assertTrue(deleted > 0);
      assertTrue(log.sizeInBytes() <= 2048 + 1024, "size " + log.sizeInBytes());
      assertTrue(log.sizeInBytes() > 2048 - 1024);
      assertTrue(log.logStartOffset() > 0);
      List<String> rest = readAll(log, log.logStartOffset());
      assertEquals("79:value-79", rest.get(rest.size() - 1));
      assertEquals(log.logStartOffset() + ":value-" + log.logStartOffset(), rest.get(0));
    }
  }

  @Test
  void compactPolicyDoesNotDeleteByRetention() throws Exception {
    LogConfig c = small().withOverrides(Map.of("retention.bytes", "100", "cleanup.policy", "compact"));
    try (PartitionLog log = open(c)) {
      for (int i = 0; i < 50; i++) {
        log.append(plain(clock.getAsLong(), "value-" + i), 0);
      }
      assertEquals(0, log.enforceRetention(clock.getAsLong()));
      assertEquals(0, log.logStartOffset());
    }
  }

  @Test
  void deleteRecordsBeforeSurvivesReopen() throws Exception {
    LogConfig c = small();
    try (PartitionLog log = open(c)) {
      for (int i = 0; i < 50; i++) {
        log.append(plain(clock.getAsLong(), "v" + i, "w" + i), 0);
      }
      int segs = log.segmentCount();
      assertEquals(57, log.deleteRecordsBefore(57));
      assertEquals(57, log.deleteRecordsBefore(20)); // never moves back
      assertTrue(log.segmentCount() < segs);
      assertThrows(OffsetOutOfRangeException.class, () -> log.read(56, 1000, Long.MAX_VALUE, true));
      assertEquals("57:w28", readAll(log, 57).get(0));
      assertThrows(OffsetOutOfRangeException.class, () -> log.deleteRecordsBefore(101));
    }
    try (PartitionLog log = open(c)) {
      assertEquals(57, log.logStartOffset());
      assertThrows(OffsetOutOfRangeException.class, () -> log.read(56, 1000, Long.MAX_VALUE, true));
      assertEquals(100, log.deleteRecordsBefore(100));
      assertEquals(100, log.logEndOffset());
    }
    PartitionLog unclean = open(c);
    assertEquals(100, unclean.logStartOffset());
    assertEquals(100, unclean.append(plain(1, "next"), 0).firstOffset());
  }

  @Test
  void flushDueByMessagesAndByTime() throws Exception {
    LogConfig byCount = LogConfig.defaults().withOverrides(Map.of("flush.messages", "5"));
    try (PartitionLog log = open(byCount)) {
      assertFalse(log.flushDue(clock.getAsLong()));
      log.append(plain(1, "a", "b", "c"), 0);
      assertFalse(log.flushDue(clock.getAsLong()));
      log.append(plain(1, "d", "e"), 0);
      assertTrue(log.flushDue(clock.getAsLong()));
      log.flush();
      assertFalse(log.flushDue(clock.getAsLong()));
      assertEquals(5, log.recoveryPoint());
    }
    LogConfig byTime = LogConfig.defaults().withOverrides(Map.of("flush.ms", "1000"));
    try (PartitionLog log = PartitionLog.open(dir.resolve("t-1"), byTime, clock)) {
      log.append(plain(1, "a"), 0);
      long t = clock.getAsLong();
      assertFalse(log.flushDue(t + 999));
      assertTrue(log.flushDue(t + 1000));
      log.flush();
      assertFalse(log.flushDue(t + 5000));
      assertFalse(log.flushAlways());
    }
  }

  @Test
  void segmentMsRollsOnAppendAndRetentionCheck() throws Exception {
    LogConfig c = LogConfig.defaults().withOverrides(Map.of("segment.ms", "1000"));
    try (PartitionLog log = open(c)) {
      long t = clock.getAsLong();
      log.append(plain(t, "a"), 0);
      log.append(plain(t + 500, "b"), 0);
      assertEquals(1, log.segmentCount());
      log.append(plain(t + 1500, "c"), 0); // incoming timestamp 1500 ms after the segment's first
      assertEquals(2, log.segmentCount());
      clock.advance(5000);
      log.enforceRetention(clock.getAsLong());
      assertEquals(3, log.segmentCount());
      assertEquals(List.of("0:a", "1:b", "2:c"), readAll(log, 0));
    }
  }

  @Test
  void readOnlyInputIsCopiedNotRejected() throws Exception {
    try (PartitionLog log = open(LogConfig.defaults())) {
      log.append(plain(1, "a"), 0);
      MemoryRecords ro = MemoryRecords.readableRecords(plain(1, "b", "c").buffer().asReadOnlyBuffer());
      assertEquals(1, log.append(ro, 2).firstOffset());
      assertEquals(List.of("0:a", "1:b", "2:c"), readAll(log, 0));
    }
  }

  @Test
  void fullOffsetIndexRollsTheSegment() throws Exception {
    LogConfig c = LogConfig.defaults().withOverrides(Map.of("segment.index.bytes", "16", "index.interval.bytes", "0"));
    try (PartitionLog log = open(c)) {
      for (int i = 0; i < 12; i++) {
        log.append(plain(1, "v" + i), 0);
      }
      assertTrue(log.segmentCount() >= 3, "segments " + log.segmentCount());
      assertEquals(12, readAll(log, 0).size());
    }
  }

  @Test
  void updateConfigAppliesToLaterAppends() throws Exception {
    try (PartitionLog log = open(LogConfig.defaults())) {
      log.append(plain(1, "0123456789"), 0);
      log.updateConfig(LogConfig.defaults().withOverrides(Map.of("max.message.bytes", "70")));
      assertEquals("70", log.config().describe().get("max.message.bytes"));
      assertThrows(RecordTooLargeException.class, () -> log.append(plain(1, "0123456789"), 0));
    }
  }

  @Test
  void deleteRemovesTheDirectory() throws Exception {
    PartitionLog log = open(LogConfig.defaults());
    log.append(plain(1, "a"), 0);
    log.delete();
    assertFalse(Files.exists(dir.resolve("t-0")));
  }

  @Test
  void concurrentReaderSeesOnlyWholeBatches() throws Exception {
    try (PartitionLog log = open(small())) {
      Thread writer = new Thread(() -> {
        try {
          for (int i = 0; i < 2000; i++) {
            log.append(plain(clock.getAsLong(), "v" + i), 0);
          }
        } catch (Exception e) {
          throw new RuntimeException(e);
        }
      });
      writer.start();
      long next = 0;
      while (next < 2000) {
        MemoryRecords r = log.read(next, 4096, Long.MAX_VALUE, true).records();
        for (MutableRecordBatch b : r.batches()) {
          assertTrue(b.isValid());
          assertEquals(next, b.baseOffset());
          next = b.lastOffset() + 1;
        }
      }
      writer.join();
      assertEquals(2000, log.logEndOffset());
    }
  }
}
