package io.tributary.storage;

import static io.tributary.storage.TestBatches.concat;
import static io.tributary.storage.TestBatches.gzip;
import static io.tributary.storage.TestBatches.idempotent;
import static io.tributary.storage.TestBatches.plain;
import static io.tributary.storage.TestBatches.rawBatches;
import static io.tributary.storage.TestBatches.readAll;
import static io.tributary.storage.TestBatches.replicate;
import static io.tributary.storage.TestBatches.stored;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link PartitionLog#appendAsFollower} and the epoch answers of a replicated log. */
class FollowerAppendTest {
  @TempDir
  Path root;

  private final TestBatches.Clock leaderClock = new TestBatches.Clock(1_000_000L);
  private final TestBatches.Clock followerClock = new TestBatches.Clock(9_000_000L);

  private static LogConfig small(String... overrides) {
    Map<String, String> m = new java.util.HashMap<>(Map.of("segment.bytes", "1024", "index.interval.bytes", "128"));
    for (int i = 0; i < overrides.length; i += 2) {
      m.put(overrides[i], overrides[i + 1]);
    }
    return LogConfig.defaults().withOverrides(m);
  }

  private PartitionLog leader(LogConfig c) throws Exception {
    return PartitionLog.open(root.resolve("leader").resolve("t-0"), c, leaderClock);
  }

  private PartitionLog follower(LogConfig c) throws Exception {
    return PartitionLog.open(root.resolve("follower").resolve("t-0"), c, followerClock);
  }

  /** Epoch 0, then 3, then 4: plain, gzip and idempotent batches with CreateTime or LogAppendTime per config. */
  private static void fillLeader(PartitionLog leader, TestBatches.Clock clock) throws Exception {
    int seq = 0;
    for (int i = 0; i < 30; i++) {
      int epoch = i < 10 ? 0 : i < 20 ? 3 : 4;
      long ts = clock.getAsLong() + i;
      MemoryRecords r = switch (i % 3) {
        case 0 -> plain(ts, "a" + i, "b" + i);
        case 1 -> gzip(ts, "a" + i, "b" + i, "c" + i);
        default -> idempotent(42, (short) 1, seq, ts, "p" + i);
      };
      if (i % 3 == 2) {
        seq++;
      }
      leader.append(r, epoch);
      clock.advance(10);
    }
  }

  @Test
  void batchesAreStoredByteForByteWithTheLeadersOffsetsAndEpochs() throws Exception {
    // LogAppendTime on both sides: the follower must not restamp (its clock differs from the leader's)
    LogConfig c = small("message.timestamp.type", "LogAppendTime");
    try (PartitionLog leader = leader(c); PartitionLog follower = follower(c)) {
      fillLeader(leader, leaderClock);
      replicate(leader, follower, 700);

      assertEquals(leader.logEndOffset(), follower.logEndOffset());
      List<ByteBuffer> leaderBytes = rawBatches(leader, 0);
      assertEquals(30, leaderBytes.size());
      assertEquals(leaderBytes, rawBatches(follower, 0));
      assertTrue(follower.segmentCount() >= 3, "segments " + follower.segmentCount());
      for (MutableRecordBatch b : follower.read(0, 1 << 20, Long.MAX_VALUE, true).records().batches()) {
        assertEquals(TimestampType.LOG_APPEND_TIME, b.timestampType());
        assertTrue(b.maxTimestamp() < 2_000_000L, "restamped: " + b.maxTimestamp());
      }
      assertEquals(leader.epochCache().entries(), follower.epochCache().entries());
      assertEquals(60, follower.logEndOffset());
      assertEquals(List.of(new LeaderEpochCache.Entry(0, 0), new LeaderEpochCache.Entry(3, 20),
          new LeaderEpochCache.Entry(4, 41)), follower.epochCache().entries());
      assertEquals(4, follower.latestEpoch());
      for (int e = -1; e <= 6; e++) {
        assertEquals(leader.endOffsetForEpoch(e), follower.endOffsetForEpoch(e), "epoch " + e);
      }
      assertEquals(new EpochEndOffset(0, 20), follower.endOffsetForEpoch(2));
    }
    // and after a clean reopen, from the follower's own files
    try (PartitionLog follower = follower(c)) {
      assertEquals(new EpochEndOffset(3, 41), follower.endOffsetForEpoch(3));
      assertEquals(4, follower.latestEpoch());
    }
  }

