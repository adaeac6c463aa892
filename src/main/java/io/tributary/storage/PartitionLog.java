package io.tributary.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.record.RecordBatch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * The log of one partition: a directory of segments in Kafka's on-disk layout.
 *
 * Threading: a single writer (the owning PartitionEntity's append stream) calls append, flush,
 * roll, retention, truncation and close. read, offsetForTimestamp, the offset getters,
 * endOffsetForEpoch and latestEpoch are safe from any thread at any time (they work from an
 * immutable snapshot of the segment list or epoch cache; a segment deleted or cut under a reader
 * surfaces as an empty read, never as a torn one).
 *
 * <p>Files in the partition directory besides the segments: {@code <offset>.snapshot} (producer
 * state), {@code leader-epoch-checkpoint} ({@link LeaderEpochCache}), {@code log-start-offset-checkpoint},
 * {@code recovery-point-offset-checkpoint} (rewritten
 * only when the recovery point moves into another segment: recovery restarts at the segment that
 * holds it) and {@code .clean-shutdown} (written by {@link #close()}, removed on open; when absent
 * on open, every segment from the recovery point on is re-validated).
 *
 * <p>This class holds the log end offset, the append paths (leader: {@link #append}; follower:
 * {@link #appendAsFollower}) and segment rolling, and hands the rest to package-private parts:
 * {@link LogLoader} (open), {@link LogReader} (reads), {@link LogRetention} (log start offset,
 * segment deletion), {@link LogTruncation} (removing the end), {@link LeaderEpochCache} (leader epochs),
 * {@link LogFlusher} (fsync, recovery point) and {@link LogCompactor}.
 *
 * <p>{@code cleanup.policy=compact} disables time/size retention (as in Kafka, unless the policy
 * also contains {@code delete}) and makes {@link #enforceRetention(long)} run a simple compaction
 * of the non-active segments ({@link #compact(long)}, simplifications listed in
 * {@link LogCompactor}).
 */
public final class PartitionLog implements Closeable {
  static final String CLEAN_SHUTDOWN_FILE = ".clean-shutdown";
  static final String LOG_START_CHECKPOINT = "log-start-offset-checkpoint";
  static final String RECOVERY_CHECKPOINT = "recovery-point-offset-checkpoint";

  private final Path dir;
  private final LongSupplier clock;
  private final FileChannelOpener channels;
  private volatile LogConfig config;
  private final LogSegments segments = new LogSegments();
  private final ProducerStateManager producers;
  private final LeaderEpochCache epochs;
  private final Checkpoint logStartCheckpoint;
  private final Checkpoint recoveryCheckpoint;
  private final LogReader reader = new LogReader(segments);
  private final LogRetention retention;
  private final LogFlusher flusher;
  private final LogTruncation truncation;
  private volatile long logEndOffset;
  /** The owner's latest high watermark, applied to the producer state by the writer ({@link #highWatermarkUpdated}). */
  private volatile long highWatermarkHint = -1;
  private volatile boolean closed;
  private long cleanedUpTo = -1; // writer-only

  private PartitionLog(Path dir, LogConfig config, LongSupplier clock, FileChannelOpener channels) {
    this.dir = dir;
    this.config = config;
    this.clock = clock;
    this.channels = channels;
    this.producers = new ProducerStateManager(dir);
    this.epochs = LeaderEpochCache.open(dir);
    this.logStartCheckpoint = new Checkpoint(dir.resolve(LOG_START_CHECKPOINT));
    this.recoveryCheckpoint = new Checkpoint(dir.resolve(RECOVERY_CHECKPOINT));
    this.retention = new LogRetention(dir, segments, producers, epochs, logStartCheckpoint, this::roll);
    this.flusher = new LogFlusher(segments, recoveryCheckpoint, clock);
    this.truncation = new LogTruncation(dir, segments, producers, epochs, flusher, retention, channels, clock);
  }

  /** Opens (creating if absent) the log in {@code dir}, recovering the tail after an unclean stop. */
  public static PartitionLog open(Path dir, LogConfig config) throws IOException {
    return open(dir, config, System::currentTimeMillis);
  }

  /** As {@link #open(Path, LogConfig)} with an injectable wall clock (ms) for segment.ms, flush.ms and retention. */
  public static PartitionLog open(Path dir, LogConfig config, LongSupplier clock) throws IOException {
    return open(dir, config, clock, FileChannelOpener.DEFAULT);
  }

  /** As {@link #open(Path, LogConfig, LongSupplier)}, opening the segment files through {@code channels}. */
  public static PartitionLog open(Path dir, LogConfig config, LongSupplier clock, FileChannelOpener channels)
      throws IOException {
    PartitionLog log = new PartitionLog(dir, config, clock, channels);
    try {
      log.load();
    } catch (IOException | RuntimeException e) {
      for (LogSegment s : log.segments.all()) {
        try {
          s.closeChannel();
        } catch (IOException ignored) {
          // best effort
        }
      }
      throw e;
    }
    return log;
  }

  private void load() throws IOException {
    LogLoader.Loaded loaded =
        new LogLoader(dir, config, clock, segments, producers, epochs, logStartCheckpoint, recoveryCheckpoint, channels)
            .load();
    retention.initLogStartOffset(loaded.logStartOffset());
    logEndOffset = loaded.logEndOffset();
    flusher.init(loaded.logEndOffset(), loaded.checkpointedRecoveryPoint());
  }

  private void addSegment(LogSegment s) {
    s.indexIntervalBytes = config.indexIntervalBytes();
    segments.add(s);
  }

  // ------------------------------------------------------------------------------------ append

  /**
   * Validates and appends producer batches (magic v2 only), as the leader in {@code leaderEpoch}, which is
   * recorded in the leader-epoch cache at the first offset when it is above the latest epoch (a negative
   * epoch is stamped but not recorded). Only baseOffset and
   * partitionLeaderEpoch are patched in the stored bytes, plus, under LogAppendTime, the timestamp
   * type, max timestamp and CRC. Idempotent producers: a duplicate of one
   * of the last five batches of a producer returns the original offsets without writing.
   *
   * <p>The batches are patched in place in {@code records}' buffer (copied first only if that
   * buffer is read-only), so after a successful append the caller's buffer holds the stored bytes.
   *
   * @throws org.apache.kafka.common.errors.CorruptRecordException bad CRC or malformed batch
   * @throws org.apache.kafka.common.errors.RecordTooLargeException batch above max.message.bytes
   * @throws org.apache.kafka.common.InvalidRecordException other invalid input (magic != 2, ...)
   * @throws org.apache.kafka.common.errors.OutOfOrderSequenceException sequence gap
   * @throws org.apache.kafka.common.errors.InvalidProducerEpochException / ProducerFencedException stale epoch
   */
  public AppendResult append(MemoryRecords records, int leaderEpoch) throws IOException {
    ensureOpen();
    LogConfig cfg = config;
    ByteBuffer buf = records.buffer();
    BatchValidator.Summary summary = BatchValidator.validate(buf, cfg.maxMessageBytes());
    if (buf.remaining() > cfg.segmentBytes()) {
      throw new RecordBatchTooLargeException("Message batch size is " + buf.remaining()
          + " bytes in append, which exceeds the maximum configured segment size of " + cfg.segmentBytes());
    }
    if (summary.hasProducerBatches()) {
      producers.onHighWatermark(highWatermarkHint);
      ProducerStateManager.BatchMetadata dup = producers.check(buf);
      if (dup != null) {
        return new AppendResult(dup.firstOffset(), dup.lastOffset(), retention.logStartOffset(),
            (int) (dup.lastOffset() - dup.firstOffset() + 1), true, RecordBatch.NO_TIMESTAMP);
      }
    }
    if (buf.isReadOnly()) {
      ByteBuffer copy = ByteBuffer.allocate(buf.remaining());
      copy.put(buf.duplicate()).flip();
      buf = copy;
    }
    long first = logEndOffset;
    long last = first + summary.records() - 1;
    long appendTime = cfg.logAppendTime() ? clock.getAsLong() : RecordBatch.NO_TIMESTAMP;
    long maxTimestamp = cfg.logAppendTime() ? appendTime : summary.maxTimestamp();
    if (leaderEpoch >= 0) {
      // before the records, as Kafka: a crash in between leaves an epoch past the log end, which open removes
      epochs.assign(leaderEpoch, first);
    }
    LogSegment active = maybeRoll(buf.remaining(), last, maxTimestamp);
    long next = first;
    int end = buf.limit();
    for (int p = buf.position(); p < end; p += Batches.size(buf, p)) {
      buf.putLong(p + Batches.BASE_OFFSET, next);
      buf.putInt(p + Batches.PARTITION_LEADER_EPOCH, leaderEpoch);
      if (cfg.logAppendTime()) Batches.stampLogAppendTime(buf, p, appendTime);
      next += Batches.lastOffsetDelta(buf, p) + 1;
    }
    active.append(buf, cfg.indexIntervalBytes());
    logEndOffset = next;
    if (summary.hasProducerBatches()) {
      indexAborted(producers.updateAll(buf), active);
    }
    flusher.appended(summary.records());
    return new AppendResult(first, next - 1, retention.logStartOffset(), summary.records(), false, appendTime);
  }

  private LogSegment maybeRoll(int bytes, long lastOffset, long incomingMaxTs) throws IOException {
    LogSegment active = segments.active();
    if (active.size() == 0) {
      return active;
    }
    LogConfig cfg = config;
    boolean roll = (long) active.size() + bytes > cfg.segmentBytes()
        || lastOffset - active.baseOffset() > Integer.MAX_VALUE
        || active.indexFull()
        || active.timeWaitedForRoll(clock.getAsLong(), incomingMaxTs) > cfg.segmentMs();
    return roll ? rollSegment() : active;
  }

  /**
   * Appends batches replicated from the leader as they are: offsets, leader epochs, timestamps (also under
   * LogAppendTime) and CRCs are kept byte for byte. They are validated first ({@link BatchValidator}: framing,
   * magic v2, CRC; no {@code max.message.bytes} limit, as Kafka's follower append) and must continue the log:
   * the first batch starts at the log end offset and each later one right after the previous one (on
   * compacted topics a batch may also start further on, past a hole compaction left in the leader's log).
   * Segments roll as for {@link #append}; a fetch larger than {@code segment.bytes} is spread over several
   * segments. Each batch's leader epoch goes into the epoch cache where it rises, and its producer into the
   * producer state (without sequence checks, as Kafka's replication path), so that idempotent retries are
   * still recognised once this replica leads.
   *
   * @return the offsets appended ({@code lastOffset < firstOffset} and no records for empty input, which is a
   *     no-op as in Kafka); {@code duplicate} false and {@code logAppendTime} -1
   * @throws UnexpectedAppendOffsetException the offsets do not continue the log; nothing was written
   * @throws org.apache.kafka.common.errors.CorruptRecordException bad CRC or malformed batch; nothing was written
   * @throws org.apache.kafka.common.InvalidRecordException magic other than 2; nothing was written
   */
  public AppendResult appendAsFollower(MemoryRecords records) throws IOException {
    ensureOpen();
    LogConfig cfg = config;
    ByteBuffer buf = records.buffer();
    if (!buf.hasRemaining()) { // a fetch that brought nothing new (Kafka: a no-op)
      return new AppendResult(logEndOffset, logEndOffset - 1, retention.logStartOffset(), 0, false,
          RecordBatch.NO_TIMESTAMP);
    }
    BatchValidator.Summary summary = BatchValidator.validateReplicated(buf, logEndOffset, cfg.compact());
    long first = Batches.baseOffset(buf, buf.position());
    int end = buf.limit();
    for (int from = buf.position(); from < end; ) {
      int to = from + Batches.size(buf, from);
      while (to < end && (long) (to - from) + Batches.size(buf, to) <= cfg.segmentBytes()) {
        to += Batches.size(buf, to);
      }
      appendReplicated(buf.duplicate().limit(to).position(from), cfg);
      from = to;
    }
    return new AppendResult(first, logEndOffset - 1, retention.logStartOffset(), summary.records(), false,
        RecordBatch.NO_TIMESTAMP);
  }

  /** One segment's worth of validated replicated batches (position..limit of {@code chunk}). */
  private void appendReplicated(ByteBuffer chunk, LogConfig cfg) throws IOException {
    List<LeaderEpochCache.Entry> epochStarts = new ArrayList<>(1);
    int latest = epochs.latestEpoch();
    long last = -1;
    long maxTimestamp = RecordBatch.NO_TIMESTAMP;
    long records = 0;
    for (int p = chunk.position(); p < chunk.limit(); p += Batches.size(chunk, p)) {
      int epoch = Batches.partitionLeaderEpoch(chunk, p);
      if (epoch >= 0 && epoch != latest) {
        epochStarts.add(new LeaderEpochCache.Entry(epoch, Batches.baseOffset(chunk, p)));
        latest = epoch;
      }
      last = Batches.lastOffset(chunk, p);
      maxTimestamp = Math.max(maxTimestamp, Batches.maxTimestamp(chunk, p));
      records += Batches.recordsCount(chunk, p);
    }
    epochs.assignAll(epochStarts);
    producers.onHighWatermark(highWatermarkHint);
    LogSegment active = maybeRoll(chunk.remaining(), last, maxTimestamp);
    active.append(chunk, cfg.indexIntervalBytes());
    logEndOffset = last + 1;
    indexAborted(producers.updateAll(chunk), active);
    flusher.appended(records);
  }

  /** Aborted transactions that a write ended go into the index of the segment that holds their marker. */
  private static void indexAborted(List<CompletedTxn> ended, LogSegment segment) throws IOException {
    for (CompletedTxn t : ended) {
      if (t.aborted()) {
        segment.txnIndex().append(t.toAborted());
      }
    }
  }

  /**
   * Writes a COMMIT or ABORT marker for {@code producerId}'s transaction as the leader in {@code leaderEpoch} (the
   * control batch Kafka's WriteTxnMarkers appends: one record, the coordinator's epoch in its value, the producer's
   * epoch in the header). The producer's open transaction ends: the last stable offset moves once the marker is
   * replicated, and an aborted transaction goes into the aborted-transaction index. A producer without an open
   * transaction here still gets its marker, as in Kafka (the coordinator sends it to every partition it added).
   *
   * @throws org.apache.kafka.common.errors.InvalidProducerEpochException the producer epoch is below the known one
   * @throws org.apache.kafka.common.errors.TransactionCoordinatorFencedException the coordinator epoch is below the
   *     one of the producer's last marker
   */
  public AppendResult appendTxnMarker(long producerId, short producerEpoch, int coordinatorEpoch, boolean commit,
      int leaderEpoch) throws IOException {
    ensureOpen();
    long offset = logEndOffset;
    producers.onHighWatermark(highWatermarkHint);
    producers.checkMarker(producerId, producerEpoch, coordinatorEpoch, offset, dir.getFileName().toString());
    long now = clock.getAsLong();
    ByteBuffer buf = MemoryRecords.withEndTransactionMarker(offset, now, leaderEpoch, producerId, producerEpoch,
        new EndTransactionMarker(commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, coordinatorEpoch)).buffer();
    if (config.logAppendTime()) {
      Batches.stampLogAppendTime(buf, buf.position(), now);
    }
    if (leaderEpoch >= 0) {
      epochs.assign(leaderEpoch, offset);
    }
    LogSegment active = maybeRoll(buf.remaining(), offset, now);
    active.append(buf, config.indexIntervalBytes());
    logEndOffset = offset + 1;
    indexAborted(producers.updateAll(buf), active);
    flusher.appended(1);
    return new AppendResult(offset, offset, retention.logStartOffset(), 1, false,
        config.logAppendTime() ? now : RecordBatch.NO_TIMESTAMP);
  }

  // ------------------------------------------------------------------------------------ transactions (readers)

  /**
   * The high watermark moved to {@code hw} (any thread): ended transactions whose marker lies below it stop holding
   * back the last stable offset from the writer's next write on (readers pass the high watermark they use anyway).
   */
  public void highWatermarkUpdated(long hw) {
    if (hw > highWatermarkHint) {
      highWatermarkHint = hw;
    }
  }

  /**
   * Kafka's last stable offset for a given high watermark: below it no transaction is open or waiting for its
   * marker to be replicated (read_committed fetches and ListOffsets stop there), and never below the log start
   * offset. Safe from any thread.
   */
  public long lastStableOffset(long highWatermark) {
    long firstUnstable = producers.unstable().lastStableOffset(highWatermark);
    // as Kafka's maybeIncrementFirstUnstableOffset: a transaction whose start was deleted holds it at the log start
    return Math.min(highWatermark, Math.max(firstUnstable, retention.logStartOffset()));
  }

  /** The first offset of {@code producerId}'s open transaction in this partition, -1 if none. Safe from any thread. */
  public long openTransactionStart(long producerId) {
    return producers.unstable().openTransactionStart(producerId);
  }

  /**
   * Kafka's {@code collectAbortedTransactions}: the aborted transactions that overlap {@code [startOffset, upperBound)},
   * from the aborted-transaction indexes of the segment holding {@code startOffset} and the later ones, stopping as
   * soon as an entry shows that no later segment can hold more. Safe from any thread.
   */
  public List<AbortedTxn> abortedTransactions(long startOffset, long upperBound) {
    List<AbortedTxn> out = new ArrayList<>();
    LogSegment from = segments.floor(startOffset);
    if (from == null) {
      from = segments.first();
    }
    if (from == null) {
      return out;
    }
    for (LogSegment seg : segments.from(from.baseOffset())) {
      if (seg.txnIndex().collect(startOffset, upperBound, out)) {
        break;
      }
    }
    return out;
  }

  /** The producers this partition knows (DescribeProducers). Writer thread only. */
  public List<ActiveProducer> activeProducers() {
    ensureOpen();
    return producers.activeProducers();
  }

  /** Starts a new active segment at the log end offset (no-op if the active segment is empty). Writer thread only. */
  public void roll() throws IOException {
    rollSegment();
  }

  private LogSegment rollSegment() throws IOException {
    ensureOpen();
    LogSegment old = segments.active();
    long base = logEndOffset;
    if (old.size() == 0 || old.baseOffset() == base) {
      return old;
    }
    old.onRoll();
    LogSegment s = LogSegment.create(dir, base, config.segmentIndexBytes(), clock.getAsLong(), channels);
    addSegment(s);
    producers.takeSnapshot(base);
    return s;
  }

  // ------------------------------------------------------------------------------------ truncation, epochs

  /**
   * Removes every batch at and above {@code offset} (Kafka's {@code UnifiedLog.truncateTo}): newer segments
   * are deleted and the one holding the offset is cut at a batch boundary; a batch that holds the offset
   * goes whole, and the log then ends at its base offset. The recovery point, the log start offset (when
   * above the new end), the leader-epoch cache and the producer state (as if the removed batches had never
   * been appended) follow. Only the epoch cache is touched when {@code offset >= logEndOffset} (an epoch
   * assigned at the end with no records, as Kafka). An offset below the first segment empties the log, which
   * restarts there ({@link #truncateFullyAndStartAt}). Concurrent readers see the old bytes or an empty
   * read, never a mix (see {@link LogTruncation}). Writer thread only.
   *
   * @throws IllegalArgumentException a negative offset
   */
  public void truncateTo(long offset) throws IOException {
    ensureOpen();
    if (offset < 0) {
      throw new IllegalArgumentException("Cannot truncate " + dir + " to a negative offset " + offset);
    }
    long leo = logEndOffset;
    if (offset >= leo) {
      epochs.truncateFromEnd(leo);
      return;
    }
    cleanedUpTo = -1;
    if (offset < segments.first().baseOffset()) {
      truncation.truncateFullyAndStartAt(offset, config, this::setLogEndOffset);
    } else {
      truncation.truncateTo(offset, config, this::setLogEndOffset);
    }
    highWatermarkHint = Math.min(highWatermarkHint, logEndOffset);
  }

  /**
   * Deletes all records and restarts the log, empty, at {@code offset}, which becomes its start and end
   * (Kafka's {@code truncateFullyAndStartAt}): for a follower whose log end lies below the leader's log
   * start, or whose log must go entirely. The epoch cache and the producer state are emptied. Writer thread
   * only.
   *
   * @throws IllegalArgumentException a negative offset
   */
  public void truncateFullyAndStartAt(long offset) throws IOException {
    ensureOpen();
    if (offset < 0) {
      throw new IllegalArgumentException("Cannot restart " + dir + " at a negative offset " + offset);
    }
    cleanedUpTo = -1;
    if (offset >= segments.first().baseOffset() && offset < logEndOffset) {
      // the records at and above the new start go first, so that a crash part way cannot keep them
      truncation.truncateTo(offset, config, this::setLogEndOffset);
    }
    truncation.truncateFullyAndStartAt(offset, config, this::setLogEndOffset);
    highWatermarkHint = Math.min(highWatermarkHint, logEndOffset);
  }

  private void setLogEndOffset(long offset) {
    logEndOffset = offset;
  }

  /**
   * This replica starts leading in {@code leaderEpoch}: records that the epoch begins at the log end offset
   * (Kafka's {@code Partition.makeLeader}), so that {@link #endOffsetForEpoch} answers for the epochs before
   * it even before the first record of the new epoch is appended. No-op for an epoch that is not above the
   * latest. Writer thread only.
   */
  public void beginLeaderEpoch(int leaderEpoch) throws IOException {
    ensureOpen();
    if (leaderEpoch > epochs.latestEpoch()) {
      epochs.assign(leaderEpoch, logEndOffset);
    }
  }

  /**
   * Where {@code leaderEpoch} ends in this log (OffsetForLeaderEpoch; Kafka's {@code endOffsetFor}): for the
   * latest epoch the log end offset; for an earlier one the start offset of the next higher epoch, paired with
   * the largest epoch at or below the requested one (or the requested one when it is below every known
   * epoch); {@link EpochEndOffset#UNDEFINED} for -1, for an epoch above the latest, or without epochs.
   * Safe from any thread.
   */
  public EpochEndOffset endOffsetForEpoch(int leaderEpoch) {
    // the end first: the writer publishes an epoch before the records that carry it, so the cache read next is
    // at least as new as this end; an answer beyond it (an epoch published, its records not yet) is capped
    long leo = logEndOffset;
    EpochEndOffset answer = epochs.endOffsetFor(leaderEpoch, leo);
    return answer.endOffset() > leo ? new EpochEndOffset(answer.leaderEpoch(), leo) : answer;
  }

  /** The latest leader epoch of this log, -1 if none. Safe from any thread. */
  public int latestEpoch() {
    return epochs.latestEpoch();
  }

  // ------------------------------------------------------------------------------------ flush

  /** fsync of everything appended so far. */
  public void flush() throws IOException {
    if (closed) {
      return;
    }
    flusher.flush(logEndOffset);
  }

  /**
   * True when flush.messages or flush.ms say the unflushed tail should be fsynced now (always true
   * with unflushed data under {@code flush.policy=always}). Writer thread only.
   */
  public boolean flushDue(long nowMs) {
    return flusher.flushDue(config, nowMs);
  }

  /** Messages appended since the last flush. Writer thread only. */
  public long unflushedMessages() {
    return flusher.unflushedMessages();
  }

  /** Offset up to which the log is known to be fsynced. Writer thread only. */
  public long recoveryPoint() {
    return flusher.recoveryPoint();
  }

  /** Shortcut for {@code config().flushAlways()}: the owner must flush before acknowledging. */
  public boolean flushAlways() {
    return config.flushAlways();
  }

  // ------------------------------------------------------------------------------------ read

  /**
   * Reads whole batches starting with the batch that contains {@code offset}, at most
   * {@code maxBytes} (but at least one batch if {@code minOneBatch}), never past {@code maxOffset}
   * (exclusive; the high watermark). Reads one segment at most.
   *
   * @throws org.apache.kafka.common.errors.OffsetOutOfRangeException offset below log start or above log end
   */
  public ReadResult read(long offset, int maxBytes, long maxOffset, boolean minOneBatch) throws IOException {
    long leo = logEndOffset;
    long lso = retention.logStartOffset();
    if (offset < lso || offset > leo) {
      throw outOfRange(offset, lso, leo);
    }
    long maxOff = Math.min(maxOffset, leo);
    if (offset >= maxOff) {
      return new ReadResult(MemoryRecords.EMPTY, lso, leo);
    }
    ByteBuffer data = reader.read(offset, maxBytes, maxOffset, leo, minOneBatch);
    if (data != null) {
      return new ReadResult(MemoryRecords.readableRecords(data), lso, leo);
    }
    return new ReadResult(MemoryRecords.EMPTY, retention.logStartOffset(), logEndOffset);
  }

  private OffsetOutOfRangeException outOfRange(long offset, long lso, long leo) {
    return new OffsetOutOfRangeException("Offset " + offset + " is out of range for " + dir.getFileName()
        + ": log start offset " + lso + ", log end offset " + leo);
  }

  /**
   * First offset whose timestamp is >= ts, with that timestamp; empty if none. Only records at or
   * above the log start offset count. Special ListOffsets timestamps (-1 latest, -2 earliest,
   * -3 max timestamp) are the caller's business.
   */
  public Optional<TimestampOffset> offsetForTimestamp(long timestamp) throws IOException {
    return reader.offsetForTimestamp(timestamp, retention.logStartOffset());
  }

  /** The record with the largest timestamp (ListOffsets MAX_TIMESTAMP), empty if the log is empty. */
  public Optional<TimestampOffset> maxTimestamp() throws IOException {
    return reader.maxTimestamp();
  }

  public long logStartOffset() { return retention.logStartOffset(); }
  public long logEndOffset() { return logEndOffset; }
  /** Total bytes of all segments. */
  public long sizeInBytes() { return segments.sizeInBytes(); }
  /** Number of segments (diagnostics, tests). */
  public int segmentCount() { return segments.count(); }
  /** The partition directory. */
  public Path dir() { return dir; }

  // ------------------------------------------------------------------------------------ retention

  /** DeleteRecords: moves the log start offset forward (deleting whole segments below it). Returns the new log start offset. */
  public long deleteRecordsBefore(long offset) throws IOException {
    ensureOpen();
    long leo = logEndOffset;
    if (offset > leo || offset < 0) {
      throw outOfRange(offset, retention.logStartOffset(), leo);
    }
    return retention.deleteRecordsBefore(offset);
  }

  /** Applies retention.ms / retention.bytes (and segment.ms rolling); returns the number of segments deleted. */
  public int enforceRetention(long nowMs) throws IOException {
    ensureOpen();
    LogConfig cfg = config;
    LogSegment active = segments.active();
    if (active.size() > 0 && active.timeWaitedForRoll(nowMs, -1) > cfg.segmentMs()) {
      roll();
    }
    int deleted = retention.deleteExpired(cfg, nowMs);
    if (cfg.compact()) {
      compact(nowMs);
    }
    return deleted;
  }

  /**
   * cleanup.policy=compact: keeps only the last record per key in the non-active segments (see
   * {@link LogCompactor} for what is simplified). Runs only when a segment was rolled since the
   * last pass. Called from {@link #enforceRetention(long)} for compacted topics; writer thread only.
   *
   * @return the number of segments rewritten
   */
  public int compact(long nowMs) throws IOException {
    ensureOpen();
    LogSegment active = segments.active();
    if (active.baseOffset() <= cleanedUpTo) {
      return 0;
    }
    List<LogSegment> cleanable = new ArrayList<>(segments.all());
    cleanable.remove(cleanable.size() - 1);
    // as Kafka's cleaner, never past the first offset of a transaction that is open or whose marker may not be
    // replicated: whether its records are aborted is not known yet
    producers.onHighWatermark(highWatermarkHint);
    long firstUnstable = producers.unstable().firstUnstableOffset();
    cleanable.removeIf(seg -> segments.higher(seg.baseOffset()).baseOffset() > firstUnstable);
    if (cleanable.isEmpty()) {
      return 0;
    }
    long cleanEnd = segments.higher(cleanable.get(cleanable.size() - 1).baseOffset()).baseOffset();
    List<AbortedTxn> aborted = abortedTransactions(cleanable.get(0).baseOffset(), cleanEnd);
    int rewritten = LogCompactor.compact(dir, cleanable, segments, config, nowMs, channels, aborted,
        producers.lastBatchOffsets());
    cleanedUpTo = firstUnstable == Long.MAX_VALUE ? active.baseOffset() : -1;
    return rewritten;
  }

  // ------------------------------------------------------------------------------------ config, lifecycle

  /** New settings (topic config altered). */
  public void updateConfig(LogConfig config) {
    this.config = config;
    for (LogSegment s : segments.all()) {
      s.indexIntervalBytes = config.indexIntervalBytes();
    }
  }

  public LogConfig config() { return config; }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("partition log " + dir + " is closed");
    }
  }

  /** Flushes, writes producer-state snapshot and the clean-shutdown marker, closes files. */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    flush();
    closed = true;
    for (LogSegment s : segments.all()) {
      s.close();
    }
    long leo = logEndOffset;
    producers.takeSnapshot(leo);
    recoveryCheckpoint.write(leo);
    Files.write(dir.resolve(CLEAN_SHUTDOWN_FILE), new byte[0]);
  }

  /**
   * Closes the files after a failed write or fsync, writing nothing: no flush, no producer snapshot, no
   * checkpoint and no clean-shutdown marker, so that the next open re-validates the unflushed tail instead of
   * trusting it. Errors closing the channels are added to {@code failure}'s suppressed ones.
   */
  public void closeAfterFailure(Throwable failure) {
    if (closed) {
      return;
    }
    closed = true;
    for (LogSegment s : segments.all()) {
      try {
        s.closeChannel();
      } catch (IOException e) {
        failure.addSuppressed(e);
      }
    }
  }

  /** Closes and deletes the whole directory (topic deleted). */
  public void delete() throws IOException {
    close();
    Directories.deleteRecursively(dir);
  }

  /** The leader-epoch cache (tests, diagnostics). */
  LeaderEpochCache epochCache() {
    return epochs;
  }

  /** Producer state (tests, diagnostics). Writer thread only. */
  ProducerStateManager producerState() {
    return producers;
  }

  @Override
  public String toString() {
    return "PartitionLog(" + dir + ", " + retention.logStartOffset() + ".." + logEndOffset + ")";
  }

  /** Result of an append. {@code duplicate} is true when an idempotent retry was recognised. */
  /**
   * {@code logAppendTime}: the timestamp given to the batches under {@code message.timestamp.type=LogAppendTime},
   * else -1 (also for a duplicate, whose original time is not kept).
   */
  public record AppendResult(long firstOffset, long lastOffset, long logStartOffset, int recordCount, boolean duplicate,
                             long logAppendTime) {}

  /** Records of a read (whole batches, possibly empty) and the log's bounds at read time. */
  public record ReadResult(MemoryRecords records, long logStartOffset, long logEndOffset) {}

  public record TimestampOffset(long timestamp, long offset) {}
}
