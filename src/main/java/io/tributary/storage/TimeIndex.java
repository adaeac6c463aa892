package io.tributary.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Time index of one segment ({@code .timeindex}): 12-byte big-endian entries
 * {@code timestamp(long) → relativeOffset(int)} with strictly increasing timestamps: each entry is
 * a new maximum timestamp of the segment and the base offset of the batch that reached it, so every
 * batch before that batch has a smaller maximum timestamp. The last entry is the segment's largest
 * timestamp once the segment is rolled or closed.
 *
 * <p>Kept in memory and written to its file on roll, flush and close; disposable like
 * {@link OffsetIndex}.
 *
 * <p>Thread-safety: one writer; lookups from any thread without locks (volatile publication).
 */
final class TimeIndex {
  static final int ENTRY = 12;

  private final Path file;
  private final long baseOffset;
  private final int maxEntries;
  private volatile long[] entries; // interleaved: timestamp, relative offset
  private volatile int count;
  private int persisted;

  private TimeIndex(Path file, long baseOffset, int maxEntries, long[] entries, int count, int persisted) {
    this.file = file;
    this.baseOffset = baseOffset;
    this.maxEntries = Math.max(1, maxEntries);
    this.entries = entries;
    this.count = count;
    this.persisted = persisted;
  }

  static TimeIndex empty(Path file, long baseOffset, int maxIndexBytes) {
    return new TimeIndex(file, baseOffset, maxIndexBytes / ENTRY, new long[16], 0, 0);
  }

  /** Reads the index file; null if missing or failing the sanity check. */
  static TimeIndex load(Path file, long baseOffset, int maxIndexBytes, long lastOffsetBound) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length % ENTRY != 0) {
      return null;
    }
    int n = bytes.length / ENTRY;
    ByteBuffer b = ByteBuffer.wrap(bytes);
    long[] e = new long[Math.max(16, n * 2)];
    long prevTs = Long.MIN_VALUE;
    long prevRel = -1;
    for (int i = 0; i < n; i++) {
      long ts = b.getLong();
      int rel = b.getInt();
      if (ts <= prevTs || rel < prevRel || rel < 0 || baseOffset + rel > lastOffsetBound) {
        return null;
      }
      e[2 * i] = ts;
      e[2 * i + 1] = rel;
      prevTs = ts;
      prevRel = rel;
    }
    return new TimeIndex(file, baseOffset, Math.max(maxIndexBytes / ENTRY, n), e, n, n);
  }

  /** Adds an entry if {@code timestamp} is a new maximum (writer only). */
  void maybeAppend(long timestamp, long offset) {
    int c = count;
    long[] e = entries;
    if (c > 0 && timestamp <= e[2 * c - 2]) {
      return;
    }
    if (2 * c + 2 > e.length) {
      e = Arrays.copyOf(e, e.length * 2);
      entries = e;
    }
    e[2 * c] = timestamp;
    e[2 * c + 1] = offset - baseOffset;
    count = c + 1;
  }

  boolean isFull() {
    return count >= maxEntries;
  }

  int entries() {
    return count;
  }

  /** Largest timestamp in the index, or -1. */
  long lastTimestamp() {
    int c = count;
    return c == 0 ? -1 : entries[2 * c - 2];
  }

  /** Offset of the last entry, or -1. */
  long lastEntryOffset() {
    int c = count;
    return c == 0 ? -1 : baseOffset + entries[2 * c - 1];
  }

  /**
   * Offset of the entry with the largest timestamp strictly below {@code timestamp}, or -1 when
   * there is none. Every batch up to and including the returned entry's batch has a maximum
   * timestamp below {@code timestamp}, so the first record with timestamp >= {@code timestamp}
   * lies after the returned offset: a scan may start at that batch.
   */
  long lookupBefore(long timestamp) {
    int c = count;
    long[] e = entries;
    int lo = 0;
    int hi = c - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (e[2 * mid] < timestamp) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? -1 : baseOffset + e[2 * found + 1];
  }

  /** Writes entries not yet in the file (writer only). */
  void persist() throws IOException {
    int c = count;
    if (c == persisted && Files.exists(file)) {
      return;
    }
    long[] e = entries;
    ByteBuffer b = ByteBuffer.allocate((c - persisted) * ENTRY);
    for (int i = persisted; i < c; i++) {
      b.putLong(e[2 * i]).putInt((int) e[2 * i + 1]);
    }
    b.flip();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      if (persisted == 0) {
        ch.truncate(0);
      }
      long at = (long) persisted * ENTRY;
      while (b.hasRemaining()) {
        at += ch.write(b, at);
      }
    }
    persisted = c;
  }

  void force() throws IOException {
    if (Files.exists(file)) {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
    }
  }
}