  @Test
  void appendResultNamesTheOffsetsAndARecordCount() throws Exception {
    try (PartitionLog follower = follower(small())) {
      var r = follower.appendAsFollower(concat(stored(0, 2, 100, "a", "b"), stored(2, 2, 100, "c")));
      assertEquals(0, r.firstOffset());
      assertEquals(2, r.lastOffset());
      assertEquals(3, r.recordCount());
      assertFalse(r.duplicate());
      assertEquals(RecordBatch.NO_TIMESTAMP, r.logAppendTime());
      assertEquals(3, follower.logEndOffset());
      assertEquals(3, follower.unflushedMessages());
      assertEquals(List.of("0:a", "1:b", "2:c"), readAll(follower, 0));
    }
  }

  @Test
  void aFetchLargerThanASegmentIsSpreadOverSegments() throws Exception {
    List<MemoryRecords> batches = new ArrayList<>();
    long next = 0;
    for (int i = 0; i < 40; i++) {
      batches.add(stored(next, 1, 100 + i, "x" + i, "y" + i));
      next += 2;
    }
    MemoryRecords all = concat(batches.toArray(new MemoryRecords[0]));
    assertTrue(all.sizeInBytes() > 3 * 1024);
    try (PartitionLog follower = follower(small())) {
      follower.appendAsFollower(all);
      assertEquals(80, follower.logEndOffset());
      assertTrue(follower.segmentCount() >= 3, "segments " + follower.segmentCount());
      assertTrue(follower.sizeInBytes() / follower.segmentCount() <= 1024);
      assertEquals(80, readAll(follower, 0).size());
      assertEquals("79:y39", readAll(follower, 79).get(0));
    }
  }

  @Test
  void appendThatDoesNotStartAtTheLogEndIsRefusedAndWritesNothing() throws Exception {
    try (PartitionLog follower = follower(small())) {
      follower.appendAsFollower(stored(0, 1, 100, "a", "b", "c", "d", "e"));
      long size = follower.sizeInBytes();

      var above = assertThrows(UnexpectedAppendOffsetException.class,
          () -> follower.appendAsFollower(stored(7, 1, 100, "h")));
      assertEquals(5, above.expectedOffset());
      assertEquals(7, above.firstOffset());
      assertEquals(7, above.lastOffset());
      assertTrue(above.getMessage().contains("log end offset 5"), above.getMessage());

      var below = assertThrows(UnexpectedAppendOffsetException.class,
          () -> follower.appendAsFollower(stored(3, 1, 100, "d", "e", "f")));
      assertEquals(3, below.firstOffset());
      assertEquals(5, below.lastOffset());

      assertEquals(5, follower.logEndOffset());
      assertEquals(size, follower.sizeInBytes());
      assertEquals(5, readAll(follower, 0).size());
    }
  }

  @Test
  void appendWithAGapOrOverlapBetweenBatchesIsRefusedWhole() throws Exception {
    try (PartitionLog follower = follower(small())) {
      var gap = assertThrows(UnexpectedAppendOffsetException.class,
          () -> follower.appendAsFollower(concat(stored(0, 1, 100, "a", "b"), stored(4, 1, 100, "e"))));
      assertEquals(2, gap.expectedOffset());
      assertEquals(0, gap.firstOffset());
      assertEquals(4, gap.lastOffset());
      assertTrue(gap.getMessage().contains("batch 1 starts at offset 4"), gap.getMessage());
      assertThrows(UnexpectedAppendOffsetException.class,
          () -> follower.appendAsFollower(concat(stored(0, 1, 100, "a", "b"), stored(1, 1, 100, "b"))));
      // nothing of the valid first batch was written
      assertEquals(0, follower.logEndOffset());
      assertEquals(0, follower.sizeInBytes());
      assertEquals(-1, follower.latestEpoch());
      follower.appendAsFollower(concat(stored(0, 1, 100, "a", "b"), stored(2, 1, 100, "c")));
      assertEquals(3, follower.logEndOffset());
    }
  }

