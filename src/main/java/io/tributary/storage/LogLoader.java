package io.tributary.storage;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opening a partition directory, {@link PartitionLog#open}'s work (after Kafka's LogLoader):
 * deletes leftovers of interrupted writes, opens the segments, re-validates them from the
 * recovery point on after an unclean stop, settles the log start and end offsets, truncates (or
 * rebuilds) the leader-epoch cache to match, and rebuilds the producer state from its snapshot plus
 * the batches after it; the aborted-transaction indexes of the re-validated segments are rebuilt by that replay.
 *
 * <p>Runs once, on the opening thread, before the log is handed out. On failure the caller closes
 * whatever segments were opened.
 */
final class LogLoader {
  // PartitionLog's logger: what opening a log reports stays under that name
  private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);

  private final Path dir;
  private final LogConfig config;
  private final LongSupplier clock;
  private final LogSegments segments;
  private final ProducerStateManager producers;
  private final LeaderEpochCache epochs;
  private final Checkpoint logStartCheckpoint;
  private final Checkpoint recoveryCheckpoint;
  private final FileChannelOpener channels;
  /** Epochs of the batches re-validated by {@link #recover()} where they rise; null after a clean stop. */
  private List<LeaderEpochCache.Entry> recoveredEpochStarts;
  /** Base offset of the first segment {@link #recover()} re-validated: from there the aborted-transaction indexes are rebuilt. */
  private long reindexFrom = Long.MAX_VALUE;

  /**
   * Offsets of the opened log, which is on disk up to its end; {@code checkpointedRecoveryPoint}
   * is what the recovery-point checkpoint file now holds (-1 if none).
   */
  record Loaded(long logStartOffset, long logEndOffset, long checkpointedRecoveryPoint) {}

  LogLoader(Path dir, LogConfig config, LongSupplier clock, LogSegments segments, ProducerStateManager producers,
      LeaderEpochCache epochs, Checkpoint logStartCheckpoint, Checkpoint recoveryCheckpoint,
      FileChannelOpener channels) {
    this.dir = dir;
    this.config = config;
    this.clock = clock;
    this.segments = segments;
    this.producers = producers;
    this.epochs = epochs;
    this.logStartCheckpoint = logStartCheckpoint;
    this.recoveryCheckpoint = recoveryCheckpoint;
    this.channels = channels;
  }

  /** Fills {@code segments}, {@code producers} and {@code epochs} from the directory (creating it if absent). */
  Loaded load() throws IOException {
    Files.createDirectories(dir);
    Path marker = dir.resolve(PartitionLog.CLEAN_SHUTDOWN_FILE);
    boolean clean = Files.exists(marker);
    Files.deleteIfExists(marker);

    List<Long> bases = scanDirectory();
    long nowMs = clock.getAsLong();
    long lsoCheckpoint = logStartCheckpoint.read();
    long leo;
    if (bases.isEmpty()) {
      long base = Math.max(0, lsoCheckpoint);
      addSegment(LogSegment.create(dir, base, config.segmentIndexBytes(), nowMs, channels));
      leo = base;
      clean = true;
    } else {
      for (long b : bases) {
        addSegment(LogSegment.open(dir, b, config.segmentIndexBytes(), nowMs, channels));
      }
      leo = -1;
      if (clean) {
        leo = segments.active().readNextOffset();
        if (leo < 0) {
          LOG.warn("{}: clean-shutdown marker present but the last segment does not end on a batch boundary; recovering",
              dir);
        }
      }
      if (leo < 0) {
        leo = recover();
        clean = false;
      }
    }
    long lso = Math.max(lsoCheckpoint, segments.first().baseOffset());
    if (lso > leo) {
      LOG.warn("{}: log end offset {} is below the log start offset {}; starting an empty log at {}", dir, leo, lso, lso);
      for (LogSegment s : new ArrayList<>(segments.all())) {
        segments.remove(s);
        s.delete();
      }
      addSegment(LogSegment.create(dir, lso, config.segmentIndexBytes(), nowMs, channels));
      leo = lso;
    }
    segments.active().ensureIndexes();

    settleEpochs(lso, leo);
    producers.rebuild(segments, lso, leo, reindexFrom);
    long checkpointedRecoveryPoint;
    if (!clean) {
      for (LogSegment s : segments.all()) {
        s.flush(true);
      }
      recoveryCheckpoint.write(leo);
      checkpointedRecoveryPoint = leo;
    } else {
      checkpointedRecoveryPoint = recoveryCheckpoint.read();
    }
    return new Loaded(lso, leo, checkpointedRecoveryPoint);
  }

  /**
   * Base offsets of the segments, ascending. Deletes files an interrupted write left behind
   * ({@code .tmp}, a compaction's {@code .cleaned}) and indexes whose log is gone.
   */
  private List<Long> scanDirectory() throws IOException {
    List<Long> bases = new ArrayList<>();
    List<Path> indexes = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (n.endsWith(".tmp") || n.endsWith(LogCompactor.CLEANED_SUFFIX)) {
          Files.deleteIfExists(p);
        } else if (n.endsWith(".log") && n.length() == 24 && n.substring(0, 20).chars().allMatch(Character::isDigit)) {
          bases.add(Long.parseLong(n.substring(0, 20)));
        } else if (n.endsWith(".index") || n.endsWith(".timeindex") || n.endsWith(TransactionIndex.SUFFIX)) {
          indexes.add(p);
        }
      }
    }
    bases.sort(null);
    for (Path p : indexes) {
      String n = p.getFileName().toString();
      String digits = n.substring(0, n.indexOf('.'));
      if (digits.length() != 20 || !digits.chars().allMatch(Character::isDigit)) {
        continue;
      }
      if (!bases.contains(Long.parseLong(digits))) {
        Files.deleteIfExists(p);
      }
    }
    return bases;
  }

  private void addSegment(LogSegment s) {
    s.indexIntervalBytes = config.indexIntervalBytes();
    segments.add(s);
  }

  /** Re-validates every segment from the recovery point on; returns the log end offset. */
  private long recover() throws IOException {
    long rp = recoveryCheckpoint.read();
    LogSegment start = rp < 0 ? null : segments.floor(rp);
    if (start == null) {
      start = segments.first();
    }
    long expected = start.baseOffset();
    reindexFrom = start.baseOffset();
    boolean cut = false;
    recoveredEpochStarts = new ArrayList<>();
    for (LogSegment seg : new ArrayList<>(segments.from(start.baseOffset()))) {
      if (cut) {
        LOG.warn("Recovery of {}: deleting segment {} ({} bytes) after the truncation point", dir,
            seg.logFile().getFileName(), seg.size());
        segments.remove(seg);
        seg.delete();
        continue;
      }
      LogRecovery.Result r = LogRecovery.recoverSegment(seg, expected, config.indexIntervalBytes(),
          recoveredEpochStarts);
      expected = r.nextOffset();
      cut = r.truncated();
    }
    ProducerStateManager.deleteSnapshotsAbove(dir, expected);
    return expected;
  }

  /**
   * Brings the leader-epoch cache in line with the opened log (after Kafka's LogLoader): epochs at or past
   * the log end go (assigned just before records a crash lost), the epochs of the re-validated tail are
   * assigned where they are above the latest (Kafka's segment recovery rule; the cache file could only lag
   * the log if it was lost), and the first epoch moves up to the log start. An empty log has no epochs.
   * Without a readable checkpoint file (a log written before epochs were kept, or a damaged file) the cache
   * is rebuilt from every batch header, once: the file is written even if no batch carries an epoch.
   */
  private void settleEpochs(long lso, long leo) throws IOException {
    boolean empty = segments.sizeInBytes() == 0;
    if (epochs.fileState() != LeaderEpochCache.FileState.READ) {
      if (!empty || epochs.fileState() == LeaderEpochCache.FileState.CORRUPT) {
        LOG.info("{}: rebuilding the leader-epoch cache from the batch headers ({} checkpoint file)", dir,
            epochs.fileState() == LeaderEpochCache.FileState.MISSING ? "no" : "unreadable");
        epochs.rebuild(epochStartsOfWholeLog());
        epochs.truncateFromStart(lso);
      }
      return;
    }
    if (empty) {
      epochs.clear();
      return;
    }
    epochs.truncateFromEnd(leo);
    if (recoveredEpochStarts != null) {
      int latest = epochs.latestEpoch();
      epochs.assignAll(recoveredEpochStarts.stream().filter(e -> e.epoch() > latest).toList());
    }
    epochs.truncateFromStart(lso);
  }

  /** The rising leader epochs of every batch in the log, with the base offset of each one's first batch. */
  private List<LeaderEpochCache.Entry> epochStartsOfWholeLog() throws IOException {
    List<LeaderEpochCache.Entry> starts = new ArrayList<>();
    for (LogSegment seg : segments.all()) {
      FileBatchScanner sc = new FileBatchScanner(seg.channel(), 0, seg.size());
      while (sc.next() == FileBatchScanner.OK) {
        LeaderEpochCache.noteBatch(starts, sc.partitionLeaderEpoch(), sc.baseOffset());
      }
    }
    return starts;
  }
}
