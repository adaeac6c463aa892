package io.tributary.storage;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;

/**
 * One segment: {@code <base>.log} plus its lazily loaded {@code .index} and {@code .timeindex}, and its
 * {@code .txnindex} of aborted transactions ({@link TransactionIndex}, loaded on open).
 *
 * <p>Thread-safety: a single writer (the log's writer) calls {@link #append}, {@link #flush},
 * {@link #onRoll}, {@link #truncateTo}, {@link #close} and {@link #delete}. Readers may call
 * {@link #size}, {@link #translateOffset}, {@link #read} and the timestamp methods concurrently:
 * bytes become visible only after the volatile {@link #size} is advanced past them, indexes are
 * lock-free for readers, and lazy index loading is synchronized. A reader racing with
 * {@link #delete} gets a {@link java.nio.channels.ClosedChannelException}.
 */
final class LogSegment {
  private static final int SCAN_CHUNK = 8192;
  private final long baseOffset;
  private final Path logFile;
  private final Path indexFile;
  private final Path timeIndexFile;
  private final int segmentIndexBytes;
  private final long createdMs;
  private final FileChannelOpener channels;

  private volatile FileChannel ch;
  private volatile int size;
  private volatile boolean closed;
  private volatile OffsetIndex offsetIndex;
  private volatile TimeIndex timeIndex;
  /** Aborted transactions whose abort marker lies in this segment (Kafka's {@code .txnindex}). */
  private volatile TransactionIndex txnIndex;
  /** index.interval.bytes used when indexes are rebuilt lazily; the owning log sets it before first use. */
  volatile int indexIntervalBytes;

  // maintained with the indexes; volatile for readers
  private volatile long maxTimestamp = RecordBatch.NO_TIMESTAMP;
  private volatile long offsetOfMaxTimestamp = -1;
  // writer-only state
  private int bytesSinceLastIndexEntry;
  private long rollingBasedTimestamp = RecordBatch.NO_TIMESTAMP;
  private boolean rollingBaseKnown;

  private LogSegment(Path dir, long baseOffset, int segmentIndexBytes, long createdMs, FileChannelOpener channels,
                     FileChannel ch) throws IOException {
    this.baseOffset = baseOffset;
    this.logFile = dir.resolve(fileName(baseOffset, ".log"));
    this.indexFile = dir.resolve(fileName(baseOffset, ".index"));
    this.timeIndexFile = dir.resolve(fileName(baseOffset, ".timeindex"));
    this.segmentIndexBytes = segmentIndexBytes;
    this.createdMs = createdMs;
    this.channels = channels;
    this.ch = ch;
    long s = ch.size();
    if (s > Integer.MAX_VALUE) {
      throw new IOException("segment " + logFile + " is larger than 2 GiB");
    }
    this.size = (int) s;
    this.txnIndex = TransactionIndex.load(dir, baseOffset);
  }

  /** Kafka's file name: the base offset as 20 zero-padded digits plus the suffix. */
  static String fileName(long offset, String suffix) {
    return String.format("%020d%s", offset, suffix);
  }

  /** Creates a new empty segment (truncating a leftover file of the same name). */
  static LogSegment create(Path dir, long baseOffset, int segmentIndexBytes, long nowMs, FileChannelOpener channels)
      throws IOException {
    Path f = dir.resolve(fileName(baseOffset, ".log"));
    FileChannel ch = channels.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    LogSegment s = new LogSegment(dir, baseOffset, segmentIndexBytes, nowMs, channels, ch);
    Files.deleteIfExists(s.indexFile);
    Files.deleteIfExists(s.timeIndexFile);
    s.txnIndex = TransactionIndex.empty(dir, baseOffset);
    s.offsetIndex = OffsetIndex.empty(s.indexFile, baseOffset, segmentIndexBytes);
    s.timeIndex = TimeIndex.empty(s.timeIndexFile, baseOffset, segmentIndexBytes);
    s.rollingBaseKnown = true;
    return s;
  }

