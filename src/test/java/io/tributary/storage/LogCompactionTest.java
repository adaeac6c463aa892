package io.tributary.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogCompactionTest {
  @TempDir
  Path root;

  private static MemoryRecords kv(boolean gzip, String key, String value) {
    SimpleRecord r = new SimpleRecord(1000, key.getBytes(StandardCharsets.UTF_8),
        value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    return MemoryRecords.withRecords(gzip ? Compression.gzip().build() : Compression.NONE, r);
  }

  /** offset -> "key=value" of everything readable. */
  private static Map<Long, String> dump(PartitionLog log) throws Exception {
    Map<Long, String> out = new LinkedHashMap<>();
    long next = log.logStartOffset();
    while (next < log.logEndOffset()) {
      MemoryRecords r = log.read(next, 1 << 20, Long.MAX_VALUE, true).records();
      long last = next - 1;
      for (MutableRecordBatch b : r.batches()) {
        assertTrue(b.isValid());
        for (Record rec : b) {
          out.put(rec.offset(), StandardCharsets.UTF_8.decode(rec.key()) + "="
              + (rec.hasValue() ? StandardCharsets.UTF_8.decode(rec.value()) : "null"));
        }
        last = b.lastOffset();
      }
      next = last + 1;
    }
    return out;
  }

  @Test
  void keepsTheLastRecordPerKeyAndTombstones() throws Exception {
    LogConfig c = LogConfig.defaults().withOverrides(Map.of("segment.bytes", "1024", "cleanup.policy", "compact",
        "index.interval.bytes", "64"));
    Path dir = root.resolve("compacted-0");
    Map<String, Long> lastOffset = new LinkedHashMap<>();
    try (PartitionLog log = PartitionLog.open(dir, c, () -> 5000L)) {
      for (int i = 0; i < 200; i++) {
        String key = i == 50 ? "gone" : "k" + (i % 7);
        String value = i == 50 ? null : "v" + i;
        long off = log.append(kv(i % 2 == 0, key, value), 0).firstOffset();
        lastOffset.put(key, off);
      }
      assertTrue(log.segmentCount() > 3);
      long activeBase;
      try (var files = java.nio.file.Files.list(dir)) {
        activeBase = files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log"))
            .mapToLong(n -> Long.parseLong(n.substring(0, 20))).max().orElseThrow();
      }
      Map<Long, String> before = dump(log);
      assertEquals(200, before.size());
      long sizeBefore = log.sizeInBytes();
      log.enforceRetention(5000L);
      assertTrue(log.sizeInBytes() < sizeBefore);
      Map<Long, String> after = dump(log);
      // every record that survived is unchanged at its original offset
      after.forEach((off, kv) -> assertEquals(before.get(off), kv));
      // every key's last record survived
      lastOffset.forEach((k, off) -> assertTrue(after.containsKey(off), k + " at " + off));
      // below the active segment, each key appears at most once
      Map<String, Long> seen = new LinkedHashMap<>();
      after.forEach((off, kv) -> {
        if (off < activeBase) {
          assertNull(seen.put(kv.substring(0, kv.indexOf('=')), off), "duplicate key " + kv);
        }
      });
      assertEquals("gone=null", after.get(50L)); // the tombstone is kept
      assertTrue(after.size() < 200 - 30, "kept " + after.size());
      assertEquals(0, log.compact(5000L)); // nothing new to clean
      assertEquals(200, log.append(kv(false, "k0", "new"), 0).firstOffset());
    }
    try (PartitionLog log = PartitionLog.open(dir, c, () -> 5000L)) {
      Map<Long, String> again = dump(log);
      assertEquals("k0=new", again.get(200L));
      assertEquals(201, log.logEndOffset());
    }
  }
}
