package io.tributary.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader epochs of one partition log and the offset at which each began (Kafka's
 * {@code LeaderEpochFileCache}, KIP-101/279), kept in the partition directory as
 * {@code leader-epoch-checkpoint} in Kafka's text format:
 *
 * <pre>
 * 0                  version
 * 2                  number of entries
 * 0 0                epoch start-offset, epochs and start offsets strictly increasing
 * 3 1500
 * </pre>
 *
 * <p>Rules (Kafka's): {@link #assign} adds an entry only for an epoch above the latest one starting at or
 * after the latest start offset; when it starts exactly where the latest did, the latest epoch held no
 * records and is replaced (as in Kafka's current cache). A lower epoch, or a higher one starting below the
 * latest start offset, is ignored with a warning, as Kafka 1.x-2.x did (current Kafka instead drops the
 * conflicting entries): every path that removes records here also truncates the cache in the same step, so
 * such an assign can only come from a caller that has lost track of the log, and ignoring it keeps the
 * history of the records that are there. {@link #endOffsetFor} is Kafka's {@code endOffsetFor} exactly.
 *
 * <p>Every change is written at once, atomically (tmp file, fsync, rename), on the log's single writer
 * thread. Unlike Kafka, truncations are written synchronously too: they are rare (follower truncation,
 * retention). The file may still be ahead of the log after a crash (an epoch assigned just before its
 * records were written); opening the log truncates the cache to the recovered log end.
 *
 * <p>Threading: mutators on the writer thread only. Readers ({@link #latestEpoch}, {@link #endOffsetFor},
 * {@link #entries}) take no lock: they read an immutable array published through a volatile field.
 */
final class LeaderEpochCache {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderEpochCache.class);
  static final String FILE_NAME = "leader-epoch-checkpoint";
  private static final int VERSION = 0;
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");
  private static final Entry[] NONE = new Entry[0];

  /** One epoch and the offset of its first record. */
  record Entry(int epoch, long startOffset) {
    @Override
    public String toString() {
      return epoch + " " + startOffset;
    }
  }

  /** What the checkpoint file held when the cache was opened. */
  enum FileState {
    /** Read (possibly empty). */
    READ,
    /** No file: a log written before epochs were kept, or a new one. */
    MISSING,
    /** Unreadable, another version, or entries out of order: ignored (and logged). */
    CORRUPT
  }

  private final Path file;
  private final FileState fileState;
  /** Sorted by epoch and by start offset, never mutated once published. */
  private volatile Entry[] entries;
  /** The last assignment ignored, so that a caller repeating its epoch is logged once (writer only). */
  private Entry lastIgnored;

  private LeaderEpochCache(Path file, FileState fileState, Entry[] entries) {
    this.file = file;
    this.fileState = fileState;
    this.entries = entries;
  }

  /** Reads {@code dir}'s checkpoint file; a missing or corrupt one gives an empty cache (see {@link #fileState()}). */
  static LeaderEpochCache open(Path dir) {
    Path file = dir.resolve(FILE_NAME);
    if (!Files.exists(file)) {
      return new LeaderEpochCache(file, FileState.MISSING, NONE);
    }
    try {
      return new LeaderEpochCache(file, FileState.READ, parse(Files.readAllLines(file, StandardCharsets.UTF_8)));
    } catch (IOException | RuntimeException e) {
      LOG.warn("Ignoring leader-epoch checkpoint {}: {}", file, e.getMessage());
      return new LeaderEpochCache(file, FileState.CORRUPT, NONE);
    }
  }

  /** Kafka's CheckpointFile reading rules: an empty file, or one without a count line, holds no entries. */
  private static Entry[] parse(List<String> lines) throws IOException {
    if (lines.isEmpty()) {
      return NONE;
    }
    int version = Integer.parseInt(lines.get(0).trim());
    if (version != VERSION) {
      throw new IOException("version " + version + ", expected " + VERSION);
    }
    if (lines.size() < 2) {
      return NONE;
    }
    int count = Integer.parseInt(lines.get(1).trim());
    if (lines.size() - 2 != count) {
      throw new IOException("expected " + count + " entries, found " + (lines.size() - 2));
    }
    Entry[] out = NONE;
    for (String line : lines.subList(2, lines.size())) {
      String[] parts = WHITESPACE.split(line.trim());
      if (parts.length != 2) {
        throw new IOException("malformed line '" + line + "'");
      }
      int epoch = Integer.parseInt(parts[0]);
      long start = Long.parseLong(parts[1]);
      if (epoch < 0 || start < 0) {
        throw new IOException("negative epoch or offset in '" + line + "'");
      }
      Entry[] next = assigned(out, epoch, start);
      if (next == null || next == out) {
        throw new IOException("entry '" + line + "' does not follow " + out[out.length - 1]);
      }
      out = next;
    }
    return out;
  }

  FileState fileState() {
    return fileState;
  }

  // ---------------------------------------------------------------- reads (any thread)

  /** The latest epoch, or -1 (Kafka's UNDEFINED_EPOCH) when there is none. */
  int latestEpoch() {
    Entry[] e = entries;
    return e.length == 0 ? OffsetsForLeaderEpochResponse.UNDEFINED_EPOCH : e[e.length - 1].epoch();
  }

  /** The entries, oldest first. */
  List<Entry> entries() {
    return List.of(entries);
  }

  /**
   * Kafka's {@code LeaderEpochFileCache.endOffsetFor}: for -1, or with no epoch above the requested one and
   * the requested one not the latest, {@link EpochEndOffset#UNDEFINED}; for the latest epoch,
   * {@code logEndOffset}; otherwise the start offset of the first epoch above the requested one, paired with
   * the largest known epoch at or below the requested one, or with the requested epoch itself when it lies
   * below every known epoch (its records are gone; the follower restarts from the next epoch's start).
   */
  EpochEndOffset endOffsetFor(int requestedEpoch, long logEndOffset) {
    Entry[] e = entries;
    if (requestedEpoch == OffsetsForLeaderEpochResponse.UNDEFINED_EPOCH) {
      return EpochEndOffset.UNDEFINED;
    }
    if (e.length > 0 && e[e.length - 1].epoch() == requestedEpoch) {
      return new EpochEndOffset(requestedEpoch, logEndOffset);
    }
    int higher = firstAbove(e, requestedEpoch);
    if (higher == e.length) {
      return EpochEndOffset.UNDEFINED;
    }
    long end = e[higher].startOffset();
    return higher == 0 ? new EpochEndOffset(requestedEpoch, end) : new EpochEndOffset(e[higher - 1].epoch(), end);
  }

  /** Index of the first entry whose epoch is above {@code epoch} ({@code e.length} if none). */
  private static int firstAbove(Entry[] e, int epoch) {
    int lo = 0;
    int hi = e.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (e[mid].epoch() <= epoch) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  // ---------------------------------------------------------------- writes (the log's writer thread)

  /**
   * Records that {@code epoch} begins at {@code startOffset} (see the class comment for when this changes
   * anything); writes the file when it does.
   *
   * @throws IllegalArgumentException a negative epoch or offset (Kafka's rule)
   */
  void assign(int epoch, long startOffset) throws IOException {
    Entry[] cur = entries;
    if (cur.length > 0 && cur[cur.length - 1].epoch() == epoch && startOffset >= cur[cur.length - 1].startOffset()) {
      return; // every append of the current epoch: nothing to allocate
    }
    assignAll(List.of(new Entry(epoch, startOffset)));
  }

  /** {@link #assign} of each entry in order, with one write at most. */
  void assignAll(List<Entry> starts) throws IOException {
    Entry[] cur = entries;
    Entry[] next = cur;
    for (Entry s : starts) {
      Entry[] n = assigned(next, s.epoch(), s.startOffset());
      if (n != null) {
        next = n;
      } else if (lastIgnored == null || s.epoch() != lastIgnored.epoch()) {
        lastIgnored = s;
        LOG.warn("{}: ignoring leader epoch {} at offset {}: the latest is {} (epochs and start offsets only grow)",
            file.getParent(), s.epoch(), s.startOffset(), next[next.length - 1]);
      }
    }
    if (next != cur) {
      publish(next);
    }
  }

  /**
   * The entries after assigning {@code epoch} at {@code start}: {@code cur} itself when nothing changes, null
   * when the assignment conflicts with the latest entry and is ignored.
   */
  private static Entry[] assigned(Entry[] cur, int epoch, long start) {
    if (epoch < 0 || start < 0) {
      throw new IllegalArgumentException("Invalid leader epoch entry " + epoch + " " + start);
    }
    if (cur.length == 0) {
      return new Entry[] {new Entry(epoch, start)};
    }
    Entry latest = cur[cur.length - 1];
    if (epoch == latest.epoch() && start >= latest.startOffset()) {
      return cur;
    }
    if (epoch < latest.epoch() || start < latest.startOffset()) {
      return null;
    }
    // the latest epoch held no records when the new one starts at the same offset: replace it
    int keep = start == latest.startOffset() ? cur.length - 1 : cur.length;
    Entry[] next = Arrays.copyOf(cur, keep + 1);
    next[keep] = new Entry(epoch, start);
    return next;
  }

  /**
   * Removes the entries that start at or after {@code endOffset} (the log was truncated there or never
   * reached them). Kafka's {@code truncateFromEnd}.
   */
  void truncateFromEnd(long endOffset) throws IOException {
    Entry[] cur = entries;
    int keep = cur.length;
    while (keep > 0 && cur[keep - 1].startOffset() >= endOffset) {
      keep--;
    }
    if (endOffset >= 0 && keep < cur.length) {
      publish(Arrays.copyOf(cur, keep));
    }
  }

  /**
   * The log now starts at {@code startOffset}: the entries starting at or before it collapse into one, the
   * last of them, moved to {@code startOffset}. Kafka's {@code truncateFromStart} (an entry starting exactly
   * at {@code startOffset} is kept).
   */
  void truncateFromStart(long startOffset) throws IOException {
    Entry[] cur = entries;
    int removed = 0;
    while (removed < cur.length && cur[removed].startOffset() <= startOffset) {
      removed++;
    }
    if (removed == 0 || (removed == 1 && cur[0].startOffset() == startOffset)) {
      return;
    }
    Entry[] next = new Entry[cur.length - removed + 1];
    next[0] = new Entry(cur[removed - 1].epoch(), startOffset);
    System.arraycopy(cur, removed, next, 1, cur.length - removed);
    publish(next);
  }

  /** Forgets every epoch (the log was emptied). */
  void clear() throws IOException {
    if (entries.length > 0) {
      publish(NONE);
    }
  }

  /**
   * Replaces the entries with those found in the log's batch headers (see {@link #noteBatch}) and writes the
   * file even if nothing changed, so that a log without the file is scanned once.
   */
  void rebuild(List<Entry> fromLog) throws IOException {
    Entry[] next = NONE;
    for (Entry s : fromLog) {
      Entry[] n = assigned(next, s.epoch(), s.startOffset());
      if (n != null) {
        next = n;
      }
    }
    publish(next);
  }

  /**
   * Adds to {@code starts} the epoch of a batch read from the log when it is above the last one noted:
   * Kafka's recovery rule (LogSegment.recover). Batches without an epoch (-1) are skipped.
   */
  static void noteBatch(List<Entry> starts, int epoch, long baseOffset) {
    if (epoch >= 0 && (starts.isEmpty() || epoch > starts.get(starts.size() - 1).epoch())) {
      starts.add(new Entry(epoch, baseOffset));
    }
  }

  private void publish(Entry[] next) throws IOException {
    entries = next;
    write(next);
  }

  private void write(Entry[] e) throws IOException {
    StringBuilder sb = new StringBuilder(16 + e.length * 16);
    sb.append(VERSION).append('\n').append(e.length).append('\n');
    for (Entry entry : e) {
      sb.append(entry.epoch()).append(' ').append(entry.startOffset()).append('\n');
    }
    Checkpoint.writeAtomically(file, sb.toString().getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String toString() {
    return "LeaderEpochCache" + entries();
  }
}
