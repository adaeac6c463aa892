package io.tributary.storage;

import java.io.IOException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-validates the unflushed tail of a log after an unclean stop: every batch of the given
 * segment is checked (framing, magic, CRC, offsets increasing and within the segment's relative
 * range); the file is cut at the first invalid or torn batch and the segment's indexes are
 * rebuilt. What was cut is logged at WARN.
 * Stateless; not meant for concurrent use on the same segment (runs while the log is opening).
 */
final class LogRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(LogRecovery.class);

  private LogRecovery() {}

  /** Outcome for one segment: offset after its last valid batch, and whether it was cut. */
  record Result(long nextOffset, boolean truncated) {}

  /**
   * @param expectedMinOffset the smallest base offset the first batch may have (the previous
   *     segment's next offset, or the segment's base offset)
   * @param epochStarts receives the leader epochs of the valid batches where they rise
   *     ({@link LeaderEpochCache#noteBatch}), as Kafka's segment recovery re-assigns them
   */
  static Result recoverSegment(LogSegment seg, long expectedMinOffset, int indexIntervalBytes,
      List<LeaderEpochCache.Entry> epochStarts) throws IOException {
    FileBatchScanner sc = new FileBatchScanner(seg.channel(), 0, seg.size());
    long next = Math.max(expectedMinOffset, seg.baseOffset());
    long validEnd = 0;
    String reason = null;
    int st;
    while ((st = sc.next()) == FileBatchScanner.OK) {
      if (sc.baseOffset() < next) {
        reason = "batch base offset " + sc.baseOffset() + " is below the expected " + next;
        break;
      }
      if (sc.lastOffset() - seg.baseOffset() > Integer.MAX_VALUE) {
        reason = "batch last offset " + sc.lastOffset() + " out of the segment's range";
        break;
      }
      if (!sc.crcValid()) {
        reason = "CRC mismatch in batch at offset " + sc.baseOffset();
        break;
      }
      LeaderEpochCache.noteBatch(epochStarts, sc.partitionLeaderEpoch(), sc.baseOffset());
      next = sc.lastOffset() + 1;
      validEnd = sc.position() + sc.size();
    }
    if (reason == null && st == FileBatchScanner.INVALID) {
      reason = sc.reason();
    }
    if (reason != null) {
      LOG.warn("Recovery of {}: truncating {} bytes at position {} ({}); log continues at offset {}",
          seg.logFile(), seg.size() - validEnd, validEnd, reason, next);
      seg.truncateTo((int) validEnd, indexIntervalBytes);
      return new Result(next, true);
    }
    seg.rebuildIndexes(indexIntervalBytes);
    return new Result(next, false);
  }
}
