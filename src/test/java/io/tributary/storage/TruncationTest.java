package io.tributary.storage;

import static io.tributary.storage.TestBatches.idempotent;
import static io.tributary.storage.TestBatches.plain;
import static io.tributary.storage.TestBatches.producerState;
import static io.tributary.storage.TestBatches.rawBatches;
import static io.tributary.storage.TestBatches.readAll;
import static io.tributary.storage.TestBatches.replicate;
import static io.tributary.storage.TestBatches.stored;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.storage.LeaderEpochCache.Entry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link PartitionLog#truncateTo} and {@link PartitionLog#truncateFullyAndStartAt}, on the leader and follower paths. */
class TruncationTest {
  @TempDir
  Path root;

  private final TestBatches.Clock clock = new TestBatches.Clock(1_000_000L);

  private static LogConfig small() {
    return LogConfig.defaults().withOverrides(Map.of("segment.bytes", "1024", "index.interval.bytes", "128"));
  }

  private Path dir() {
    return root.resolve("t-0");
  }

  private PartitionLog open(LogConfig c) throws Exception {
    return PartitionLog.open(dir(), c, clock);
  }

  /** Batch i: records "i-0".."i-2" at timestamp 1000 * (i + 1); returns its first offset. */
  private static long appendBatch(PartitionLog log, int i, int epoch) throws Exception {
    return log.append(plain(1000L * (i + 1), i + "-0", i + "-1", i + "-2"), epoch).firstOffset();
  }

