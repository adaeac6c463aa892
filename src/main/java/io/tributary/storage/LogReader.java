package io.tributary.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.util.Optional;

/**
 * The read side of a partition log: finds batches and timestamps across its segments.
 *
 * <p>Safe from any thread without locks, concurrently with the writer: it walks the concurrent
 * segment list and reads only published bytes. A segment deleted (retention), cut (truncation:
 * the cut segment is closed and replaced by a fresh instance) or closed under a reader shows as
 * "nothing here", never as a torn read; the caller supplies the log's offsets as it read them.
 */
final class LogReader {
  private final LogSegments segments;

  LogReader(LogSegments segments) {
    this.segments = segments;
  }

  /**
   * Whole batches from the one containing {@code offset} (which the caller checked lies in the
   * log and below {@code min(maxOffset, logEndOffset)}), from one segment at most.
   *
   * @return the batches, or null when there is no batch to return below {@code maxOffset} or the
   *     segment was deleted or closed under the reader
   */
  ByteBuffer read(long offset, int maxBytes, long maxOffset, long logEndOffset, boolean minOneBatch) throws IOException {
    long maxOff = Math.min(maxOffset, logEndOffset);
    LogSegment seg = segments.floor(offset);
    try {
      while (seg != null) {
        int limit = seg.size();
        if (maxOffset < logEndOffset) {
          LogSegment maxSeg = segments.floor(maxOff);
          if (maxSeg == seg) {
            int p = seg.translateOffset(maxOff, limit);
            if (p >= 0) {
              limit = p;
            }
          }
        }
        int start = seg.translateOffset(offset, limit);
        if (start >= 0) {
          return seg.read(start, maxBytes, limit, minOneBatch);
        }
        if (limit < seg.size()) {
          break; // maxOffset reached inside this segment
        }
        seg = segments.higher(seg.baseOffset());
      }
    } catch (ClosedChannelException e) {
      if (seg == null || !seg.isClosed()) {
        throw e;
      }
      // segment deleted (retention) or log closed under the reader: an empty read
    }
    return null;
  }

  /** First record at or above {@code logStartOffset} whose timestamp is >= {@code timestamp}. */
  Optional<PartitionLog.TimestampOffset> offsetForTimestamp(long timestamp, long logStartOffset) throws IOException {
    LogSegment start = segments.floor(logStartOffset);
    for (LogSegment seg : segments.from(start == null ? Long.MIN_VALUE : start.baseOffset())) {
      try {
        Optional<PartitionLog.TimestampOffset> r = seg.findOffsetByTimestamp(timestamp, logStartOffset);
        if (r.isPresent()) {
          return r;
        }
      } catch (ClosedChannelException e) {
        if (!seg.isClosed()) {
          throw e;
        }
      }
    }
    return Optional.empty();
  }

  /** The record with the largest timestamp, empty if the log is empty. */
  Optional<PartitionLog.TimestampOffset> maxTimestamp() throws IOException {
    LogSegment best = null;
    long bestTs = -1;
    for (LogSegment seg : segments.all()) {
      try {
        long ts = seg.maxTimestamp();
        if (ts > bestTs) {
          bestTs = ts;
          best = seg;
        }
      } catch (ClosedChannelException e) {
        // deleted under us
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    try {
      return best.maxTimestampRecord();
    } catch (ClosedChannelException e) {
      if (!best.isClosed()) {
        throw e;
      }
      return Optional.empty(); // deleted or cut under us
    }
  }
}
