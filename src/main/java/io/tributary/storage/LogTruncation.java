package io.tributary.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removing the end of a partition log (a follower dropping what diverges from its leader, after Kafka's
 * {@code UnifiedLog.truncateTo} / {@code truncateFullyAndStartAt}): whole newer segments are deleted, the
 * segment holding the cut is cut at a batch boundary, then the log end offset, recovery point, log start
 * offset, leader-epoch cache and producer state follow.
 *
 * <p>Readers: the log end offset is lowered before any file changes, so no read starts past the cut. A
 * reader already inside the log reads either the old bytes or nothing, never a mix: the cut segment is not
 * cut in place but closed (a reader of it gets "closed", which reads as empty, as for a segment deleted by
 * retention) and replaced in the segment list by a fresh instance over the cut file, published once cut.
 *
 * <p>Crashes: every step leaves a state that opening the log settles. Producer snapshots above the new end
 * go first (a stale one must never be loaded once the log grows past it again; a missing one only costs a
 * replay); the cut file and the directory are fsynced before the checkpoints move; the epoch cache and the
 * producer state are truncated on open to whatever end the log has.
 *
 * <p>Writer thread only.
 */
final class LogTruncation {
  // PartitionLog's logger: truncations stay reported under that name
  private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

  private final Path dir;
  private final LogSegments segments;
  private final ProducerStateManager producers;
  private final LeaderEpochCache epochs;
  private final LogFlusher flusher;
  private final LogRetention retention;
  private final FileChannelOpener channels;
  private final LongSupplier clock;

  LogTruncation(Path dir, LogSegments segments, ProducerStateManager producers, LeaderEpochCache epochs,
      LogFlusher flusher, LogRetention retention, FileChannelOpener channels, LongSupplier clock) {
    this.dir = dir;
    this.segments = segments;
    this.producers = producers;
    this.epochs = epochs;
    this.flusher = flusher;
    this.retention = retention;
    this.channels = channels;
    this.clock = clock;
  }

  /**
   * Removes every batch that holds an offset at or above {@code offset}, which the caller checked lies below
   * the log end and at or above the first segment's base offset. When {@code offset} falls inside a batch,
   * that whole batch goes and the log ends at its base offset: Kafka would set the end to {@code offset}
   * and leave a hole below it. {@code publishEnd} sets the log's end offset.
   *
   * @return the new log end offset ({@code <= offset})
   */
  long truncateTo(long offset, LogConfig config, LongConsumer publishEnd) throws IOException {
    LogSegment holder = segments.floor(offset);
    int cut = holder.translateOffset(offset, holder.size());
    // no batch of the holder reaches the offset: it lies in a gap left by compaction, and the end can be there
    long newEnd = cut < 0 ? offset : Math.min(offset, holder.baseOffsetAt(cut));
    ProducerStateManager.deleteSnapshotsAbove(dir, newEnd);
    publishEnd.accept(newEnd);

    List<LogSegment> newer = new ArrayList<>(segments.from(holder.baseOffset() + 1));
    Collections.reverse(newer);
    for (LogSegment s : newer) {
      segments.remove(s);
      s.delete();
    }
    if (cut >= 0) {
      replaceWithCut(holder, cut, config);
    }
    if (!newer.isEmpty()) {
      syncDirectory();
    }
    flusher.truncated(newEnd);
    retention.lowerLogStartOffset(newEnd);
    epochs.truncateFromEnd(newEnd);
    producers.rebuild(segments, retention.logStartOffset(), newEnd);
    LOG.info("{}: truncated to offset {} (log end now {}; {} newer segment(s) deleted)", dir, offset, newEnd,
        newer.size());
    return newEnd;
  }

  /**
   * Deletes every segment and restarts the log, empty, at {@code offset}, which lies below the first segment
   * or at or above the log end (the caller truncates first otherwise): Kafka's
   * {@code truncateFullyAndStartAt}. The log start offset becomes {@code offset}.
   */
  void truncateFullyAndStartAt(long offset, LogConfig config, LongConsumer publishEnd) throws IOException {
    ProducerStateManager.deleteSnapshotsAbove(dir, -1);
    retention.resetLogStartOffset(offset);
    List<LogSegment> all = new ArrayList<>(segments.all());
    Collections.reverse(all);
    for (LogSegment s : all) {
      segments.remove(s);
      s.delete();
    }
    LogSegment fresh = LogSegment.create(dir, offset, config.segmentIndexBytes(), clock.getAsLong(), channels);
    fresh.indexIntervalBytes = config.indexIntervalBytes();
    segments.add(fresh);
    publishEnd.accept(offset);
    syncDirectory();
    flusher.reset(offset);
    epochs.clear();
    producers.clear();
    LOG.info("{}: emptied; the log now starts and ends at offset {} ({} segment(s) deleted)", dir, offset,
        all.size());
  }

  /**
   * Replaces {@code seg} in the segment list by a fresh instance over the same file cut at {@code position}.
   * The old instance is closed first, so that readers holding it see a closed segment (an empty read) instead
   * of bytes that change under them.
   */
  private void replaceWithCut(LogSegment seg, int position, LogConfig config) throws IOException {
    seg.closeChannel();
    LogSegment fresh = LogSegment.open(dir, seg.baseOffset(), config.segmentIndexBytes(), clock.getAsLong(), channels);
    fresh.indexIntervalBytes = config.indexIntervalBytes();
    try {
      fresh.truncateTo(position, config.indexIntervalBytes());
      fresh.flush(true);
    } catch (IOException | RuntimeException e) {
      try {
        fresh.closeChannel();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    segments.add(fresh);
  }

  /** fsync of the directory, so that deleted segment files stay deleted after a crash (Linux; elsewhere a no-op). */
  private void syncDirectory() {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      LOG.debug("{}: directory fsync not supported here: {}", dir, e.toString());
    }
  }
}
