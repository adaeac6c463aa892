package io.tributary.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log side of transactions: open transactions, markers, last stable offset, aborted-transaction index. */
class TransactionLogTest {
  @TempDir
  Path root;

  private final TestBatches.Clock clock = new TestBatches.Clock(1_000_000L);

  private static final long P1 = 1000L;
  private static final long P2 = 2000L;

  private static LogConfig small() {
    return LogConfig.defaults().withOverrides(Map.of("segment.bytes", "600", "index.interval.bytes", "64"));
  }

  private PartitionLog open(String name, LogConfig c) throws Exception {
    return PartitionLog.open(root.resolve(name), c, clock);
  }

  static MemoryRecords txn(long pid, short epoch, int seq, String key, String... values) {
    SimpleRecord[] r = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) {
      r[i] = new SimpleRecord(1000L, key.getBytes(StandardCharsets.UTF_8), values[i].getBytes(StandardCharsets.UTF_8));
    }
    return MemoryRecords.withTransactionalRecords(Compression.NONE, pid, epoch, seq, r);
  }

  /** offset -> value of the data records (markers left out), and the markers as "offset:COMMIT/ABORT". */
  private static List<String> dump(PartitionLog log) throws Exception {
    List<String> out = new ArrayList<>();
    long next = log.logStartOffset();
    while (next < log.logEndOffset()) {
      MemoryRecords r = log.read(next, 1 << 20, Long.MAX_VALUE, true).records();
      long last = next - 1;
      for (MutableRecordBatch b : r.batches()) {
        assertTrue(b.isValid());
        for (Record rec : b) {
          if (b.isControlBatch()) {
            out.add(rec.offset() + ":" + EndTransactionMarker.deserialize(rec).controlType());
          } else {
            out.add(rec.offset() + ":" + StandardCharsets.UTF_8.decode(rec.value()));
          }
        }
        last = b.lastOffset();
      }
      next = last + 1;
    }
    return out;
  }

  @Test
  void lastStableOffsetFollowsOpenTransactionsAndTheirMarkers() throws Exception {
    try (PartitionLog log = open("t-0", LogConfig.defaults())) {
      log.append(TestBatches.plain(1L, "a", "b"), 0);                       // 0, 1
      assertEquals(2, log.lastStableOffset(2));
      log.append(txn(P1, (short) 0, 0, "k", "p1-0", "p1-1"), 0);             // 2, 3
      log.append(txn(P2, (short) 0, 0, "k", "p2-0"), 0);                     // 4
      assertEquals(2, log.openTransactionStart(P1));
      assertEquals(4, log.openTransactionStart(P2));
      assertEquals(2, log.lastStableOffset(5), "an open transaction holds the LSO at its first offset");
      assertEquals(1, log.lastStableOffset(1), "never above the high watermark");
      log.append(txn(P1, (short) 0, 2, "k", "p1-2"), 0);                     // 5, same transaction
      assertEquals(2, log.openTransactionStart(P1));

      var commit = log.appendTxnMarker(P1, (short) 0, 3, true, 0);           // 6
      assertEquals(6, commit.firstOffset());
      assertEquals(-1, log.openTransactionStart(P1));
      assertEquals(2, log.lastStableOffset(6), "the marker is not below the high watermark yet: not replicated");
      log.highWatermarkUpdated(7);
      log.append(TestBatches.plain(1L, "c"), 0);                             // 7: the writer applies the new HW
      assertEquals(4, log.lastStableOffset(8), "P2's open transaction is next");

      log.appendTxnMarker(P2, (short) 0, 3, false, 0);                       // 8: abort
      assertEquals(9, log.lastStableOffset(9));
      assertEquals(List.of(new AbortedTxn(P2, 4, 8, 9)), log.abortedTransactions(0, 9));
      assertEquals(List.of(), log.abortedTransactions(0, 4), "nothing of it below its first offset");
      assertEquals(List.of(), log.abortedTransactions(9, 10), "nor after its marker");
      assertEquals(List.of("0:a", "1:b", "2:p1-0", "3:p1-1", "4:p2-0", "5:p1-2", "6:COMMIT", "7:c", "8:ABORT"), dump(log));

      var producers = log.activeProducers();
      var p2 = producers.stream().filter(p -> p.producerId() == P2).findFirst().orElseThrow();
      assertEquals(3, p2.coordinatorEpoch());
      assertEquals(-1, p2.currentTxnStartOffset());
      assertEquals(0, p2.lastSequence());
    }
  }

  @Test
  void kafkasEpochAndStateRules() throws Exception {
    try (PartitionLog log = open("t-0", LogConfig.defaults())) {
      log.append(txn(P1, (short) 3, 0, "k", "x"), 0);
      assertThrows(InvalidTxnStateException.class, () -> log.append(TestBatches.idempotent(P1, (short) 3, 1, 1L, "plain"), 0),
          "a non-transactional write while the producer's transaction is open");
      assertThrows(InvalidProducerEpochException.class, () -> log.append(txn(P1, (short) 2, 1, "k", "zombie"), 0));
      assertThrows(InvalidProducerEpochException.class, () -> log.appendTxnMarker(P1, (short) 2, 5, true, 0));
      log.appendTxnMarker(P1, (short) 3, 5, false, 0);
      log.append(txn(P1, (short) 3, 1, "k", "y"), 0);
      assertThrows(TransactionCoordinatorFencedException.class, () -> log.appendTxnMarker(P1, (short) 3, 4, true, 0),
          "a coordinator epoch below the last marker's");
      assertEquals(2, log.openTransactionStart(P1), "nothing written by the refused marker");
      log.appendTxnMarker(P1, (short) 4, 6, true, 0); // a bumped producer epoch (the coordinator fenced and ended it)
      assertEquals(-1, log.openTransactionStart(P1));
      // a marker for a producer with no open transaction is written, and indexes nothing
      log.appendTxnMarker(P2, (short) 0, 6, false, 0);
      assertEquals(List.of(new AbortedTxn(P1, 0, 1, 2)), log.abortedTransactions(0, log.logEndOffset()));
    }
  }

  @Test
  void openTransactionsAndTheIndexSurviveACleanRestart() throws Exception {
    Path dir = root.resolve("t-0");
    try (PartitionLog log = open("t-0", small())) {
      writeMixedTransactions(log);
    }
    try (PartitionLog log = open("t-0", small())) {
      assertState(log);
    }
    assertTrue(Files.exists(dir.resolve(LogSegment.fileName(0, TransactionIndex.SUFFIX)))
        || txnIndexFiles(dir).size() > 0, "a .txnindex file exists");
  }

  @Test
  void recoveryRebuildsTheIndexAndTheOpenTransactions() throws Exception {
    Path dir = root.resolve("t-0");
    try (PartitionLog log = open("t-0", small())) {
      writeMixedTransactions(log);
      assertTrue(log.segmentCount() > 2, "several segments");
    }
    // an unclean stop that lost every index and snapshot: recovery from the first segment rebuilds them from the log
    for (Path p : txnIndexFiles(dir)) Files.delete(p);
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".snapshot")).toList()) Files.delete(p);
    }
    Files.delete(dir.resolve(PartitionLog.CLEAN_SHUTDOWN_FILE));
    Files.delete(dir.resolve(PartitionLog.RECOVERY_CHECKPOINT));
    try (PartitionLog log = open("t-0", small())) {
      assertState(log);
      assertFalse(txnIndexFiles(dir).isEmpty(), "the index files are back");
    }
  }

  @Test
  void retentionDeletesTheIndexWithItsSegment() throws Exception {
    Path dir = root.resolve("t-0");
    try (PartitionLog log = open("t-0", small())) {
      writeMixedTransactions(log);
      Path index = txnIndexFiles(dir).get(0);
      assertEquals(1, txnIndexFiles(dir).size());
      log.roll();
      log.deleteRecordsBefore(19); // every segment goes, the marker's too
      assertFalse(Files.exists(index), "the .txnindex went with its segment");
      assertEquals(List.of(), log.abortedTransactions(log.logStartOffset(), log.logEndOffset()));
      assertEquals(17, log.openTransactionStart(P1), "P1's transaction is still open");
      assertEquals(19, log.lastStableOffset(19), "but the last stable offset is never below the log start (Kafka)");
    }
  }

  @Test
  void truncationDropsIndexEntriesAndReopensTransactions() throws Exception {
    try (PartitionLog log = open("t-0", small())) {
      writeMixedTransactions(log);
      long abortAt = log.abortedTransactions(0, log.logEndOffset()).get(0).lastOffset();
      log.truncateTo(abortAt);
      assertEquals(List.of(), log.abortedTransactions(0, log.logEndOffset()));
      assertEquals(0, log.openTransactionStart(P2), "without its marker, P2's transaction is open again");
      assertEquals(0, log.lastStableOffset(log.logEndOffset()));
    }
  }

  @Test
  void aFollowerAppliesMarkersToItsProducerStateAndIndex() throws Exception {
    try (PartitionLog leader = open("leader-0", small()); PartitionLog follower = open("follower-0", small())) {
      writeMixedTransactions(leader);
      TestBatches.replicate(leader, follower, 700);
      follower.highWatermarkUpdated(follower.logEndOffset());
      assertState(follower);
      assertEquals(leader.abortedTransactions(0, leader.logEndOffset()), follower.abortedTransactions(0, follower.logEndOffset()));
    }
  }

  @Test
  void compactionDropsAbortedRecordsAndKeepsMarkers() throws Exception {
    LogConfig c = LogConfig.defaults().withOverrides(Map.of("segment.bytes", "400", "cleanup.policy", "compact",
        "index.interval.bytes", "64"));
    try (PartitionLog log = open("c-0", c)) {
      log.append(txn(P1, (short) 0, 0, "a", "committed-a"), 0);          // 0
      log.append(txn(P2, (short) 0, 0, "b", "aborted-b"), 0);            // 1
      log.append(txn(P2, (short) 0, 1, "a", "aborted-a"), 0);            // 2: must not supersede offset 0
      log.appendTxnMarker(P1, (short) 0, 0, true, 0);                    // 3
      log.appendTxnMarker(P2, (short) 0, 0, false, 0);                   // 4
      log.append(txn(P1, (short) 0, 1, "c", "open-c"), 0);               // 5: open, and never cleaned
      for (int i = 0; i < 12; i++) log.append(TestBatches.plain(1L, "filler-" + i), 0);
      log.roll();
      log.highWatermarkUpdated(log.logEndOffset());
      log.compact(clock.getAsLong());
      List<String> after = dump(log);
      assertTrue(after.contains("0:committed-a"), after.toString());
      assertFalse(after.contains("1:aborted-b"), after.toString());
      assertFalse(after.contains("2:aborted-a"), after.toString());
      assertTrue(after.contains("3:COMMIT") && after.contains("4:ABORT"), "markers are kept: " + after);
      assertTrue(after.contains("5:open-c"), after.toString());
      assertEquals(5, log.openTransactionStart(P1));
      // P2's last batch stays, empty, so that its epoch and sequence can be rebuilt from the log (Kafka's rule)
      List<String> batches = new ArrayList<>();
      for (MutableRecordBatch b : log.read(0, 1 << 20, Long.MAX_VALUE, true).records().batches()) {
        batches.add(b.baseOffset() + ".." + b.lastOffset() + " pid " + b.producerId() + " records " + b.countOrNull());
      }
      assertFalse(batches.stream().anyMatch(b -> b.startsWith("1..1")), batches.toString());
      assertTrue(batches.contains("2..2 pid " + P2 + " records 0"), batches.toString());
    }
    Path dir = root.resolve("c-0");
    try (Stream<Path> files = Files.list(dir)) {
      for (Path p : files.filter(f -> f.toString().endsWith(".snapshot")).toList()) Files.delete(p);
    }
    try (PartitionLog log = open("c-0", c)) {
      var p2 = log.activeProducers().stream().filter(p -> p.producerId() == P2).findFirst().orElseThrow();
      assertEquals(1, p2.lastSequence(), "rebuilt from the emptied batch");
      assertEquals(5, log.openTransactionStart(P1));
    }
  }

  /**
   * P2 opens at 0 and is aborted later; P1 commits a transaction in between; P1 then opens another that stays open.
   * Rolls several segments on the way (segment.bytes 600).
   */
  private void writeMixedTransactions(PartitionLog log) throws Exception {
    log.append(txn(P2, (short) 1, 0, "k", "p2-a"), 0);                  // 0
    for (int i = 0; i < 6; i++) log.append(TestBatches.plain(1L, "plain-" + i), 0);  // 1..6
    log.append(txn(P1, (short) 0, 0, "k", "p1-a"), 0);                  // 7
    log.appendTxnMarker(P1, (short) 0, 2, true, 0);                     // 8
    log.append(txn(P2, (short) 1, 1, "k", "p2-b"), 0);                  // 9
    for (int i = 0; i < 6; i++) log.append(TestBatches.plain(1L, "more-" + i), 0);   // 10..15
    log.appendTxnMarker(P2, (short) 1, 2, false, 0);                    // 16
    log.append(txn(P1, (short) 0, 1, "k", "p1-open"), 0);               // 17
    log.append(TestBatches.plain(1L, "tail"), 0);                       // 18
  }

  private static void assertState(PartitionLog log) {
    assertEquals(19, log.logEndOffset());
    assertEquals(List.of(new AbortedTxn(P2, 0, 16, 17)), log.abortedTransactions(0, 19));
    assertEquals(List.of(new AbortedTxn(P2, 0, 16, 17)), log.abortedTransactions(10, 12));
    assertEquals(17, log.openTransactionStart(P1));
    assertEquals(-1, log.openTransactionStart(P2));
    assertEquals(17, log.lastStableOffset(19));
  }

  private static List<Path> txnIndexFiles(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.toString().endsWith(TransactionIndex.SUFFIX)).toList();
    }
  }
}
