package io.tributary.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Time index of one segment ({@code .timeindex}): 12-byte big-endian entries
 * {@code timestamp(long) → relativeOffset(int)} with strictly increasing timestamps: each entry is
 * a new maximum timestamp of the segment and the base offset of the batch that reached it, so every
 * batch before that batch has a smaller maximum timestamp. The last entry is the segment's largest
 * timestamp once the segment is rolled or closed.
 *
 * <p>Kept in memory and written to its file on roll, flush and close; disposable like
 * {@link OffsetIndex}. Storage, publication to readers and persistence are {@link AbstractIndex}'s.
 */
final class TimeIndex extends AbstractIndex {
  static final int ENTRY = 12;
  private static final int INITIAL_ENTRIES = 8;

  private TimeIndex(Path file, long baseOffset, int maxIndexBytes, byte[] fileContent) {
    super(file, baseOffset, ENTRY, maxIndexBytes, fileContent, INITIAL_ENTRIES);
  }

  static TimeIndex empty(Path file, long baseOffset, int maxIndexBytes) {
    return new TimeIndex(file, baseOffset, maxIndexBytes, new byte[0]);
  }

  /** Reads the index file; null if missing or failing the sanity check. */
  static TimeIndex load(Path file, long baseOffset, int maxIndexBytes, long lastOffsetBound) throws IOException {
    return loadIfSane(file, ENTRY, lastOffsetBound, bytes -> new TimeIndex(file, baseOffset, maxIndexBytes, bytes));
  }

  /**
   * Timestamps strictly increasing, relative offsets non-negative and not decreasing, offsets at
   * most {@code bound}.
   */
  @Override
  boolean isSaneEntry(int n, long bound) {
    long ts = keyAt(n);
    long rel = valueAt(n);
    long prevTs = n == 0 ? Long.MIN_VALUE : keyAt(n - 1);
    long prevRel = n == 0 ? -1 : valueAt(n - 1);
    return ts > prevTs && rel >= prevRel && rel >= 0 && baseOffset + rel <= bound;
  }

  @Override
  long key(ByteBuffer buf, int at) {
    return buf.getLong(at);
  }

  @Override
  long value(ByteBuffer buf, int at) {
    return buf.getInt(at + 8);
  }

  @Override
  void write(ByteBuffer buf, int at, long timestamp, long relativeOffset) {
    buf.putLong(at, timestamp).putInt(at + 8, (int) relativeOffset);
  }

  /** Adds an entry if {@code timestamp} is a new maximum (writer only). */
  void maybeAppend(long timestamp, long offset) {
    int n = entries();
    if (n > 0 && timestamp <= keyAt(n - 1)) {
      return;
    }
    appendEntry(timestamp, offset - baseOffset);
  }

  /** Largest timestamp in the index, or -1. */
  long lastTimestamp() {
    int n = entries();
    return n == 0 ? -1 : keyAt(n - 1);
  }

  /** Offset of the last entry, or -1. */
  long lastEntryOffset() {
    int n = entries();
    return n == 0 ? -1 : baseOffset + valueAt(n - 1);
  }

  /**
   * Offset of the entry with the largest timestamp strictly below {@code timestamp}, or -1 when
   * there is none. Every batch up to and including the returned entry's batch has a maximum
   * timestamp below {@code timestamp}, so the first record with timestamp >= {@code timestamp}
   * lies after the returned offset: a scan may start at that batch.
   */
  long lookupBefore(long timestamp) {
    int n = lastEntryBelow(timestamp);
    return n < 0 ? -1 : baseOffset + valueAt(n);
  }
}
