package io.tributary.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Sparse offset index of one segment ({@code .index}): 8-byte big-endian entries
 * {@code relativeOffset(int) → position(int)}, relative to the segment's base offset, one entry per
 * {@code index.interval.bytes} of log, pointing at the start of a batch.
 *
 * <p>Kept in memory (a growable int array) and written to its file on roll, flush and close; the
 * file is disposable: {@link #load} returns null when it fails the sanity check and the segment
 * rebuilds it from the log.
 *
 * <p>Thread-safety: one writer ({@link #append}, {@link #persist}); {@link #lookup} and the other
 * getters are safe from any thread without locks (entries are published through a volatile count
 * written after the entry and a volatile array reference written before it).
 */
final class OffsetIndex {
  static final int ENTRY = 8;

  private final Path file;
  private final long baseOffset;
  private final int maxEntries;
  private volatile int[] entries; // interleaved: rel, pos
  private volatile int count;
  private int persisted;

  private OffsetIndex(Path file, long baseOffset, int maxEntries, int[] entries, int count, int persisted) {
    this.file = file;
    this.baseOffset = baseOffset;
    this.maxEntries = Math.max(1, maxEntries);
    this.entries = entries;
    this.count = count;
    this.persisted = persisted;
  }

  static OffsetIndex empty(Path file, long baseOffset, int maxIndexBytes) {
    return new OffsetIndex(file, baseOffset, maxIndexBytes / ENTRY, new int[32], 0, 0);
  }

  /** Reads the index file; null if it is missing or fails the sanity check. */
  static OffsetIndex load(Path file, long baseOffset, int maxIndexBytes, long logSize) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length % ENTRY != 0) {
      return null;
    }
    int n = bytes.length / ENTRY;
    ByteBuffer b = ByteBuffer.wrap(bytes);
    int[] e = new int[Math.max(32, n * 2)];
    int prevRel = -1;
    int prevPos = -1;
    for (int i = 0; i < n; i++) {
      int rel = b.getInt();
      int pos = b.getInt();
      if (rel <= prevRel || pos <= prevPos || pos >= logSize) {
        return null;
      }
      e[2 * i] = rel;
      e[2 * i + 1] = pos;
      prevRel = rel;
      prevPos = pos;
    }
    return new OffsetIndex(file, baseOffset, Math.max(maxIndexBytes / ENTRY, n), e, n, n);
  }

  /** Adds an entry (writer only). Offsets and positions must be increasing. */
  void append(long offset, int position) {
    int c = count;
    int rel = (int) (offset - baseOffset);
    if (c > 0 && (rel <= entries[2 * c - 2] || position <= entries[2 * c - 1])) {
      return;
    }
    int[] e = entries;
    if (2 * c + 2 > e.length) {
      e = Arrays.copyOf(e, e.length * 2);
      entries = e;
    }
    e[2 * c] = rel;
    e[2 * c + 1] = position;
    count = c + 1;
  }

  boolean isFull() {
    return count >= maxEntries;
  }

  int entries() {
    return count;
  }

  /** Position of the batch at the largest indexed offset <= {@code offset}, or 0. */
  int lookup(long offset) {
    int c = count;
    int[] e = entries;
    long rel = offset - baseOffset;
    int lo = 0;
    int hi = c - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (e[2 * mid] <= rel) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? 0 : e[2 * found + 1];
  }

  /** Position of the last entry, or 0. */
  int lastPosition() {
    int c = count;
    return c == 0 ? 0 : entries[2 * c - 1];
  }

  /** Writes entries not yet in the file (writer only). */
  void persist() throws IOException {
    int c = count;
    if (c == persisted && Files.exists(file)) {
      return;
    }
    int[] e = entries;
    ByteBuffer b = ByteBuffer.allocate((c - persisted) * ENTRY);
    for (int i = persisted; i < c; i++) {
      b.putInt(e[2 * i]).putInt(e[2 * i + 1]);
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

  /** fsync of the index file (after {@link #persist}). */
  void force() throws IOException {
    if (Files.exists(file)) {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
    }
  }
}