  /** Opens an existing segment; its indexes are loaded on first use. */
  static LogSegment open(Path dir, long baseOffset, int segmentIndexBytes, long nowMs, FileChannelOpener channels)
      throws IOException {
    Path f = dir.resolve(fileName(baseOffset, ".log"));
    FileChannel ch = channels.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE);
    return new LogSegment(dir, baseOffset, segmentIndexBytes, nowMs, channels, ch);
  }

  long baseOffset() { return baseOffset; }
  /** Bytes of complete batches in this segment. */
  int size() { return size; }
  Path logFile() { return logFile; }
  boolean isClosed() { return closed; }
  TransactionIndex txnIndex() { return txnIndex; }

  FileChannel channel() throws IOException {
    FileChannel c = ch;
    if (!c.isOpen() && !closed) {
      c = reopen(c);
    }
    return c;
  }

  // A thread interrupted inside a FileChannel operation closes the channel for everyone; reopen it.
  private synchronized FileChannel reopen(FileChannel old) throws IOException {
    if (ch == old && !closed) {
      ch = channels.open(logFile, StandardOpenOption.READ, StandardOpenOption.WRITE);
    }
    return ch;
  }

  // ---------------------------------------------------------------- indexes

  /** Loads the indexes from their files, rebuilding them from the log if missing or insane. */
  void ensureIndexes() throws IOException {
    if (offsetIndex != null && timeIndex != null) {
      return;
    }
    synchronized (this) {
      if (offsetIndex != null && timeIndex != null) {
        return;
      }
      OffsetIndex oi = OffsetIndex.load(indexFile, baseOffset, segmentIndexBytes, Math.max(size, 1));
      TimeIndex ti = oi == null ? null
          : TimeIndex.load(timeIndexFile, baseOffset, segmentIndexBytes, Long.MAX_VALUE);
      if (oi == null || ti == null || (ti.entries() == 0 && size > 0)) {
        rebuildIndexesLocked(indexIntervalBytes);
        return;
      }
      if (ti.entries() > 0) {
        maxTimestamp = ti.lastTimestamp();
        offsetOfMaxTimestamp = ti.lastEntryOffset();
      }
      bytesSinceLastIndexEntry = size - oi.lastPosition();
      timeIndex = ti;
      offsetIndex = oi;
    }
  }

  /** Rebuilds both indexes by scanning the batch headers of the log; writes the files. */
  synchronized void rebuildIndexes(int indexIntervalBytes) throws IOException {
    rebuildIndexesLocked(indexIntervalBytes);
  }

  private void rebuildIndexesLocked(int indexIntervalBytes) throws IOException {
    if (closed) {
      throw new java.nio.channels.ClosedChannelException(); // deleted under a reader: write no files
    }
    int interval = indexIntervalBytes;
    Files.deleteIfExists(indexFile);
    Files.deleteIfExists(timeIndexFile);
    OffsetIndex oi = OffsetIndex.empty(indexFile, baseOffset, Math.max(segmentIndexBytes, 8));
    TimeIndex ti = TimeIndex.empty(timeIndexFile, baseOffset, Math.max(segmentIndexBytes, 12));
    long maxTs = RecordBatch.NO_TIMESTAMP;
    long offMax = -1;
    int since = 0;
    FileBatchScanner sc = new FileBatchScanner(channel(), 0, size);
    while (sc.next() == FileBatchScanner.OK) {
      if (sc.maxTimestamp() > maxTs) {
        maxTs = sc.maxTimestamp();
        offMax = sc.baseOffset();
      }
      if (since > interval) {
        oi.append(sc.baseOffset(), (int) sc.position());
        if (maxTs >= 0) {
          ti.maybeAppend(maxTs, offMax);
        }
        since = 0;
      }
      since += sc.size();
    }
    if (maxTs >= 0) {
      ti.maybeAppend(maxTs, offMax);
    }
    maxTimestamp = maxTs;
    offsetOfMaxTimestamp = offMax;
    bytesSinceLastIndexEntry = since;
    oi.persist();
    ti.persist();
    timeIndex = ti;
    offsetIndex = oi;
  }

  boolean indexFull() throws IOException {
    ensureIndexes();
    return offsetIndex.isFull() || timeIndex.isFull();
  }

  // ---------------------------------------------------------------- writes

  /**
   * Writes already-patched batches (the buffer's position..limit) at the end of the segment with
   * one positional write, then updates the indexes and publishes the new size.
   */
  void append(ByteBuffer batches, int indexIntervalBytes) throws IOException {
    ensureIndexes();
    int start = batches.position();
    int len = batches.remaining();
    int at = size;
    ByteBuffer src = batches.duplicate();
    FileChannel c = channel();
    long p = at;
    try {
      while (src.hasRemaining()) {
        p += c.write(src, p);
      }
    } catch (IOException e) {
      try {
        c.truncate(at); // drop a partial write so the file ends on a batch boundary
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    OffsetIndex oi = offsetIndex;
    TimeIndex ti = timeIndex;
    long maxTs = maxTimestamp;
    long offMax = offsetOfMaxTimestamp;
    int end = start + len;
    for (int b = start; b < end; ) {
      int bsize = Batches.size(batches, b);
      long ts = Batches.maxTimestamp(batches, b);
      long base = Batches.baseOffset(batches, b);
      if (rollingBaseKnown && rollingBasedTimestamp < 0 && at == 0 && b == start) {
        rollingBasedTimestamp = ts;
      }
      if (ts > maxTs) {
        maxTs = ts;
        offMax = base;
      }
      if (bytesSinceLastIndexEntry > indexIntervalBytes) {
        oi.append(base, at + (b - start));
        if (maxTs >= 0) {
          ti.maybeAppend(maxTs, offMax);
        }
        bytesSinceLastIndexEntry = 0;
      }
      bytesSinceLastIndexEntry += bsize;
      b += bsize;
    }
    offsetOfMaxTimestamp = offMax;
    maxTimestamp = maxTs;
    size = at + len;
  }

  /** Time the segment has been open for rolling by segment.ms (Kafka's timeWaitedForRoll). */
  long timeWaitedForRoll(long nowMs, long incomingMaxTimestamp) throws IOException {
    if (!rollingBaseKnown) {
      FileBatchScanner sc = new FileBatchScanner(channel(), 0, size);
      rollingBasedTimestamp = sc.next() == FileBatchScanner.OK ? sc.maxTimestamp() : RecordBatch.NO_TIMESTAMP;
      rollingBaseKnown = true;
    }
    if (rollingBasedTimestamp >= 0 && incomingMaxTimestamp >= 0) {
      return incomingMaxTimestamp - rollingBasedTimestamp;
    }
    if (rollingBasedTimestamp >= 0) {
      return nowMs - rollingBasedTimestamp;
    }
    return nowMs - createdMs;
  }

  /** Called when this segment stops being the active one: final time-index entry, index files written. */
  void onRoll() throws IOException {
    ensureIndexes();
    if (maxTimestamp >= 0) {
      timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
    }
    offsetIndex.persist();
    timeIndex.persist();
  }

  /** fsync of the log file; index files are written (and fsynced when {@code indexesToo}). */
  void flush(boolean indexesToo) throws IOException {
    channel().force(false);
    txnIndex.flush();
    if (indexesToo && offsetIndex != null) {
      offsetIndex.persist();
      timeIndex.persist();
      offsetIndex.force();
      timeIndex.force();
    }
  }

  /**
   * Cuts the log at {@code position} and rebuilds the indexes. Only for a segment no reader can reach:
   * recovery (before the log is handed out) and {@link LogTruncation}'s fresh copy of a segment, published
   * after the cut.
   */
  void truncateTo(int position, int indexIntervalBytes) throws IOException {
    if (position + Long.BYTES <= size) {
      // markers at or after the cut go with it (a torn tail's are dropped when recovery rebuilds the index)
      txnIndex.truncateTo(baseOffsetAt(position));
    }
    channel().truncate(position);
    size = position;
    rollingBaseKnown = false;
    rebuildIndexes(indexIntervalBytes);
  }

  // ---------------------------------------------------------------- reads

  /**
   * File position of the batch containing {@code offset} (the first batch whose last offset is
   * >= offset), or -1 if there is none below {@code limit}.
   */
  int translateOffset(long offset, int limit) throws IOException {
    ensureIndexes();
    int pos = offsetIndex.lookup(offset);
    FileChannel c = channel();
    ByteBuffer chunk = null;
    // headers are scanned from chunks of up to 8 KiB: one read covers an index interval of small batches
    while (pos + Batches.OFFSET_HEADER <= limit) {
      int len = Math.min(limit - pos, SCAN_CHUNK);
      if (chunk == null) {
        chunk = ByteBuffer.allocate(len);
      }
      chunk.clear().limit(len);
      readFully(c, chunk, pos);
      int p = 0;
      while (p + Batches.OFFSET_HEADER <= len) {
        if (Batches.lastOffset(chunk, p) >= offset) {
          return pos + p;
        }
        int s = Batches.size(chunk, p);
        if (s < Batches.HEADER_SIZE) {
          return -1; // cannot happen below the published size
        }
        p += s;
      }
      pos += p;
    }
    return -1;
  }

  /**
   * Whole batches from {@code start}, at most {@code maxBytes} and below {@code limit}; if the
   * first batch alone exceeds maxBytes it is returned whole when {@code minOneBatch}, else nothing.
   */
  ByteBuffer read(int start, int maxBytes, int limit, boolean minOneBatch) throws IOException {
    int avail = limit - start;
    if (avail <= 0) {
      return ByteBuffer.allocate(0);
    }
    FileChannel c = channel();
    int want = Math.min(avail, Math.max(maxBytes, 0));
    if (want < Batches.HEADER_SIZE) {
      if (!minOneBatch) {
        return ByteBuffer.allocate(0);
      }
      want = Math.min(avail, Batches.HEADER_SIZE);
    }
    ByteBuffer buf = ByteBuffer.allocate(want);
    readFully(c, buf, start);
    buf.flip();
    int p = 0;
    while (p + Batches.LOG_OVERHEAD <= want) {
      int s = Batches.size(buf, p);
      if (s <= 0 || p + s > want) {
        break;
      }
      p += s;
    }
    if (p == 0) {
      if (!minOneBatch) {
        return ByteBuffer.allocate(0);
      }
      int first = Batches.size(buf, 0);
      if (first <= 0 || first > avail) {
        return ByteBuffer.allocate(0);
      }
      ByteBuffer whole = ByteBuffer.allocate(first);
      readFully(c, whole, start);
      return whole.flip();
    }
    buf.limit(p);
    return buf;
  }

  private static void readFully(FileChannel c, ByteBuffer b, long pos) throws IOException {
    try {
      long p = pos;
      while (b.hasRemaining()) {
        int n = c.read(b, p);
        if (n < 0) {
          throw new java.io.EOFException("unexpected end of segment at " + p);
        }
        p += n;
      }
    } catch (ClosedByInterruptException e) {
      throw new InterruptedIOException("read interrupted");
    }
  }

  /** Base offset of the batch at {@code position}, a batch start that {@link #translateOffset} returned. */
  long baseOffsetAt(int position) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(Long.BYTES);
    readFully(channel(), b, position);
    return b.getLong(0);
  }

  /** Largest timestamp in the segment, or -1. */
  long maxTimestamp() throws IOException {
    ensureIndexes();
    return maxTimestamp;
  }

  /** For retention: the largest timestamp, or the file's modification time if no batch has one. */
  long largestTimestampForRetention() throws IOException {
    long ts = maxTimestamp();
    return ts >= 0 ? ts : Files.getLastModifiedTime(logFile).toMillis();
  }

  /** First record at or after {@code startingOffset} with timestamp >= {@code timestamp}. */
  Optional<PartitionLog.TimestampOffset> findOffsetByTimestamp(long timestamp, long startingOffset) throws IOException {
    ensureIndexes();
    if (maxTimestamp < timestamp) {
      return Optional.empty();
    }
    long from = Math.max(timeIndex.lookupBefore(timestamp), startingOffset);
    int startPos = offsetIndex.lookup(from);
    FileBatchScanner sc = new FileBatchScanner(channel(), startPos, size);
    while (sc.next() == FileBatchScanner.OK) {
      if (sc.maxTimestamp() >= timestamp && sc.lastOffset() >= startingOffset) {
        RecordBatch batch = MemoryRecords.readableRecords(sc.readBatch()).batches().iterator().next();
        try (var it = batch.streamingIterator(org.apache.kafka.common.utils.BufferSupplier.NO_CACHING)) {
          while (it.hasNext()) {
            Record r = it.next();
            if (r.offset() >= startingOffset && r.timestamp() >= timestamp) {
              return Optional.of(new PartitionLog.TimestampOffset(r.timestamp(), r.offset()));
            }
          }
        }
      }
    }
    return Optional.empty();
  }

  /** The record holding this segment's largest timestamp. */
  Optional<PartitionLog.TimestampOffset> maxTimestampRecord() throws IOException {
    ensureIndexes();
    long ts = maxTimestamp;
    if (ts < 0) {
      return Optional.empty();
    }
    long off = offsetOfMaxTimestamp;
    int pos = translateOffset(off, size);
    if (pos >= 0) {
      FileBatchScanner sc = new FileBatchScanner(channel(), pos, size);
      while (sc.next() == FileBatchScanner.OK) {
        if (sc.maxTimestamp() == ts) {
          RecordBatch batch = MemoryRecords.readableRecords(sc.readBatch()).batches().iterator().next();
          try (var it = batch.streamingIterator(org.apache.kafka.common.utils.BufferSupplier.NO_CACHING)) {
            while (it.hasNext()) {
              Record r = it.next();
              if (r.timestamp() == ts) {
                return Optional.of(new PartitionLog.TimestampOffset(ts, r.offset()));
              }
            }
          }
          return Optional.of(new PartitionLog.TimestampOffset(ts, sc.lastOffset()));
        }
      }
    }
    return Optional.of(new PartitionLog.TimestampOffset(ts, off));
  }

  /**
   * Offset after the last batch, found by scanning headers from the last index entry; -1 if the
   * tail is not a clean sequence of batches (the caller then recovers the segment).
   */
  long readNextOffset() throws IOException {
    ensureIndexes();
    FileBatchScanner sc = new FileBatchScanner(channel(), offsetIndex.lastPosition(), size);
    long next = baseOffset;
    int st;
    while ((st = sc.next()) == FileBatchScanner.OK) {
      next = sc.lastOffset() + 1;
    }
    return st == FileBatchScanner.END ? next : -1;
  }

  // ---------------------------------------------------------------- lifecycle

  void close() throws IOException {
    if (closed) {
      return;
    }
    if (offsetIndex != null) {
      if (maxTimestamp >= 0) {
        timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
      }
      offsetIndex.persist();
      timeIndex.persist();
    }
    closed = true;
    ch.close();
  }

  /** Removes the index files (before the log file is replaced by a compacted one). */
  void deleteIndexFiles() throws IOException {
    Files.deleteIfExists(indexFile);
    Files.deleteIfExists(timeIndexFile);
  }

  /**
   * Closes the file without writing anything (failed open, compaction swap, truncation swap). Synchronized
   * with the lazy index rebuild, so that a reader rebuilding this segment's index files has finished before
   * the caller replaces them (and later rebuilds see the segment closed).
   */
  synchronized void closeChannel() throws IOException {
    closed = true;
    ch.close();
  }

  /** Closes (without writing indexes) and removes the segment's files. */
  void delete() throws IOException {
    closed = true;
    ch.close();
    Files.deleteIfExists(logFile);
    Files.deleteIfExists(indexFile);
    Files.deleteIfExists(timeIndexFile);
    txnIndex.delete();
  }

  @Override
  public String toString() {
    return "LogSegment(" + logFile.getFileName() + ", size=" + size + ")";
  }
}
