package io.tributary.storage;

import static io.tributary.storage.TestBatches.plain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.storage.LeaderEpochCache.Entry;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The leader-epoch cache when a log is opened: recovery, a missing or damaged file, retention. */
class EpochRecoveryTest {
  @TempDir
  Path root;

  private final TestBatches.Clock clock = new TestBatches.Clock(1_000_000L);

  private static LogConfig small() {
    return LogConfig.defaults().withOverrides(Map.of("segment.bytes", "1024", "index.interval.bytes", "128"));
  }

  private Path dir() {
    return root.resolve("t-0");
  }

  private Path checkpoint() {
    return dir().resolve("leader-epoch-checkpoint");
  }

  private PartitionLog open() throws Exception {
    return PartitionLog.open(dir(), small(), clock);
  }

  private static List<Entry> entries(long... epochOffsetPairs) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < epochOffsetPairs.length; i += 2) {
      out.add(new Entry((int) epochOffsetPairs[i], epochOffsetPairs[i + 1]));
    }
    return out;
  }

  /** 60 two-record batches: epoch 0 for 0..19, 2 for 20..39, 5 for 40..59 (offsets 0, 40, 80). */
  private static void fill(PartitionLog log) throws Exception {
    for (int i = 0; i < 60; i++) {
      log.append(plain(1000L * i, "a" + i, "b" + i), i < 20 ? 0 : i < 40 ? 2 : 5);
    }
  }

  private Path lastSegment() throws Exception {
    try (Stream<Path> s = Files.list(dir())) {
      return s.filter(p -> p.toString().endsWith(".log")).sorted().reduce((a, b) -> b).orElseThrow();
    }
  }

  @Test
  void aNewLogWritesNoCheckpointUntilItsFirstEpoch() throws Exception {
    try (PartitionLog log = open()) {
      assertFalse(Files.exists(checkpoint()));
      log.append(plain(1, "a"), 4);
      assertEquals("0\n1\n4 0\n", Files.readString(checkpoint()));
    }
  }

  @Test
  void aLogWithoutTheFileIsRebuiltFromItsBatchHeadersOnce() throws Exception {
    try (PartitionLog log = open()) {
      fill(log);
      assertTrue(log.segmentCount() > 3);
    }
    Files.delete(checkpoint()); // as a log written before epochs were kept
    try (PartitionLog log = open()) {
      assertEquals(entries(0, 0, 2, 40, 5, 80), log.epochCache().entries());
      assertEquals(new EpochEndOffset(2, 80), log.endOffsetForEpoch(3));
    }
    assertEquals("0\n3\n0 0\n2 40\n5 80\n", Files.readString(checkpoint()));
  }

  @Test
  void aLogWhoseBatchesCarryNoEpochGetsAnEmptyFileSoItIsScannedOnce() throws Exception {
    try (PartitionLog log = open()) {
      log.append(plain(1, "a"), -1);
    }
    assertFalse(Files.exists(checkpoint()));
    try (PartitionLog log = open()) {
      assertEquals(List.of(), log.epochCache().entries());
    }
    assertEquals("0\n0\n", Files.readString(checkpoint()));
  }

  @Test
  void aDamagedFileIsRebuiltFromTheBatchHeaders() throws Exception {
    try (PartitionLog log = open()) {
      fill(log);
    }
    Files.writeString(checkpoint(), "0\n3\n0 0\n2 4");
    try (PartitionLog log = open()) {
      assertEquals(entries(0, 0, 2, 40, 5, 80), log.epochCache().entries());
    }
  }

  @Test
  void anEpochAtOrPastTheLogEndIsRemovedOnOpen() throws Exception {
    long end;
    try (PartitionLog log = open()) {
      fill(log);
      end = log.logEndOffset();
    }
    // assigned just before its records, which a crash then lost
    Files.writeString(checkpoint(), "0\n4\n0 0\n2 40\n5 80\n7 " + end + "\n");
    try (PartitionLog log = open()) {
      assertEquals(5, log.latestEpoch());
      assertEquals(new EpochEndOffset(5, end), log.endOffsetForEpoch(5));
    }
    assertEquals("0\n3\n0 0\n2 40\n5 80\n", Files.readString(checkpoint()));
  }

  @Test
  void recoveryOfATornTailDropsTheEpochThatBeganInIt() throws Exception {
    PartitionLog crashed = open();
    fill(crashed);
    crashed.append(plain(99_000, "last-1", "last-2", "last-3"), 8); // offsets 120..122, epoch 8
    Path seg = lastSegment();
    long size = Files.size(seg);
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
      ch.truncate(size - 5); // the write of the last batch was torn by the crash
    }
    try (PartitionLog log = open()) {
      assertEquals(120, log.logEndOffset());
      assertEquals(entries(0, 0, 2, 40, 5, 80), log.epochCache().entries());
      assertEquals(new EpochEndOffset(5, 120), log.endOffsetForEpoch(5));
      assertEquals(EpochEndOffset.UNDEFINED, log.endOffsetForEpoch(8));
      assertEquals(120, log.append(plain(1, "again"), 9).firstOffset());
      assertEquals(entries(0, 0, 2, 40, 5, 80, 9, 120), log.epochCache().entries());
    }
  }

  @Test
  void recoveryAssignsTheEpochsOfTheRevalidatedTailThatTheFileLacks() throws Exception {
    PartitionLog crashed = open();
    fill(crashed);
    // the file lags the log (as a file restored from before the last epochs would)
    Files.writeString(checkpoint(), "0\n1\n0 0\n");
    try (PartitionLog log = open()) { // no clean-shutdown marker: the whole log is re-validated
      assertEquals(entries(0, 0, 2, 40, 5, 80), log.epochCache().entries());
    }
  }

  @Test
  void deleteRecordsAndRetentionMoveTheFirstEpochUp() throws Exception {
    try (PartitionLog log = open()) {
      fill(log);
      log.deleteRecordsBefore(50);
      assertEquals(entries(2, 50, 5, 80), log.epochCache().entries());
      log.deleteRecordsBefore(80);
      assertEquals(entries(5, 80), log.epochCache().entries());
    }
    try (PartitionLog log = open()) {
      assertEquals(entries(5, 80), log.epochCache().entries());
    }
    LogConfig bySize = small().withOverrides(Map.of("retention.bytes", "1"));
    try (PartitionLog log = PartitionLog.open(dir(), bySize, clock)) {
      log.roll();
      assertTrue(log.enforceRetention(clock.getAsLong()) > 0);
      long start = log.logStartOffset();
      assertTrue(start > 80, "log start " + start); // all but the last segment with records went
      assertEquals(entries(5, start), log.epochCache().entries());
    }
  }

  @Test
  void anEmptiedLogHasNoEpochsAfterReopening() throws Exception {
    try (PartitionLog log = open()) {
      fill(log);
    }
    // a start beyond the end (the log's segments are gone) empties the log on open
    Files.writeString(dir().resolve(PartitionLog.LOG_START_CHECKPOINT), "0\n1000\n");
    try (PartitionLog log = open()) {
      assertEquals(1000, log.logEndOffset());
      assertEquals(List.of(), log.epochCache().entries());
      assertEquals(EpochEndOffset.UNDEFINED, log.endOffsetForEpoch(5));
    }
  }

  @Test
  void followerBatchesWithAnEpochBelowTheLatestAreStoredButTheCacheKeepsItsHistory() throws Exception {
    try (PartitionLog log = open()) {
      log.appendAsFollower(TestBatches.stored(0, 3, 1, "a", "b"));
      log.appendAsFollower(TestBatches.stored(2, 2, 1, "c")); // inconsistent input: logged and ignored
      assertEquals(3, log.logEndOffset());
      assertEquals(entries(3, 0), log.epochCache().entries());
      ByteBuffer stored = TestBatches.rawBatches(log, 2).get(0);
      assertEquals(2, stored.getInt(12));
    }
  }
}