  @Test
  void corruptOrOldFormatInputIsRefused() throws Exception {
    try (PartitionLog follower = follower(small())) {
      MemoryRecords bad = stored(0, 1, 100, "a", "b");
      ByteBuffer b = bad.buffer();
      b.put(b.limit() - 1, (byte) (b.get(b.limit() - 1) ^ 0x5a));
      assertThrows(CorruptRecordException.class, () -> follower.appendAsFollower(MemoryRecords.readableRecords(b)));
      assertThrows(InvalidRecordException.class, () -> follower.appendAsFollower(
          MemoryRecords.withRecords(RecordBatch.MAGIC_VALUE_V1, 0L, Compression.NONE, TestBatches.rec(1, "old"))));
      assertEquals(0, follower.logEndOffset());
      assertEquals(0, follower.sizeInBytes());
    }
  }

  @Test
  void anEmptyFetchIsANoOp() throws Exception {
    try (PartitionLog follower = follower(small())) {
      follower.appendAsFollower(stored(0, 1, 100, "a", "b"));
      var r = follower.appendAsFollower(MemoryRecords.EMPTY);
      assertEquals(2, r.firstOffset());
      assertEquals(1, r.lastOffset());
      assertEquals(0, r.recordCount());
      assertEquals(2, follower.logEndOffset());
    }
  }

  @Test
  void batchesAboveMaxMessageBytesAreAcceptedFromTheLeader() throws Exception {
    // Kafka's follower append skips the size check: the leader accepted the batch, this replica's config may lag
    try (PartitionLog follower = follower(small("max.message.bytes", "100"))) {
      MemoryRecords big = MemoryRecords.withRecords(0L, Compression.NONE, 1, new SimpleRecord(1, null, new byte[300]));
      follower.appendAsFollower(big);
      assertEquals(1, follower.logEndOffset());
    }
  }

  @Test
  void compactedTopicAcceptsTheHolesCompactionLeftInTheLeadersLog() throws Exception {
    LogConfig c = small("cleanup.policy", "compact");
    try (PartitionLog leader = leader(c); PartitionLog follower = follower(c);
         PartitionLog strict = PartitionLog.open(root.resolve("strict").resolve("t-0"), small(), followerClock)) {
      for (int i = 0; i < 60; i++) {
        // three records per batch, keys repeating: compaction empties some batches and thins others
        SimpleRecord[] r = new SimpleRecord[3];
        for (int k = 0; k < 3; k++) {
          r[k] = new SimpleRecord(100 + i, ("k" + ((i * 3 + k) % 7)).getBytes(StandardCharsets.UTF_8),
              ("v" + i + "-" + k).getBytes(StandardCharsets.UTF_8));
        }
        leader.append(MemoryRecords.withRecords(Compression.NONE, r), i < 30 ? 1 : 2);
      }
      leader.roll();
      assertTrue(leader.compact(leaderClock.getAsLong()) > 0);
      List<ByteBuffer> leaderBytes = rawBatches(leader, 0);
      boolean thinned = false;
      boolean holes = false;
      long expected = 0;
      for (ByteBuffer b : leaderBytes) {
        holes |= b.getLong(0) != expected;
        thinned |= b.getInt(57) < b.getInt(23) + 1;
        expected = b.getLong(0) + b.getInt(23) + 1;
      }
      assertTrue(holes && thinned, "compaction left no holes or thinned batches to replicate");

      replicate(leader, follower, 500);
      assertEquals(leaderBytes, rawBatches(follower, 0));
      assertEquals(leader.logEndOffset(), follower.logEndOffset());
      // every record of epoch 1 was superseded: the follower saw epoch 2 only, as a Kafka follower would
      assertEquals(2, follower.latestEpoch());

      // a topic that is not compacted refuses the same holes
      assertThrows(UnexpectedAppendOffsetException.class, () -> replicate(leader, strict, 500));
    }
  }

  @Test
  void idempotentRetriesAreRecognisedAfterTheFollowerBecomesLeader() throws Exception {
    try (PartitionLog leader = leader(small()); PartitionLog follower = follower(small())) {
      List<Long> firstOffsets = new ArrayList<>();
      for (int s = 0; s < 10; s++) {
        leader.append(plain(1, "other" + s), 0);
        firstOffsets.add(leader.append(idempotent(7, (short) 2, s, 1, "p" + s), 0).firstOffset());
      }
      replicate(leader, follower, 300);
      assertEquals(TestBatches.producerState(leader), TestBatches.producerState(follower));

      // the follower is elected: a producer retrying its last batches gets the original offsets back
      var dup = follower.append(idempotent(7, (short) 2, 8, 1, "p8"), 1);
      assertTrue(dup.duplicate());
      assertEquals(firstOffsets.get(8), dup.firstOffset());
      assertEquals(20, follower.logEndOffset());
      assertThrows(OutOfOrderSequenceException.class, () -> follower.append(idempotent(7, (short) 2, 12, 1, "x"), 1));
      assertEquals(20, follower.append(idempotent(7, (short) 2, 10, 1, "p10"), 1).firstOffset());
    }
    try (PartitionLog follower = follower(small())) { // from its snapshot and log after a restart
      var dup = follower.append(idempotent(7, (short) 2, 10, 1, "p10"), 1);
      assertTrue(dup.duplicate());
      assertEquals(20, dup.firstOffset());
    }
  }

