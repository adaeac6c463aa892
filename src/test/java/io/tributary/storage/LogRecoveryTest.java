package io.tributary.storage;

import static io.tributary.storage.TestBatches.gzip;
import static io.tributary.storage.TestBatches.plain;
import static io.tributary.storage.TestBatches.readAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogRecoveryTest {
  @TempDir
  Path root;

  private final TestBatches.Clock clock = new TestBatches.Clock(5_000_000L);

  private Path dir() {
    return root.resolve("topic-3");
  }

  private static LogConfig small() {
    return LogConfig.defaults().withOverrides(Map.of("segment.bytes", "1024", "index.interval.bytes", "100"));
  }

  private PartitionLog open() throws Exception {
    return PartitionLog.open(dir(), small(), clock);
  }

  /** Appends n two-record batches and returns the start position of every batch in the active segment's file. */
  private List<String> fill(PartitionLog log, int n) throws Exception {
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long first = i % 2 == 0 ? log.append(plain(clock.getAsLong() + i, "a" + i, "b" + i), 0).firstOffset()
          : log.append(gzip(clock.getAsLong() + i, "a" + i, "b" + i), 0).firstOffset();
      expected.add(first + ":a" + i);
      expected.add((first + 1) + ":b" + i);
    }
    return expected;
  }

  private Path lastSegment() throws Exception {
    try (Stream<Path> s = Files.list(dir())) {
      return s.filter(p -> p.toString().endsWith(".log")).sorted().reduce((a, b) -> b).orElseThrow();
    }
  }

  private List<Path> segmentFiles(String suffix) throws Exception {
    try (Stream<Path> s = Files.list(dir())) {
      return s.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
    }
  }

  /** Base offset and file position of the last batch of a segment file. */
  private static long[] lastBatch(Path logFile) throws Exception {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(logFile));
    int pos = 0;
    int lastPos = -1;
    while (pos < b.limit()) {
      lastPos = pos;
      pos += b.getInt(pos + 8) + 12;
    }
    return new long[] {b.getLong(lastPos), lastPos};
  }

  @Test
  void tornTailIsTruncatedAndAppendsContinue() throws Exception {
    PartitionLog crashed = open();
    List<String> expected = fill(crashed, 40);
    assertTrue(crashed.segmentCount() > 1);
    Path seg = lastSegment();
    long[] last = lastBatch(seg);
    long size = Files.size(seg);
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
      ch.truncate(last[1] + (size - last[1]) / 2); // cut the last batch in half
    }
    try (PartitionLog log = open()) {
      assertEquals(last[0], log.logEndOffset());
      assertEquals(expected.subList(0, (int) last[0]), readAll(log, 0));
      assertEquals(last[0], log.append(plain(1, "again"), 0).firstOffset());
      assertEquals(last[0] + ":again", readAll(log, last[0]).get(0));
    }
    try (PartitionLog log = open()) { // clean reopen after the recovery
      assertEquals(last[0] + 1, log.logEndOffset());
    }
  }

  @Test
  void garbageTailIsTruncated() throws Exception {
    PartitionLog crashed = open();
    List<String> expected = fill(crashed, 30);
    Path seg = lastSegment();
    long[] last = lastBatch(seg);
    long size = Files.size(seg);
    byte[] junk = new byte[(int) (size - last[1]) + 100];
    new Random(7).nextBytes(junk);
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(junk), last[1]); // overwrite the last batch and run past it
    }
    try (PartitionLog log = open()) {
      assertEquals(last[0], log.logEndOffset());
      assertEquals(expected.subList(0, (int) last[0]), readAll(log, 0));
      assertEquals(last[0], log.append(plain(1, "x"), 0).firstOffset());
    }
  }

  @Test
  void corruptCrcInTheMiddleCutsThereAndDropsLaterSegments() throws Exception {
    PartitionLog crashed = open();
    List<String> expected = fill(crashed, 60);
    List<Path> logs = segmentFiles(".log");
    assertTrue(logs.size() >= 4);
    Path victim = logs.get(1);
    long victimBase = Long.parseLong(victim.getFileName().toString().substring(0, 20));
    // flip a byte inside the second batch of the second segment (within the CRC-covered part)
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(victim));
    int second = b.getInt(8) + 12;
    int secondSize = b.getInt(second + 8) + 12;
    long secondBase = b.getLong(second);
    try (FileChannel ch = FileChannel.open(victim, StandardOpenOption.WRITE)) {
      int at = second + secondSize - 2;
      ch.write(ByteBuffer.wrap(new byte[] {(byte) (b.get(at) ^ 0x1)}), at);
    }
    assertTrue(secondBase > victimBase);
    try (PartitionLog log = open()) {
      assertEquals(secondBase, log.logEndOffset());
      assertEquals(2, log.segmentCount());
      assertEquals(expected.subList(0, (int) secondBase), readAll(log, 0));
      assertEquals(secondBase, log.append(plain(1, "y"), 0).firstOffset());
    }
  }

  @Test
  void cleanMarkerWithTornTailStillRecovers() throws Exception {
    try (PartitionLog log = open()) {
      fill(log, 10);
    }
    Path seg = lastSegment();
    long[] last = lastBatch(seg);
    try (FileChannel ch = FileChannel.open(seg, StandardOpenOption.WRITE)) {
      ch.truncate(last[1] + 20);
    }
    assertTrue(Files.exists(dir().resolve(PartitionLog.CLEAN_SHUTDOWN_FILE)));
    try (PartitionLog log = open()) {
      assertFalse(Files.exists(dir().resolve(PartitionLog.CLEAN_SHUTDOWN_FILE)));
      assertEquals(last[0], log.logEndOffset());
    }
  }

  @Test
  void missingOrCorruptIndexesAreRebuilt() throws Exception {
    List<String> expected;
    try (PartitionLog log = open()) {
      expected = fill(log, 60);
    }
    List<Path> indexes = segmentFiles(".index");
    List<Path> timeIndexes = segmentFiles(".timeindex");
    assertTrue(indexes.size() >= 4);
    assertTrue(Files.size(indexes.get(1)) > 0);
    Files.delete(indexes.get(0));
    Files.delete(timeIndexes.get(0));
    Files.write(indexes.get(1), new byte[] {1, 2, 3, 4, 5, 6, 7}); // not a multiple of 8
    Files.write(indexes.get(2), new byte[] {0, 0, 0, 9, 0, 0, 0, 100, 0, 0, 0, 3, 0, 0, 0, 50}); // not increasing
    Files.write(timeIndexes.get(3), new byte[24]); // timestamps not increasing
    try (PartitionLog log = open()) {
      assertEquals(expected, readAll(log, 0));
      long t = clock.getAsLong();
      assertEquals(Optional.of(new PartitionLog.TimestampOffset(t + 37, 74)), log.offsetForTimestamp(t + 37));
      assertEquals(Optional.of(new PartitionLog.TimestampOffset(t + 59, 118)), log.maxTimestamp());
    }
    assertTrue(Files.exists(indexes.get(0)));
    assertTrue(Files.size(indexes.get(1)) % 8 == 0 && Files.size(indexes.get(1)) > 0);
  }

  @Test
  void reopenEmptyLogAndStrayFiles() throws Exception {
    try (PartitionLog log = open()) {
      assertEquals(0, log.logEndOffset());
    }
    Files.write(dir().resolve("00000000000000000500.index"), new byte[8]);
    Files.write(dir().resolve("foo.tmp"), new byte[3]);
    try (PartitionLog log = open()) {
      assertEquals(0, log.logEndOffset());
      assertEquals(0, log.append(plain(1, "a"), 0).firstOffset());
    }
    assertFalse(Files.exists(dir().resolve("00000000000000000500.index")));
    assertFalse(Files.exists(dir().resolve("foo.tmp")));
    assertTrue(Files.exists(dir().resolve("00000000000000000000.log")));
  }

  @Test
  void uncleanReopenWithoutDamageKeepsEverything() throws Exception {
    PartitionLog crashed = open();
    List<String> expected = fill(crashed, 25);
    crashed.flush();
    expected.addAll(fill(crashed, 5));
    try (PartitionLog log = open()) {
      assertEquals(60, log.logEndOffset());
      assertEquals(expected, readAll(log, 0));
    }
  }
}
