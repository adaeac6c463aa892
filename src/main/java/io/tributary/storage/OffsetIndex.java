package io.tributary.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * Sparse offset index of one segment ({@code .index}): 8-byte big-endian entries
 * {@code relativeOffset(int) → position(int)}, relative to the segment's base offset, one entry per
 * {@code index.interval.bytes} of log, pointing at the start of a batch.
 *
 * <p>Kept in memory and written to its file on roll, flush and close; the file is disposable:
 * {@link #load} returns null when it fails the sanity check and the segment rebuilds it from the
 * log. Storage, publication to readers and persistence are {@link AbstractIndex}'s.
 */
final class OffsetIndex extends AbstractIndex {
  static final int ENTRY = 8;
  private static final int INITIAL_ENTRIES = 16;

  private OffsetIndex(Path file, long baseOffset, int maxIndexBytes, byte[] fileContent) {
    super(file, baseOffset, ENTRY, maxIndexBytes, fileContent, INITIAL_ENTRIES);
  }

  static OffsetIndex empty(Path file, long baseOffset, int maxIndexBytes) {
    return new OffsetIndex(file, baseOffset, maxIndexBytes, new byte[0]);
  }

  /** Reads the index file; null if it is missing or fails the sanity check. */
  static OffsetIndex load(Path file, long baseOffset, int maxIndexBytes, long logSize) throws IOException {
    return loadIfSane(file, ENTRY, logSize, bytes -> new OffsetIndex(file, baseOffset, maxIndexBytes, bytes));
  }

  /** Offsets and positions strictly increasing, positions inside the log ({@code bound} is its size). */
  @Override
  boolean isSaneEntry(int n, long bound) {
    long rel = keyAt(n);
    long pos = valueAt(n);
    long prevRel = n == 0 ? -1 : keyAt(n - 1);
    long prevPos = n == 0 ? -1 : valueAt(n - 1);
    return rel > prevRel && pos > prevPos && pos < bound;
  }

  @Override
  long key(ByteBuffer buf, int at) {
    return buf.getInt(at);
  }

  @Override
  long value(ByteBuffer buf, int at) {
    return buf.getInt(at + 4);
  }

  @Override
  void write(ByteBuffer buf, int at, long relativeOffset, long position) {
    buf.putInt(at, (int) relativeOffset).putInt(at + 4, (int) position);
  }

  /** Adds an entry (writer only). Offsets and positions must be increasing. */
  void append(long offset, int position) {
    int n = entries();
    int rel = (int) (offset - baseOffset);
    if (n > 0 && (rel <= keyAt(n - 1) || position <= valueAt(n - 1))) {
      return;
    }
    appendEntry(rel, position);
  }

  /** Position of the batch at the largest indexed offset <= {@code offset}, or 0. */
  int lookup(long offset) {
    int n = lastEntryAtMost(offset - baseOffset);
    return n < 0 ? 0 : (int) valueAt(n);
  }

  /** Position of the last entry, or 0. */
  int lastPosition() {
    int n = entries();
    return n == 0 ? 0 : (int) valueAt(n - 1);
  }
}
