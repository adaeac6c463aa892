package io.tributary.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;
import org.apache.kafka.common.record.RecordBatch;

/**
 * Sequential walk over the batch headers of a segment file through a 64 KiB read-ahead buffer
 * (one positional read per buffer, not per batch). Used off the hot path: recovery, index
 * rebuilds, producer-state rebuilds, timestamp searches.
 *
 * <p>Not thread-safe: one instance per scan.
 */
final class FileBatchScanner {
  static final int OK = 1;
  static final int END = 0;
  static final int INVALID = -1;

  private final FileChannel ch;
  private final long end;
  private final ByteBuffer buf;
  private long bufStart;
  private long pos;
  private long nextPos;
  private int size;
  private int off;
  private String reason;

  FileBatchScanner(FileChannel ch, long start, long end) {
    this.ch = ch;
    this.end = end;
    this.buf = ByteBuffer.allocate(64 * 1024);
    this.buf.limit(0);
    this.bufStart = start;
    this.nextPos = start;
  }

  /** Moves to the next batch: {@link #OK}, {@link #END} at a clean end, {@link #INVALID} (see {@link #reason()}). */
  int next() throws IOException {
    pos = nextPos;
    long remaining = end - pos;
    if (remaining == 0) {
      return END;
    }
    if (remaining < Batches.HEADER_SIZE) {
      reason = "torn batch header (" + remaining + " bytes before end of file)";
      return INVALID;
    }
    ensure(pos, Batches.HEADER_SIZE);
    off = (int) (pos - bufStart);
    byte magic = Batches.magic(buf, off);
    if (magic != RecordBatch.MAGIC_VALUE_V2) {
      reason = "bad magic " + magic;
      return INVALID;
    }
    size = Batches.size(buf, off);
    if (size < Batches.HEADER_SIZE || size > remaining) {
      reason = "batch size " + size + " runs past end of file (" + remaining + " bytes left)";
      return INVALID;
    }
    if (Batches.lastOffsetDelta(buf, off) < 0) {
      reason = "negative lastOffsetDelta";
      return INVALID;
    }
    nextPos = pos + size;
    return OK;
  }

  String reason() { return reason; }
  long position() { return pos; }
  int size() { return size; }
  long baseOffset() { return Batches.baseOffset(buf, off); }
  long lastOffset() { return Batches.lastOffset(buf, off); }
  long maxTimestamp() { return Batches.maxTimestamp(buf, off); }
  int partitionLeaderEpoch() { return Batches.partitionLeaderEpoch(buf, off); }
  long producerId() { return Batches.producerId(buf, off); }
  short producerEpoch() { return Batches.producerEpoch(buf, off); }
  int baseSequence() { return Batches.baseSequence(buf, off); }
  int lastSequence() { return Batches.lastSequence(buf, off); }
  boolean isControl() { return Batches.isControl(buf, off); }
  boolean isTransactional() { return Batches.isTransactional(buf, off); }

  /** Verifies the current batch's CRC (streaming for batches larger than the buffer). */
  boolean crcValid() throws IOException {
    if (size <= buf.capacity()) {
      ensure(pos, size);
      off = (int) (pos - bufStart);
      return Batches.crcValid(buf, off, size);
    }
    long stored = Integer.toUnsignedLong(Batches.crcOf(buf, off));
    CRC32C crc = new CRC32C();
    ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
    long p = pos + Batches.ATTRIBUTES;
    long stop = pos + size;
    while (p < stop) {
      chunk.clear();
      chunk.limit((int) Math.min(chunk.capacity(), stop - p));
      int n = ch.read(chunk, p);
      if (n < 0) {
        return false;
      }
      chunk.flip();
      crc.update(chunk);
      p += n;
    }
    // keep header accessors valid
    ensure(pos, Batches.HEADER_SIZE);
    off = (int) (pos - bufStart);
    return crc.getValue() == stored;
  }

  /** The whole current batch as a fresh buffer. */
  ByteBuffer readBatch() throws IOException {
    ByteBuffer b = ByteBuffer.allocate(size);
    long p = pos;
    while (b.hasRemaining()) {
      int n = ch.read(b, p + b.position());
      if (n < 0) {
        throw new java.io.EOFException("segment shrank while reading");
      }
    }
    return b.flip();
  }

  private void ensure(long at, int len) throws IOException {
    if (at >= bufStart && at + len <= bufStart + buf.limit()) {
      return;
    }
    buf.clear();
    buf.limit((int) Math.min(buf.capacity(), end - at));
    while (buf.hasRemaining()) {
      int n = ch.read(buf, at + buf.position());
      if (n < 0) {
        break;
      }
    }
    buf.flip();
    bufStart = at;
  }
}