  @Test
  void leaderAppendRecordsItsEpochOnlyWhenItRises() throws Exception {
    try (PartitionLog log = leader(small())) {
      log.append(plain(1, "a", "b"), 0);
      log.append(plain(1, "c"), 0);
      log.append(plain(1, "d"), 2);
      log.append(plain(1, "e"), 1); // a stale epoch: stamped, not recorded
      log.append(plain(1, "f"), -1); // no epoch
      assertEquals(List.of(new LeaderEpochCache.Entry(0, 0), new LeaderEpochCache.Entry(2, 3)),
          log.epochCache().entries());
      assertEquals(new EpochEndOffset(0, 3), log.endOffsetForEpoch(0));
      assertEquals(new EpochEndOffset(0, 3), log.endOffsetForEpoch(1));
      assertEquals(new EpochEndOffset(2, 6), log.endOffsetForEpoch(2));
      assertEquals(EpochEndOffset.UNDEFINED, log.endOffsetForEpoch(3));
      assertEquals(EpochEndOffset.UNDEFINED, log.endOffsetForEpoch(-1));
    }
  }

  @Test
  void beginLeaderEpochAnswersForThePreviousEpochsBeforeTheFirstAppend() throws Exception {
    try (PartitionLog log = leader(small())) {
      log.append(plain(1, "a", "b"), 3);
      // a follower that led in epoch 4 (records this replica never saw) asks where epoch 4 ends
      assertEquals(EpochEndOffset.UNDEFINED, log.endOffsetForEpoch(4));
      log.beginLeaderEpoch(5);
      assertEquals(new EpochEndOffset(3, 2), log.endOffsetForEpoch(4));
      assertEquals(new EpochEndOffset(5, 2), log.endOffsetForEpoch(5));
      assertEquals(5, log.latestEpoch());
      log.beginLeaderEpoch(5);
      log.beginLeaderEpoch(4);
      assertEquals(List.of(new LeaderEpochCache.Entry(3, 0), new LeaderEpochCache.Entry(5, 2)),
          log.epochCache().entries());
      assertEquals(2, log.append(plain(1, "c"), 5).firstOffset());
      assertEquals(new EpochEndOffset(5, 3), log.endOffsetForEpoch(5));
    }
  }

  @Test
  void epochAnswersAreConsistentWhileTheWriterAppends() throws Exception {
    try (PartitionLog log = leader(small())) {
      log.append(plain(1, "first"), 0);
      // epoch e starts at offset 3e: each epoch's answer, once the next one exists, is exactly where it starts
      FutureTask<Void> reader = new FutureTask<>(() -> {
        while (log.latestEpoch() < 300) {
          long leo = log.logEndOffset();
          int latest = log.latestEpoch();
          EpochEndOffset previous = log.endOffsetForEpoch(latest - 1);
          if (latest > 0) {
            assertEquals(latest - 1, previous.leaderEpoch());
            assertEquals(3L * latest, previous.endOffset(), "epoch " + (latest - 1));
          }
          EpochEndOffset current = log.endOffsetForEpoch(latest);
          assertTrue(current.endOffset() >= leo, current + " below the end " + leo + " read before it");
          assertTrue(current.endOffset() <= log.logEndOffset(), current + " beyond the end");
        }
        return null;
      });
      Thread t = new Thread(reader);
      t.start();
      log.append(plain(1, "a", "b"), 0);
      for (int e = 1; e <= 300; e++) {
        log.append(plain(1, "x", "y", "z"), e);
      }
      reader.get(60, TimeUnit.SECONDS);
      assertNotEquals(0, log.logEndOffset());
    }
  }
}
