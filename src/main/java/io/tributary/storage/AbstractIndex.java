package io.tributary.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.Function;

/**
 * What {@link OffsetIndex} and {@link TimeIndex} share (after Kafka's {@code kafka.log.AbstractIndex}):
 * a file of fixed-size big-endian entries of one segment, each a key (ascending) and a value,
 * loaded with a sanity check, appended to by the writer, binary-searched by readers, and written
 * back to its file.
 *
 * <p>The entries are held in a heap buffer laid out exactly as the file, so loading copies the
 * file in and {@link #persist} copies the new tail out. Unlike Kafka's memory map, the buffer
 * grows on demand (doubling) up to {@code maxEntries}, where the segment rolls.
 *
 * <p>Thread-safety: one writer ({@link #appendEntry}, {@link #persist}, {@link #force}); readers
 * need no locks: the writer writes an entry, then the volatile {@code count}, and replaces the
 * buffer (a grown copy) through its volatile reference before writing into it; readers read
 * {@code count} first. Entries are never changed once written.
 */
abstract class AbstractIndex {
  private final Path file;
  final long baseOffset;
  private final int entrySize;
  private final int maxEntries;
  private volatile ByteBuffer entries;
  private volatile int count;
  private int persisted; // entries already in the file (writer only)

  /**
   * @param fileContent whole entries read from the file (they count as persisted), or none
   * @param initialEntries room to allocate when the content is smaller
   */
  AbstractIndex(Path file, long baseOffset, int entrySize, int maxIndexBytes, byte[] fileContent, int initialEntries) {
    int n = fileContent.length / entrySize;
    this.file = file;
    this.baseOffset = baseOffset;
    this.entrySize = entrySize;
    this.maxEntries = Math.max(1, Math.max(maxIndexBytes / entrySize, n));
    this.entries = ByteBuffer.wrap(Arrays.copyOf(fileContent, Math.max(initialEntries, n) * entrySize));
    this.count = n;
    this.persisted = n;
  }

  /**
   * Reads an index file through {@code create}; null if it is missing, not a whole number of
   * entries, or an entry fails {@link #isSaneEntry} (the caller then rebuilds it from the log).
   */
  static <I extends AbstractIndex> I loadIfSane(Path file, int entrySize, long bound, Function<byte[], I> create)
      throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    byte[] bytes = Files.readAllBytes(file);
    if (bytes.length % entrySize != 0) {
      return null;
    }
    I index = create.apply(bytes);
    for (int n = 0; n < index.entries(); n++) {
      if (!index.isSaneEntry(n, bound)) {
        return null;
      }
    }
    return index;
  }

  /** Key of the entry at byte {@code at} of {@code buf}: what lookups search by, ascending. */
  abstract long key(ByteBuffer buf, int at);

  /** Value of the entry at byte {@code at} of {@code buf}. */
  abstract long value(ByteBuffer buf, int at);

  /** Writes an entry in the file's layout at byte {@code at}. */
  abstract void write(ByteBuffer buf, int at, long key, long value);

  /** Load-time check of entry {@code n} against entry {@code n - 1} (if any) and {@code bound}. */
  abstract boolean isSaneEntry(int n, long bound);

  final boolean isFull() {
    return count >= maxEntries;
  }

  /** Number of entries. */
  final int entries() {
    return count;
  }

  final long keyAt(int n) {
    return key(entries, n * entrySize);
  }

  final long valueAt(int n) {
    return value(entries, n * entrySize);
  }

  /** Adds an entry after the last one (writer only); the subclass checks that it belongs there. */
  final void appendEntry(long key, long value) {
    int n = count;
    ByteBuffer e = entries;
    if ((n + 1) * entrySize > e.capacity()) {
      e = ByteBuffer.wrap(Arrays.copyOf(e.array(), e.capacity() * 2));
      entries = e;
    }
    write(e, n * entrySize, key, value);
    count = n + 1;
  }

  /** The last entry whose key is <= {@code target}, or -1 (Kafka's largestLowerBoundSlotFor). */
  final int lastEntryAtMost(long target) {
    return search(target, true);
  }

  /** The last entry whose key is < {@code target}, or -1. */
  final int lastEntryBelow(long target) {
    return search(target, false);
  }

  private int search(long target, boolean inclusive) {
    int n = count;
    ByteBuffer e = entries;
    int lo = 0;
    int hi = n - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      long k = key(e, mid * entrySize);
      if (k < target || (inclusive && k == target)) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  /** Writes entries not yet in the file (writer only); creates the file even when there are none. */
  final void persist() throws IOException {
    int n = count;
    if (n == persisted && Files.exists(file)) {
      return;
    }
    ByteBuffer b = entries.slice(persisted * entrySize, (n - persisted) * entrySize);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      if (persisted == 0) {
        ch.truncate(0);
      }
      long at = (long) persisted * entrySize;
      while (b.hasRemaining()) {
        at += ch.write(b, at);
      }
    }
    persisted = n;
  }

  /** fsync of the index file (after {@link #persist}). */
  final void force() throws IOException {
    if (Files.exists(file)) {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
    }
  }
}