  /** What {@link TestBatches#readAll} returns for batches {@code from} (inclusive) to {@code to} (exclusive). */
  private static List<String> expected(int from, int to) {
    List<String> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      for (int k = 0; k < 3; k++) {
        out.add((3L * i + k) + ":" + i + "-" + k);
      }
    }
    return out;
  }

  private List<Long> segmentBases() throws Exception {
    try (Stream<Path> s = Files.list(dir())) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log"))
          .map(n -> Long.parseLong(n.substring(0, 20))).sorted().toList();
    }
  }

  private List<String> files() throws Exception {
    try (Stream<Path> s = Files.list(dir())) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static List<Entry> entries(long... epochOffsetPairs) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < epochOffsetPairs.length; i += 2) {
      out.add(new Entry((int) epochOffsetPairs[i], epochOffsetPairs[i + 1]));
    }
    return out;
  }

  // ---------------------------------------------------------------- within one segment

  @Test
  void anOffsetInsideABatchDropsTheWholeBatchAndAppendsContinueFromItsBase() throws Exception {
    try (PartitionLog log = open(LogConfig.defaults())) {
      for (int i = 0; i < 10; i++) {
        appendBatch(log, i, i < 5 ? 1 : 2); // batch i at offsets 3i..3i+2
      }
      log.truncateTo(17); // inside batch 5 (15..17), the first of epoch 2

      assertEquals(15, log.logEndOffset());
      assertEquals(expected(0, 5), readAll(log, 0));
      assertEquals(entries(1, 0), log.epochCache().entries());
      assertEquals(new EpochEndOffset(1, 15), log.endOffsetForEpoch(1));
      assertEquals(EpochEndOffset.UNDEFINED, log.endOffsetForEpoch(2));
      assertTrue(log.recoveryPoint() <= 15);
      // the indexes were cut too: no trace of the timestamps 6000..10000
      assertEquals(Optional.of(new PartitionLog.TimestampOffset(5000, 12)), log.maxTimestamp());
      assertEquals(Optional.empty(), log.offsetForTimestamp(5001));
      assertThrows(OffsetOutOfRangeException.class, () -> log.read(16, 1000, Long.MAX_VALUE, true));

      assertEquals(15, log.append(plain(20_000, "new"), 3).firstOffset());
      assertEquals(List.of("15:new"), readAll(log, 15));
      assertEquals(entries(1, 0, 3, 15), log.epochCache().entries());
      assertEquals(Optional.of(new PartitionLog.TimestampOffset(20_000, 15)), log.offsetForTimestamp(5001));
    }
    try (PartitionLog log = open(LogConfig.defaults())) {
      assertEquals(16, log.logEndOffset());
      List<String> all = new ArrayList<>(expected(0, 5));
      all.add("15:new");
      assertEquals(all, readAll(log, 0));
      assertEquals(entries(1, 0, 3, 15), log.epochCache().entries());
    }
  }

  @Test
  void truncatedLogIsByteForByteTheLogThatNeverHadTheRemovedBatches() throws Exception {
    try (PartitionLog log = open(small());
         PartitionLog reference = PartitionLog.open(root.resolve("ref-0"), small(), clock)) {
      for (int i = 0; i < 40; i++) {
        appendBatch(log, i, 1);
        if (i < 23) {
          appendBatch(reference, i, 1);
        }
      }
      log.truncateTo(reference.logEndOffset());
      assertEquals(reference.logEndOffset(), log.logEndOffset());
      assertEquals(reference.sizeInBytes(), log.sizeInBytes());
      assertEquals(rawBatches(reference, 0), rawBatches(log, 0));
    }
  }

  // ---------------------------------------------------------------- across segments

  @Test
  void newerSegmentsAreDeletedAndTheHolderIsCut() throws Exception {
    LogConfig c = small();
    try (PartitionLog log = open(c)) {
      for (int i = 0; i < 60; i++) {
        appendBatch(log, i, i < 20 ? 1 : i < 40 ? 2 : 3);
      }
      List<Long> bases = segmentBases();
      assertTrue(bases.size() >= 5, "segments " + bases);
      long holder = bases.get(2);
      assertEquals(0, holder % 3);
      log.truncateTo(holder + 4); // inside the holder's second batch

      long end = holder + 3;
      assertEquals(end, log.logEndOffset());
      assertEquals(List.of(bases.get(0), bases.get(1), holder), segmentBases());
      for (long gone : bases.subList(3, bases.size())) {
        for (String suffix : List.of(".log", ".index", ".timeindex", ".snapshot")) {
          assertFalse(Files.exists(dir().resolve(LogSegment.fileName(gone, suffix))), gone + suffix);
        }
      }
      int batches = (int) (end / 3);
      assertEquals(expected(0, batches), readAll(log, 0));
      assertEquals(Optional.of(new PartitionLog.TimestampOffset(1000L * batches, end - 3)), log.maxTimestamp());
      assertEquals(Optional.empty(), log.offsetForTimestamp(1000L * batches + 1));
      List<Entry> epochs = log.epochCache().entries();
      assertTrue(epochs.get(epochs.size() - 1).startOffset() < end, epochs.toString());

      for (int i = batches; i < batches + 30; i++) {
        appendBatch(log, i, 4);
      }
      assertEquals(expected(0, batches + 30), readAll(log, 0));
      assertTrue(log.segmentCount() > 4);
      assertEquals(new EpochEndOffset(4, log.logEndOffset()), log.endOffsetForEpoch(4));
    }
    try (PartitionLog log = open(c)) {
      List<String> all = readAll(log, 0);
      assertEquals(expected(0, all.size() / 3), all);
      assertEquals(4, log.latestEpoch());
    }
  }

  @Test
  void anOffsetAtASegmentBaseEmptiesThatSegmentAndKeepsIt() throws Exception {
    try (PartitionLog log = open(small())) {
      for (int i = 0; i < 40; i++) {
        appendBatch(log, i, 1);
      }
      List<Long> bases = segmentBases();
      long base = bases.get(1);
      log.truncateTo(base);
      assertEquals(base, log.logEndOffset());
      assertEquals(List.of(bases.get(0), base), segmentBases());
      assertEquals(0, Files.size(dir().resolve(LogSegment.fileName(base, ".log"))));
      assertEquals(base, appendBatch(log, (int) (base / 3), 2));
      assertEquals(List.of(bases.get(0), base), segmentBases());
      assertEquals(expected(0, (int) (base / 3) + 1), readAll(log, 0));
    }
  }

  @Test
  void anOffsetAtOrAboveTheEndChangesNothing() throws Exception {
    try (PartitionLog log = open(small())) {
      for (int i = 0; i < 20; i++) {
        appendBatch(log, i, 1);
      }
      long end = log.logEndOffset();
      long size = log.sizeInBytes();
      List<String> files = files();
      log.truncateTo(end);
      log.truncateTo(end + 100);
      assertEquals(end, log.logEndOffset());
      assertEquals(size, log.sizeInBytes());
      assertEquals(files, files());
      assertEquals(entries(1, 0), log.epochCache().entries());

      // an epoch begun at the end without records goes, as in Kafka
      log.beginLeaderEpoch(5);
      assertEquals(entries(1, 0, 5, end), log.epochCache().entries());
      log.truncateTo(end);
      assertEquals(entries(1, 0), log.epochCache().entries());
      assertThrows(IllegalArgumentException.class, () -> log.truncateTo(-1));
    }
  }

  // ---------------------------------------------------------------- producer state

  @ParameterizedTest
  @ValueSource(ints = {7, 31, 52})
  void producerStateIsThatOfTheLogWithoutTheRemovedBatches(int kept) throws Exception {
    LogConfig c = small();
    try (PartitionLog log = open(c);
         PartitionLog reference = PartitionLog.open(root.resolve("ref-0"), c, clock)) {
      for (int i = 0; i < 60; i++) {
        log.append(producerBatch(i), 1);
        if (i < kept) {
          reference.append(producerBatch(i), 1);
        }
      }
      assertTrue(ProducerStateManager.listSnapshots(dir()).size() >= 2);
      log.truncateTo(reference.logEndOffset());

      assertEquals(producerState(reference), producerState(log));
      for (long snapshot : ProducerStateManager.listSnapshots(dir())) {
        assertTrue(snapshot <= log.logEndOffset(), "snapshot " + snapshot + " above the end");
      }
      // producer 1's next batch is the one that was removed: accepted, neither a duplicate nor a gap
      int next = 2 * ((kept + 2) / 3);
      var again = log.append(idempotent(1, (short) 0, next, 1, "again"), 2);
      assertFalse(again.duplicate());
      assertEquals(reference.logEndOffset(), again.firstOffset());
      assertThrows(OutOfOrderSequenceException.class, () -> log.append(idempotent(2, (short) 0, 1000, 1, "gap"), 2));
    }
    try (PartitionLog log = open(c)) { // and from the files after a clean close
      var dup = log.append(idempotent(1, (short) 0, 2 * ((kept + 2) / 3), 1, "again"), 2);
      assertTrue(dup.duplicate());
    }
  }

  /** Batch i: producers 1 and 2 (idempotent, two records, sequences 0, 2, 4, ...) and 3 (plain) in turn. */
  private static MemoryRecords producerBatch(int i) {
    int pid = 1 + i % 3;
    int seq = 2 * (i / 3);
    return pid == 3 ? plain(1000L * i, "x" + i)
        : idempotent(pid, (short) 0, seq, 1000L * i, "p" + pid + "-" + seq, "q" + i);
  }

  // ---------------------------------------------------------------- below the log start, full truncation

  @Test
  void anOffsetBelowTheFirstSegmentEmptiesTheLogAndRestartsItThere() throws Exception {
    LogConfig c = small();
    long restart;
    try (PartitionLog log = open(c)) {
      for (int i = 0; i < 60; i++) {
        log.append(idempotent(5, (short) 0, i, 1, "v" + i), 1);
      }
      List<Long> bases = segmentBases();
      assertTrue(bases.size() >= 3, "segments " + bases);
      log.deleteRecordsBefore(bases.get(2) + 1);
      assertEquals(bases.get(2), segmentBases().get(0));
      restart = bases.get(1);
      log.truncateTo(restart);

      assertEquals(restart, log.logStartOffset());
      assertEquals(restart, log.logEndOffset());
      assertEquals(List.of(restart), segmentBases());
      assertEquals(0, log.sizeInBytes());
      assertEquals(List.of(), log.epochCache().entries());
      assertEquals(Map.of(), producerState(log));
      assertEquals(List.of(), ProducerStateManager.listSnapshots(dir()));
      assertEquals(restart, log.recoveryPoint());
      assertEquals(restart, log.append(plain(1, "fresh"), 2).firstOffset());
    }
    try (PartitionLog log = open(c)) {
      assertEquals(restart, log.logStartOffset());
      assertEquals(List.of(restart + ":fresh"), readAll(log, restart));
      assertEquals(entries(2, restart), log.epochCache().entries());
    }
  }

  @Test
  void truncationBelowTheLogStartBringsTheStartDown() throws Exception {
    try (PartitionLog log = open(LogConfig.defaults())) {
      for (int i = 0; i < 5; i++) {
        appendBatch(log, i, 1);
      }
      log.deleteRecordsBefore(7);
      log.truncateTo(5); // inside batch 1 (3..5), below the start
      assertEquals(3, log.logEndOffset());
      assertEquals(3, log.logStartOffset());
      assertThrows(OffsetOutOfRangeException.class, () -> log.read(0, 1000, Long.MAX_VALUE, true));
      assertEquals(3, appendBatch(log, 1, 2));
    }
    try (PartitionLog log = open(LogConfig.defaults())) {
      assertEquals(3, log.logStartOffset());
      assertEquals(expected(1, 2), readAll(log, 3));
    }
  }

  @Test
  void truncateFullyAndStartAtAboveTheEndForAFollowerBehindTheLeadersStart() throws Exception {
    try (PartitionLog log = open(small())) {
      for (int i = 0; i < 20; i++) {
        log.append(idempotent(5, (short) 0, i, 1, "v" + i), 1);
      }
      log.truncateFullyAndStartAt(500);
      assertEquals(500, log.logStartOffset());
      assertEquals(500, log.logEndOffset());
      assertEquals(List.of(500L), segmentBases());
      assertEquals(List.of(), log.epochCache().entries());
      assertEquals(Map.of(), producerState(log));
      log.appendAsFollower(stored(500, 7, 1, "a", "b", "c"));
      assertEquals(entries(7, 500), log.epochCache().entries());
    }
    try (PartitionLog log = open(small())) {
      assertEquals(500, log.logStartOffset());
      assertEquals(List.of("500:a", "501:b", "502:c"), readAll(log, 500));
    }
  }

  @Test
  void truncateFullyAndStartAtInsideTheLogKeepsNothingAtOrAboveIt() throws Exception {
    try (PartitionLog log = open(small())) {
      for (int i = 0; i < 30; i++) {
        appendBatch(log, i, 1);
      }
      log.truncateFullyAndStartAt(40);
      assertEquals(40, log.logStartOffset());
      assertEquals(40, log.logEndOffset());
      assertEquals(List.of(40L), segmentBases());
      assertEquals(0, log.read(40, 1 << 20, Long.MAX_VALUE, true).records().sizeInBytes());
    }
  }

  // ---------------------------------------------------------------- a follower converging on a new leader

  @Test
  void aFormerLeaderTruncatesToTheNewLeadersEpochBoundaryAndConverges() throws Exception {
    LogConfig c = small();
    try (PartitionLog a = PartitionLog.open(root.resolve("a").resolve("t-0"), c, clock);
         PartitionLog b = PartitionLog.open(root.resolve("b").resolve("t-0"), c, clock)) {
      // a leads in epoch 1; b follows
      for (int s = 0; s < 10; s++) {
        a.append(idempotent(9, (short) 0, s, 1, "p" + s), 1);
        appendBatch(a, s, 1);
      }
      replicate(a, b, 400);
      // a writes on alone (these are never acknowledged), then loses the leadership
      for (int s = 10; s < 15; s++) {
        a.append(idempotent(9, (short) 0, s, 1, "lost" + s), 1);
      }
      // b leads in epoch 2; the producer retries seq 10.. there
      b.beginLeaderEpoch(2);
      for (int s = 10; s < 17; s++) {
        b.append(idempotent(9, (short) 0, s, 1, "p" + s), 2);
      }

      // a follows b: where does its latest epoch end on b?
      EpochEndOffset boundary = b.endOffsetForEpoch(a.latestEpoch());
      assertEquals(new EpochEndOffset(1, 40), boundary);
      a.truncateTo(Math.min(boundary.endOffset(), a.logEndOffset()));
      assertEquals(40, a.logEndOffset());
      replicate(b, a, 400);

      assertEquals(rawBatches(b, 0), rawBatches(a, 0));
      assertEquals(b.epochCache().entries(), a.epochCache().entries());
      assertEquals(producerState(b), producerState(a));
      for (int e = -1; e <= 3; e++) {
        assertEquals(b.endOffsetForEpoch(e), a.endOffsetForEpoch(e), "epoch " + e);
      }
      assertTrue(a.append(idempotent(9, (short) 0, 16, 1, "p16"), 3).duplicate());
    }
  }

  // ---------------------------------------------------------------- concurrent readers

  @Test
  void readersDuringTruncationSeeOldBytesOrNothingNeverAMix() throws Exception {
    try (PartitionLog log = open(small())) {
      AtomicBoolean done = new AtomicBoolean();
      for (int i = 0; i < 40; i++) {
        appendTagged(log, 0);
      }
      FutureTask<Integer> reader = new FutureTask<>(() -> {
        Random random = new Random(1);
        int batchesRead = 0;
        while (!done.get()) {
          long offset = (long) (random.nextDouble() * log.logEndOffset());
          MemoryRecords r;
          try {
            r = log.read(offset, 2048, Long.MAX_VALUE, true).records();
          } catch (OffsetOutOfRangeException truncatedMeanwhile) {
            continue;
          }
          long previous = -1;
          for (MutableRecordBatch b : r.batches()) {
            assertTrue(b.isValid(), "torn batch at " + b.baseOffset());
            for (Record rec : b) {
              String value = StandardCharsets.UTF_8.decode(rec.value()).toString();
              assertEquals(rec.offset(), Long.parseLong(value.substring(value.indexOf('@') + 1)), value);
              assertTrue(rec.offset() > previous);
              previous = rec.offset();
            }
            batchesRead++;
          }
        }
        return batchesRead;
      });
      Thread t = new Thread(reader);
      t.start();
      Random random = new Random(2);
      for (int generation = 1; generation <= 200; generation++) {
        long end = log.logEndOffset();
        log.truncateTo(end / 2 + (long) (random.nextDouble() * (end / 2)));
        for (int i = 0; i < 1 + random.nextInt(8); i++) {
          appendTagged(log, generation);
        }
      }
      done.set(true);
      assertTrue(reader.get(60, TimeUnit.SECONDS) > 0);
    }
  }

  /** A batch of three records whose values name their generation and their own offset. */
  private static void appendTagged(PartitionLog log, int generation) throws Exception {
    long at = log.logEndOffset();
    log.append(plain(1, "g" + generation + "@" + at, "g" + generation + "@" + (at + 1),
        "g" + generation + "@" + (at + 2)), generation);
  }

  // ---------------------------------------------------------------- crashes

  @Test
  void crashAfterTruncationReopensTheTruncatedLog() throws Exception {
    LogConfig c = small();
    PartitionLog crashed = open(c);
    for (int i = 0; i < 40; i++) {
      crashed.append(idempotent(3, (short) 0, i, 1000L * i, "v" + i), i < 30 ? 1 : 2);
    }
    crashed.flush();
    crashed.truncateTo(25);
    crashed.append(idempotent(3, (short) 0, 25, 7, "w25"), 3);
    // no close: the process dies here
    try (PartitionLog log = open(c)) {
      assertEquals(26, log.logEndOffset());
      assertEquals("25:w25", readAll(log, 25).get(0));
      assertEquals(entries(1, 0, 3, 25), log.epochCache().entries());
      assertTrue(log.append(idempotent(3, (short) 0, 25, 7, "w25"), 3).duplicate());
      assertEquals(26, log.append(idempotent(3, (short) 0, 26, 7, "w26"), 3).firstOffset());
    }
  }

  @Test
  void crashPartWayThroughTruncationIsSettledOnOpen() throws Exception {
    LogConfig c = small();
    Path stale = root.resolve("stale");
    Files.createDirectories(stale);
    PartitionLog crashed = open(c);
    for (int i = 0; i < 60; i++) {
      crashed.append(idempotent(3, (short) 0, i, 1000L * i, "v" + i), i < 20 ? 1 : i < 45 ? 2 : 4);
    }
    crashed.flush();
    // the files a truncation rewrites or deletes after cutting the segments, as they were before it
    List<String> kept = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir())) {
      for (Path p : s.toList()) {
        String n = p.getFileName().toString();
        if (n.endsWith(".snapshot") || n.equals("leader-epoch-checkpoint")
            || n.equals("recovery-point-offset-checkpoint")) {
          Files.copy(p, stale.resolve(n));
          kept.add(n);
        }
      }
    }
    assertTrue(kept.stream().anyMatch(n -> n.endsWith(".snapshot")), kept.toString());
    crashed.truncateTo(15);
    // the process died after the segments were cut, before the other files were rewritten or deleted
    for (String n : kept) {
      Files.copy(stale.resolve(n), dir().resolve(n), StandardCopyOption.REPLACE_EXISTING);
    }
    try (PartitionLog log = open(c)) {
      assertEquals(15, log.logEndOffset());
      assertEquals(entries(1, 0), log.epochCache().entries());
      assertEquals(new EpochEndOffset(1, 15), log.endOffsetForEpoch(1));
      // producer state from the 15 remaining batches, not from a snapshot of the longer log
      assertFalse(log.append(idempotent(3, (short) 0, 15, 1, "v15"), 5).duplicate());
      assertTrue(log.append(idempotent(3, (short) 0, 14, 1000L * 14, "v14"), 5).duplicate());
    }
  }
}
