package io.tributary.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;

/** Builders and readers for test batches. */
final class TestBatches {
  private TestBatches() {}

  static SimpleRecord rec(long ts, String value) {
    return new SimpleRecord(ts, ("k-" + value).getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
  }

  static SimpleRecord[] recs(long ts, String prefix, int n) {
    SimpleRecord[] r = new SimpleRecord[n];
    for (int i = 0; i < n; i++) {
      r[i] = rec(ts, prefix + i);
    }
    return r;
  }

  static MemoryRecords plain(long ts, String... values) {
    SimpleRecord[] r = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) {
      r[i] = rec(ts, values[i]);
    }
    return MemoryRecords.withRecords(Compression.NONE, r);
  }

  static MemoryRecords gzip(long ts, String... values) {
    SimpleRecord[] r = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) {
      r[i] = rec(ts, values[i]);
    }
    return MemoryRecords.withRecords(Compression.gzip().build(), r);
  }

  static MemoryRecords idempotent(long pid, short epoch, int seq, long ts, String... values) {
    SimpleRecord[] r = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) {
      r[i] = rec(ts, values[i]);
    }
    return MemoryRecords.withIdempotentRecords(Compression.NONE, pid, epoch, seq, r);
  }

  /** Values and offsets of all records, checking every batch's CRC. */
  static List<String> values(MemoryRecords records) {
    List<String> out = new ArrayList<>();
    for (MutableRecordBatch b : records.batches()) {
      assertTrue(b.isValid(), "CRC must still be valid after offset patching");
      for (Record r : b) {
        out.add(r.offset() + ":" + StandardCharsets.UTF_8.decode(r.value()));
      }
    }
    return out;
  }

  /** Reads the whole log from {@code from} with a big buffer, following segments. */
  static List<String> readAll(PartitionLog log, long from) throws Exception {
    List<String> out = new ArrayList<>();
    long next = from;
    while (next < log.logEndOffset()) {
      MemoryRecords r = log.read(next, 1 << 20, Long.MAX_VALUE, true).records();
      long last = -1;
      for (MutableRecordBatch b : r.batches()) {
        assertTrue(b.isValid());
        for (Record rec : b) {
          if (rec.offset() >= next) {
            out.add(rec.offset() + ":" + StandardCharsets.UTF_8.decode(rec.value()));
          }
        }
        last = b.lastOffset();
      }
      assertTrue(last >= next, "read made no progress at " + next);
      next = last + 1;
    }
    assertEquals(log.logEndOffset(), next);
    return out;
  }

  /** A batch as a leader stored it: records at offsets from {@code baseOffset}, stamped with {@code leaderEpoch}. */
  static MemoryRecords stored(long baseOffset, int leaderEpoch, long ts, String... values) {
    SimpleRecord[] r = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) {
      r[i] = rec(ts, values[i]);
    }
    return MemoryRecords.withRecords(baseOffset, Compression.NONE, leaderEpoch, r);
  }

  /** The batches of {@code parts} one after the other, as one fetch response carries them. */
  static MemoryRecords concat(MemoryRecords... parts) {
    int size = 0;
    for (MemoryRecords p : parts) {
      size += p.sizeInBytes();
    }
    ByteBuffer all = ByteBuffer.allocate(size);
    for (MemoryRecords p : parts) {
      all.put(p.buffer());
    }
    return MemoryRecords.readableRecords(all.flip());
  }

  /** The stored bytes of every batch from {@code from} to the log end, one buffer per batch. */
  static List<ByteBuffer> rawBatches(PartitionLog log, long from) throws Exception {
    List<ByteBuffer> out = new ArrayList<>();
    long next = from;
    while (next < log.logEndOffset()) {
      ByteBuffer b = log.read(next, 1 << 20, Long.MAX_VALUE, true).records().buffer();
      assertTrue(b.hasRemaining(), "nothing read at " + next);
      for (int p = b.position(); p < b.limit(); ) {
        int size = b.getInt(p + 8) + 12;
        out.add(b.duplicate().limit(p + size).position(p).slice());
        next = b.getLong(p) + b.getInt(p + 23) + 1;
        p += size;
      }
    }
    return out;
  }

  /**
   * Copies {@code leader}'s log into {@code follower} as a follower's fetcher would: a read of at most
   * {@code maxBytes} from the follower's log end, appended as it is, until the follower has caught up.
   */
  static void replicate(PartitionLog leader, PartitionLog follower, int maxBytes) throws Exception {
    while (follower.logEndOffset() < leader.logEndOffset()) {
      MemoryRecords fetched = leader.read(follower.logEndOffset(), maxBytes, Long.MAX_VALUE, true).records();
      assertTrue(fetched.sizeInBytes() > 0, "leader returned nothing at " + follower.logEndOffset());
      PartitionLog.AppendResult r = follower.appendAsFollower(fetched);
      assertEquals(follower.logEndOffset() - 1, r.lastOffset());
    }
  }

  /** Producer id -> "epoch lastTimestamp [batches]" of a log's producer state. */
  static Map<Long, String> producerState(PartitionLog log) {
    Map<Long, String> out = new TreeMap<>();
    for (Iterator<Map.Entry<Long, ProducerStateManager.Entry>> it = log.producerState().iterator(); it.hasNext(); ) {
      Map.Entry<Long, ProducerStateManager.Entry> e = it.next();
      out.put(e.getKey(), e.getValue().epoch + " " + e.getValue().lastTimestamp + " " + e.getValue().batches);
    }
    return out;
  }

  /** A settable clock. */
  static final class Clock implements java.util.function.LongSupplier {
    final AtomicLong now;

    Clock(long start) {
      now = new AtomicLong(start);
    }

    @Override
    public long getAsLong() {
      return now.get();
    }

    void advance(long ms) {
      now.addAndGet(ms);
    }
  }
}
