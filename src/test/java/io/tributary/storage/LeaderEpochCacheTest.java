package io.tributary.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.storage.LeaderEpochCache.Entry;
import io.tributary.storage.LeaderEpochCache.FileState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The leader-epoch cache against Kafka's file format and Kafka's LeaderEpochFileCache rules (the assign,
 * endOffsetFor and truncation cases below follow Kafka's LeaderEpochFileCacheTest).
 */
class LeaderEpochCacheTest {
  @TempDir
  Path dir;

  private Path file() {
    return dir.resolve("leader-epoch-checkpoint");
  }

  private LeaderEpochCache cache(int... epochOffsetPairs) throws Exception {
    return cacheIn(dir, epochOffsetPairs);
  }

  /** A cache in a directory of its own, for tests that compare several. */
  private LeaderEpochCache fresh(String name, int... epochOffsetPairs) throws Exception {
    Path d = Files.createDirectories(dir.resolve(name));
    return cacheIn(d, epochOffsetPairs);
  }

  private static LeaderEpochCache cacheIn(Path d, int... epochOffsetPairs) throws Exception {
    LeaderEpochCache c = LeaderEpochCache.open(d);
    for (int i = 0; i < epochOffsetPairs.length; i += 2) {
      c.assign(epochOffsetPairs[i], epochOffsetPairs[i + 1]);
    }
    return c;
  }

  private static EpochEndOffset eo(int epoch, long offset) {
    return new EpochEndOffset(epoch, offset);
  }

  private static List<Entry> entries(int... epochOffsetPairs) {
    Entry[] out = new Entry[epochOffsetPairs.length / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = new Entry(epochOffsetPairs[2 * i], epochOffsetPairs[2 * i + 1]);
    }
    return List.of(out);
  }

  // ---------------------------------------------------------------- the file

  @Test
  void readsAFileAsKafkaWritesItAndWritesTheSameBytes() throws Exception {
    // what Kafka's CheckpointFile writes for LeaderEpochCheckpointFile: version, count, "epoch offset" lines
    String kafka = "0\n3\n0 0\n2 150\n5 300\n";
    Files.writeString(file(), kafka);
    LeaderEpochCache c = LeaderEpochCache.open(dir);
    assertEquals(FileState.READ, c.fileState());
    assertEquals(entries(0, 0, 2, 150, 5, 300), c.entries());
    assertEquals(5, c.latestEpoch());

    c.assign(7, 400);
    assertEquals(kafka.replace("0\n3\n", "0\n4\n") + "7 400\n", Files.readString(file()));
    assertFalse(Files.exists(dir.resolve("leader-epoch-checkpoint.tmp")));
    assertEquals(entries(0, 0, 2, 150, 5, 300, 7, 400), LeaderEpochCache.open(dir).entries());
  }

  @Test
  void everyChangeIsWrittenAndReadBackByANewInstance() throws Exception {
    LeaderEpochCache c = cache(2, 6, 3, 8, 4, 11);
    assertEquals("0\n3\n2 6\n3 8\n4 11\n", Files.readString(file()));
    c.truncateFromEnd(9);
    assertEquals(entries(2, 6, 3, 8), LeaderEpochCache.open(dir).entries());
    c.truncateFromStart(7);
    assertEquals(entries(2, 7, 3, 8), LeaderEpochCache.open(dir).entries());
    c.clear();
    assertEquals("0\n0\n", Files.readString(file()));
    assertEquals(List.of(), LeaderEpochCache.open(dir).entries());
    assertEquals(FileState.READ, LeaderEpochCache.open(dir).fileState());
  }

  @Test
  void emptyFileOrNoCountLineHoldsNoEntriesAsInKafka() throws Exception {
    Files.writeString(file(), "");
    assertEquals(FileState.READ, LeaderEpochCache.open(dir).fileState());
    assertEquals(List.of(), LeaderEpochCache.open(dir).entries());
    Files.writeString(file(), "0\n");
    assertEquals(FileState.READ, LeaderEpochCache.open(dir).fileState());
    assertEquals(-1, LeaderEpochCache.open(dir).latestEpoch());
  }

  @Test
  void missingFileIsReportedAndNotCreatedByReading() {
    LeaderEpochCache c = LeaderEpochCache.open(dir);
    assertEquals(FileState.MISSING, c.fileState());
    assertEquals(List.of(), c.entries());
    assertFalse(Files.exists(file()));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "1\n1\n0 0\n",          // another version
      "0\n2\n0 0\n",          // fewer entries than the count
      "0\n1\n0 0\n1 5\n",     // more entries than the count
      "0\n1\n0\n",            // malformed line
      "0\n1\n0 0 0\n",        // malformed line
      "0\n1\nx 0\n",          // not a number
      "0\n2\n3 10\n2 20\n",   // epochs going down
      "0\n2\n2 20\n3 10\n",   // start offsets going down
      "0\n1\n-1 0\n",         // negative epoch
      "x\n"})                 // no version
  void unreadableFileIsCorruptAndIgnored(String content) throws Exception {
    Files.writeString(file(), content);
    LeaderEpochCache c = LeaderEpochCache.open(dir);
    assertEquals(FileState.CORRUPT, c.fileState());
    assertEquals(List.of(), c.entries());
  }

  // ---------------------------------------------------------------- assign

  @Test
  void sameEpochKeepsItsFirstStartOffset() throws Exception {
    LeaderEpochCache c = cache(2, 9, 2, 10, 2, 11);
    assertEquals(entries(2, 9), c.entries());
  }

  @Test
  void higherEpochIsAddedAndEpochsNeedNotStartAtZero() throws Exception {
    LeaderEpochCache c = cache(2, 6, 3, 8);
    assertEquals(entries(2, 6, 3, 8), c.entries());
    assertEquals(3, c.latestEpoch());
  }

  @Test
  void higherEpochAtTheSameOffsetReplacesTheEpochWithoutRecords() throws Exception {
    assertEquals(entries(3, 9), fresh("a", 2, 9, 3, 9).entries());
    assertEquals(entries(1, 0, 2, 5), fresh("b", 0, 0, 1, 0, 2, 5).entries());
  }

  @Test
  void lowerEpochOrLowerStartOffsetIsIgnored() throws Exception {
    LeaderEpochCache c = cache(1, 5, 2, 6);
    c.assign(1, 7); // an epoch below the latest
    c.assign(3, 5); // a start offset below the latest's
    c.assign(2, 3); // the latest epoch starting earlier
    assertEquals(entries(1, 5, 2, 6), c.entries());
    assertEquals(entries(1, 5, 2, 6), LeaderEpochCache.open(dir).entries());
  }

  @Test
  void assignAllWritesTheRisingEntries() throws Exception {
    LeaderEpochCache c = cache(1, 0);
    c.assignAll(List.of(new Entry(1, 4), new Entry(3, 10), new Entry(2, 12), new Entry(5, 20)));
    assertEquals(entries(1, 0, 3, 10, 5, 20), c.entries());
    assertEquals(entries(1, 0, 3, 10, 5, 20), LeaderEpochCache.open(dir).entries());
  }

  @Test
  void negativeEpochOrOffsetIsRefused() throws Exception {
    LeaderEpochCache c = cache();
    assertThrows(IllegalArgumentException.class, () -> c.assign(-1, 0));
    assertThrows(IllegalArgumentException.class, () -> c.assign(0, -1));
  }

  // ---------------------------------------------------------------- endOffsetFor

  @Test
  void noEpochsAnswersUndefined() throws Exception {
    LeaderEpochCache c = cache();
    assertEquals(EpochEndOffset.UNDEFINED, c.endOffsetFor(0, 0));
    assertEquals(EpochEndOffset.UNDEFINED, c.endOffsetFor(-1, 73));
    assertTrue(c.endOffsetFor(4, 10).isUndefined());
  }

  @Test
  void undefinedEpochAnswersUndefinedEvenWithEpochs() throws Exception {
    assertEquals(EpochEndOffset.UNDEFINED, cache(2, 11, 3, 12).endOffsetFor(-1, 0));
  }

  @Test
  void latestEpochEndsAtTheLogEnd() throws Exception {
    LeaderEpochCache c = cache(2, 10);
    assertEquals(eo(2, 20), c.endOffsetFor(2, 20));
    assertEquals(eo(2, 10), c.endOffsetFor(2, 10));
  }

  @Test
  void earlierEpochEndsWhereTheNextHigherOneStarts() throws Exception {
    LeaderEpochCache c = cache(1, 11, 2, 13, 3, 15);
    assertEquals(eo(2, 15), c.endOffsetFor(2, 17));
    assertEquals(eo(1, 13), c.endOffsetFor(1, 17));
    assertEquals(eo(3, 17), c.endOffsetFor(3, 17));
  }

  @Test
  void missingEpochIsAnsweredWithTheFloorEpochAndTheNextStart() throws Exception {
    LeaderEpochCache c = cache(0, 10, 2, 13, 4, 17);
    assertEquals(eo(0, 13), c.endOffsetFor(1, 0));
    assertEquals(eo(2, 17), c.endOffsetFor(2, 0));
    assertEquals(eo(2, 17), c.endOffsetFor(3, 0));
  }

  @Test
  void epochBelowTheFirstIsAnsweredWithItselfAndTheFirstStart() throws Exception {
    assertEquals(eo(4, 11), fresh("a", 5, 11, 6, 12, 7, 13).endOffsetFor(4, 0));
    assertEquals(eo(0, 0), fresh("b", 1, 0).endOffsetFor(0, 5));
  }

  @Test
  void epochAboveTheLatestIsUndefined() throws Exception {
    assertEquals(EpochEndOffset.UNDEFINED, cache(2, 100).endOffsetFor(3, 100));
  }

  @Test
  void leadersChangingManyTimes() throws Exception {
    LeaderEpochCache c = cache(0, 0, 1, 0);
    assertEquals(eo(1, 0), c.endOffsetFor(1, 0));
    assertEquals(eo(0, 0), c.endOffsetFor(0, 0));
    assertEquals(eo(1, 5), c.endOffsetFor(1, 5));
    c.assign(2, 5);
    assertEquals(eo(2, 10), c.endOffsetFor(2, 10));
    assertEquals(eo(1, 5), c.endOffsetFor(1, 10));
    assertEquals(eo(0, 0), c.endOffsetFor(0, 10));
  }

  // ---------------------------------------------------------------- truncation

  @Test
  void truncateFromEndRemovesEntriesStartingAtOrAfterTheOffset() throws Exception {
    LeaderEpochCache c = cache(2, 6, 3, 8, 4, 11);
    c.truncateFromEnd(11);
    assertEquals(entries(2, 6, 3, 8), c.entries());
    c.truncateFromEnd(12);
    assertEquals(entries(2, 6, 3, 8), c.entries());
    c.truncateFromEnd(8);
    assertEquals(entries(2, 6), c.entries());
    assertEquals(2, c.latestEpoch());
    c.truncateFromEnd(-1); // Kafka: an undefined offset changes nothing
    assertEquals(entries(2, 6), c.entries());
    c.truncateFromEnd(0);
    assertEquals(List.of(), c.entries());
    assertEquals(-1, c.latestEpoch());
  }

  @Test
  void truncateFromEndBetweenBoundariesKeepsThePrecedingEpochs() throws Exception {
    LeaderEpochCache c = cache(2, 6, 3, 8, 4, 11);
    c.truncateFromEnd(9);
    assertEquals(3, c.latestEpoch());
    assertEquals(entries(2, 6, 3, 8), c.entries());
  }

  @Test
  void truncateFromStartMovesTheFirstRemainingEpochUp() throws Exception {
    LeaderEpochCache c = cache(2, 6, 3, 8, 4, 11);
    c.truncateFromStart(1);
    assertEquals(entries(2, 6, 3, 8, 4, 11), c.entries());
    c.truncateFromStart(6);
    assertEquals(entries(2, 6, 3, 8, 4, 11), c.entries());
    c.truncateFromStart(-1);
    assertEquals(entries(2, 6, 3, 8, 4, 11), c.entries());
    c.truncateFromStart(8);
    assertEquals(entries(3, 8, 4, 11), c.entries());
    c.truncateFromStart(9);
    assertEquals(entries(3, 9, 4, 11), c.entries());
    c.truncateFromStart(11);
    assertEquals(entries(4, 11), c.entries());
    c.truncateFromStart(15);
    assertEquals(entries(4, 15), c.entries());
    assertEquals(entries(4, 15), LeaderEpochCache.open(dir).entries());
  }

  @Test
  void truncateFromStartInsideTheFirstEpoch() throws Exception {
    LeaderEpochCache c = cache(0, 0, 1, 7, 2, 10);
    c.truncateFromStart(5);
    assertEquals(entries(0, 5, 1, 7, 2, 10), c.entries());
  }

  @Test
  void rebuildKeepsRisingEpochsAndWritesEvenWhenEmpty() throws Exception {
    LeaderEpochCache c = LeaderEpochCache.open(dir);
    c.rebuild(List.of());
    assertEquals("0\n0\n", Files.readString(file()));
    List<Entry> starts = new java.util.ArrayList<>();
    LeaderEpochCache.noteBatch(starts, -1, 0); // no epoch: skipped
    LeaderEpochCache.noteBatch(starts, 0, 3);
    LeaderEpochCache.noteBatch(starts, 0, 5);
    LeaderEpochCache.noteBatch(starts, 2, 9);
    LeaderEpochCache.noteBatch(starts, 1, 12); // below the last: Kafka's recovery rule skips it
    LeaderEpochCache.noteBatch(starts, 4, 15);
    assertEquals(entries(0, 3, 2, 9, 4, 15), starts);
    c.rebuild(starts);
    assertEquals(entries(0, 3, 2, 9, 4, 15), LeaderEpochCache.open(dir).entries());
  }

  // ---------------------------------------------------------------- readers

  @Test
  void readersOnOtherThreadsAlwaysSeeAWholeState() throws Exception {
    LeaderEpochCache c = cache(0, 0);
    FutureTask<Void> reader = new FutureTask<>(() -> {
      int lastLatest = 0;
      while (lastLatest < 200) {
        List<Entry> seen = c.entries();
        for (int i = 1; i < seen.size(); i++) {
          assertTrue(seen.get(i).epoch() > seen.get(i - 1).epoch(), seen.toString());
          assertTrue(seen.get(i).startOffset() > seen.get(i - 1).startOffset(), seen.toString());
        }
        int latest = c.latestEpoch();
        assertTrue(latest >= lastLatest, latest + " after " + lastLatest);
        // every epoch e starts at 10 * e, so the one before the latest ends where the latest starts; unless the writer
        // truncated the start since latestEpoch() was read (a separate read): then that epoch collapsed into a later
        // one, and its end is that later epoch's start, also a multiple of 10, never lower
        if (latest > 0) {
          var end = c.endOffsetFor(latest - 1, 1_000_000);
          assertEquals(latest - 1, end.leaderEpoch(), end.toString());
          assertTrue(end.endOffset() >= 10L * latest && end.endOffset() % 10 == 0, latest + ": " + end);
        }
        lastLatest = latest;
      }
      return null;
    });
    new Thread(reader).start();
    for (int e = 1; e <= 200; e++) {
      c.assign(e, 10L * e);
      if (e % 10 == 0) {
        c.truncateFromStart(10L * (e - 5));
      }
    }
    reader.get(60, TimeUnit.SECONDS);
  }
}
