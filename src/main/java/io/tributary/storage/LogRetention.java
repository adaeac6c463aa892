package io.tributary.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start of a partition log and what moves it: the log start offset with its checkpoint file
 * ({@code log-start-offset-checkpoint}), DeleteRecords, and deletion of whole segments, oldest
 * first, by {@code retention.ms}, {@code retention.bytes} or because they lie below the log start
 * offset. Producers whose last batch falls below the log start offset, or that have been idle too
 * long, are forgotten here too, and the leader-epoch cache is truncated from the start.
 *
 * <p>Threading: the log's single writer calls everything; {@link #logStartOffset()} is also read
 * by readers (volatile).
 */
final class LogRetention {
  // PartitionLog's logger: segment deletions stay reported under that name
  private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

  /** Rolls the log's active segment (retention never deletes the active segment while it holds data). */
  interface Roller {
    void roll() throws IOException;
  }

  private final Path dir;
  private final LogSegments segments;
  private final ProducerStateManager producers;
  private final LeaderEpochCache epochs;
  private final Checkpoint logStartCheckpoint;
  private final Roller roller;
  private volatile long logStartOffset;

  LogRetention(Path dir, LogSegments segments, ProducerStateManager producers, LeaderEpochCache epochs,
      Checkpoint logStartCheckpoint, Roller roller) {
    this.dir = dir;
    this.segments = segments;
    this.producers = producers;
    this.epochs = epochs;
    this.logStartCheckpoint = logStartCheckpoint;
    this.roller = roller;
  }

  long logStartOffset() {
    return logStartOffset;
  }

  /** The log start offset the log was opened with (already in the checkpoint, or implied by the first segment). */
  void initLogStartOffset(long lso) {
    logStartOffset = lso;
  }

  /**
   * DeleteRecords with an offset the caller checked lies within the log: moves the log start
   * offset forward (deleting whole segments below it). Returns the new log start offset.
   */
  long deleteRecordsBefore(long offset) throws IOException {
    if (offset > logStartOffset) {
      setLogStartOffset(offset);
      deleteSegmentsBelowLogStart();
    }
    return logStartOffset;
  }

  /**
   * Applies retention.ms and retention.bytes (when the cleanup policy deletes), then drops the
   * segments below the log start offset and the expired producers. Returns the number of
   * segments deleted.
   */
  int deleteExpired(LogConfig cfg, long nowMs) throws IOException {
    int deleted = 0;
    if (cfg.deleteRetention()) {
      if (cfg.retentionMs() >= 0) {
        List<LogSegment> expired = new ArrayList<>();
        for (LogSegment s : segments.all()) {
          if (nowMs - s.largestTimestampForRetention() > cfg.retentionMs()) {
            expired.add(s);
          } else {
            break;
          }
        }
        deleted += deleteOldest(expired, "retention.ms " + cfg.retentionMs());
      }
      if (cfg.retentionBytes() >= 0) {
        long diff = segments.sizeInBytes() - cfg.retentionBytes();
        List<LogSegment> excess = new ArrayList<>();
        for (LogSegment s : segments.all()) {
          if (diff - s.size() >= 0) {
            diff -= s.size();
            excess.add(s);
          } else {
            break;
          }
        }
        deleted += deleteOldest(excess, "retention.bytes " + cfg.retentionBytes());
      }
    }
    deleted += deleteSegmentsBelowLogStart();
    producers.removeExpired(nowMs, cfg.producerIdExpirationMs());
    return deleted;
  }

  /** Deletes a prefix of segments; if that is all of them, first rolls (or keeps an empty active segment). */
  private int deleteOldest(List<LogSegment> victims, String why) throws IOException {
    if (victims.isEmpty()) {
      return 0;
    }
    if (victims.size() == segments.count()) {
      LogSegment active = segments.active();
      if (active.size() > 0) {
        roller.roll();
      } else {
        victims.remove(victims.size() - 1);
        if (victims.isEmpty()) {
          return 0;
        }
      }
    }
    LogSegment firstKept = segments.higher(victims.get(victims.size() - 1).baseOffset());
    if (firstKept.baseOffset() > logStartOffset) {
      setLogStartOffset(firstKept.baseOffset());
    }
    for (LogSegment s : victims) {
      LOG.info("{}: deleting segment {} ({} bytes) by {}", dir, s.logFile().getFileName(), s.size(), why);
      segments.remove(s);
      s.delete();
    }
    return victims.size();
  }

  private int deleteSegmentsBelowLogStart() throws IOException {
    int n = 0;
    long lso = logStartOffset;
    for (LogSegment s : new ArrayList<>(segments.all())) {
      LogSegment next = segments.higher(s.baseOffset());
      if (next == null || next.baseOffset() > lso) {
        break;
      }
      segments.remove(s);
      s.delete();
      n++;
    }
    return n;
  }

  private void setLogStartOffset(long lso) throws IOException {
    logStartOffset = lso;
    logStartCheckpoint.write(lso);
    producers.removeBefore(lso);
    epochs.truncateFromStart(lso);
  }

  /**
   * A truncation cut the log below its start offset: the start follows the end down (Kafka's
   * {@code logStartOffset = min(targetOffset, logStartOffset)}); the records between the first segment and
   * the new start are still there.
   */
  void lowerLogStartOffset(long offset) throws IOException {
    if (offset < logStartOffset) {
      logStartOffset = offset;
      logStartCheckpoint.write(offset);
    }
  }

  /**
   * The log is about to be emptied and restarted at {@code offset}, which lies below its first segment or at
   * or above its end. The checkpoint is written before any segment goes, so that a crash part way opens either
   * the old log (below: the start is the larger of the checkpoint and the first segment) or an empty one at
   * {@code offset} (above: a start beyond the end empties the log on open).
   */
  void resetLogStartOffset(long offset) throws IOException {
    logStartOffset = offset;
    logStartCheckpoint.write(offset);
  }
}
