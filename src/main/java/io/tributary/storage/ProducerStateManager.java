package io.tributary.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTxnStateException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.Crc32C;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idempotent-producer state of one partition: per producer id the current epoch and the last five
 * batches' (firstSeq, lastSeq, firstOffset, lastOffset), following Kafka's ProducerStateManager
 * rules (duplicate detection, epoch fencing, sequence continuity with wrap-around, unknown
 * producers accepted at any sequence).
 *
 * <p>Persistence: {@code <offset>.snapshot} files (20-digit offset = log end offset when taken)
 * written on segment roll and clean close; on open the newest valid snapshot at or below the log
 * end is loaded and the batches after it are replayed from the log (headers only). The two newest
 * snapshots are kept. Snapshots hold all five batches per producer (Kafka keeps only the last).
 *
 * <p>Transactions (Kafka's ProducerStateEntry.currentTxnFirstOffset and ProducerStateManager.ongoingTxns): a
 * transactional batch of a producer without an open transaction opens one at its first offset; a COMMIT or ABORT
 * marker ({@link #checkMarker}, {@link #updateAll}) ends it and yields a {@link CompletedTxn}; the
 * {@link TransactionTracker} keeps what holds back the last stable offset ({@link #unstable()}, for any thread).
 * Snapshots (version 2) carry each producer's open transaction and coordinator epoch.
 *
 * <p>Producers whose last batch falls below the log start offset are forgotten (as Kafka does),
 * and so are producers idle for longer than {@code tributary.log.producer.id.expiration.ms} (Kafka's
 * {@code producer.id.expiration.ms}), judged by their batches' timestamps.
 *
 * <p>Not thread-safe: confined to the log's single writer.
 */
final class ProducerStateManager {
  private static final Logger LOG = LoggerFactory.getLogger(ProducerStateManager.class);
  static final int NUM_BATCHES_TO_RETAIN = 5;
  /** Version 2 adds each producer's open transaction and coordinator epoch; version 1 files are still read. */
  private static final int SNAPSHOT_VERSION = 2;
  static final String SUFFIX = ".snapshot";

  /** Metadata of one retained batch. */
  record BatchMetadata(int firstSeq, int lastSeq, long firstOffset, long lastOffset) {}

  /** State of one producer id. */
  static final class Entry {
    short epoch;
    long lastTimestamp = RecordBatch.NO_TIMESTAMP;
    /** First offset of the producer's open transaction in this partition, -1 if none. */
    long currentTxnFirstOffset = -1;
    /** Epoch of the transaction coordinator that wrote the producer's last marker, -1 if none. */
    int coordinatorEpoch = -1;
    final ArrayList<BatchMetadata> batches = new ArrayList<>(NUM_BATCHES_TO_RETAIN);

    int lastSeq() {
      return batches.isEmpty() ? RecordBatch.NO_SEQUENCE : batches.get(batches.size() - 1).lastSeq();
    }

    long lastOffset() {
      return batches.isEmpty() ? -1 : batches.get(batches.size() - 1).lastOffset();
    }

    BatchMetadata findDuplicate(short batchEpoch, int firstSeq, int lastSeq) {
      if (batchEpoch != epoch) {
        return null;
      }
      for (BatchMetadata b : batches) {
        if (b.firstSeq() == firstSeq && b.lastSeq() == lastSeq) {
          return b;
        }
      }
      return null;
    }
  }

  private final Path dir;
  private final Map<Long, Entry> producers = new HashMap<>();
  private final TransactionTracker transactions = new TransactionTracker();

  ProducerStateManager(Path dir) {
    this.dir = dir;
  }

  int producerCount() {
    return producers.size();
  }

  Entry entry(long producerId) {
    return producers.get(producerId);
  }

  /**
   * Checks every producer batch of a validated append (buffer position..limit) against the state,
   * without changing it.
   *
   * @return the original metadata if the append is a retry of a retained batch (nothing must be
   *     written), else null
   * @throws InvalidProducerEpochException epoch below the producer's current epoch
   * @throws OutOfOrderSequenceException a gap, or a new epoch not starting at sequence 0
   */
  BatchMetadata check(ByteBuffer buf) {
    Map<Long, long[]> inRequest = null; // pid -> {epoch, lastSeq, in txn} of earlier batches of this append
    int end = buf.limit();
    for (int p = buf.position(); p < end; p += Batches.size(buf, p)) {
      long pid = Batches.producerId(buf, p);
      if (pid < 0) {
        continue;
      }
      short epoch = Batches.producerEpoch(buf, p);
      int firstSeq = Batches.baseSequence(buf, p);
      int lastSeq = Batches.lastSequence(buf, p);
      Entry e = producers.get(pid);
      long[] prior = inRequest == null ? null : inRequest.get(pid);
      int curEpoch;
      int curLastSeq;
      boolean inTxn;
      if (prior != null) {
        curEpoch = (int) prior[0];
        curLastSeq = (int) prior[1];
        inTxn = prior[2] != 0;
      } else if (e != null) {
        BatchMetadata dup = e.findDuplicate(epoch, firstSeq, lastSeq);
        if (dup != null) {
          return dup;
        }
        curEpoch = e.epoch;
        curLastSeq = e.lastSeq();
        inTxn = e.currentTxnFirstOffset >= 0;
      } else {
        curEpoch = RecordBatch.NO_PRODUCER_EPOCH;
        curLastSeq = RecordBatch.NO_SEQUENCE;
        inTxn = false;
      }
      boolean transactional = Batches.isTransactional(buf, p);
      if (epoch < curEpoch) {
        throw new InvalidProducerEpochException("Epoch of producer " + pid + " is " + epoch
            + ", which is smaller than the last seen epoch " + curEpoch);
      }
      if (!Batches.isControl(buf, p) && firstSeq >= 0) {
        if (epoch != curEpoch) {
          if (firstSeq != 0 && curEpoch != RecordBatch.NO_PRODUCER_EPOCH) {
            throw new OutOfOrderSequenceException("Invalid sequence number for new epoch of producer " + pid
                + ": " + epoch + " (request epoch), " + firstSeq + " (seq. number), " + curEpoch
                + " (current producer epoch)");
          }
        } else if (curEpoch != RecordBatch.NO_PRODUCER_EPOCH && !inSequence(curLastSeq, firstSeq)) {
          throw new OutOfOrderSequenceException("Out of order sequence number for producer " + pid
              + ": " + firstSeq + " (incoming seq. number), " + curLastSeq + " (current end sequence number)");
        }
        if (inTxn && !transactional) {
          // a non-transactional write while the producer's transaction is open (Kafka's appendDataBatch)
          throw new InvalidTxnStateException("Expected transactional write from producer " + pid);
        }
      }
      if (p + Batches.size(buf, p) < end) { // more batches follow: remember this one
        if (inRequest == null) {
          inRequest = new HashMap<>(4);
        }
        inRequest.put(pid, new long[] {epoch, firstSeq >= 0 ? lastSeq : curLastSeq, inTxn || transactional ? 1 : 0});
      }
    }
    return null;
  }

  static boolean inSequence(int lastSeq, int nextSeq) {
    return nextSeq == lastSeq + 1L || (nextSeq == 0 && lastSeq == Integer.MAX_VALUE);
  }

  /**
   * Kafka's checks of a marker the coordinator writes (ProducerAppendInfo.appendEndTxnMarker, before any write): the
   * producer's epoch must not be below the known one, nor the coordinator's epoch below the one of the producer's
   * last marker.
   *
   * @throws InvalidProducerEpochException a stale producer epoch
   * @throws TransactionCoordinatorFencedException a stale coordinator epoch (a zombie coordinator)
   */
  void checkMarker(long pid, short producerEpoch, int coordinatorEpoch, long offset, String partition) {
    Entry e = producers.get(pid);
    if (e == null) {
      return;
    }
    if (producerEpoch < e.epoch) {
      throw new InvalidProducerEpochException("Epoch of producer " + pid + " at offset " + offset + " in " + partition
          + " is " + producerEpoch + ", which is smaller than the last seen epoch " + e.epoch);
    }
    if (e.coordinatorEpoch > coordinatorEpoch) {
      throw new TransactionCoordinatorFencedException("Invalid coordinator epoch for producerId " + pid + " at offset "
          + offset + " in partition " + partition + ": " + coordinatorEpoch + " (zombie), " + e.coordinatorEpoch
          + " (current)");
    }
  }

  /** Records a written data batch (append after {@link #check}, or replay from the log). */
  void update(long pid, short epoch, int firstSeq, int lastSeq, long firstOffset, long lastOffset,
      long maxTimestamp, boolean transactional) {
    Entry e = entryForEpoch(pid, epoch);
    if (maxTimestamp > e.lastTimestamp) {
      e.lastTimestamp = maxTimestamp;
    }
    if (transactional && e.currentTxnFirstOffset < 0) {
      e.currentTxnFirstOffset = firstOffset;
      transactions.begin(pid, firstOffset);
    }
    if (firstSeq < 0) {
      return;
    }
    if (e.batches.size() == NUM_BATCHES_TO_RETAIN) {
      e.batches.remove(0);
    }
    e.batches.add(new BatchMetadata(firstSeq, lastSeq, firstOffset, lastOffset));
  }

  /**
   * Records a written COMMIT or ABORT marker (Kafka's appendEndTxnMarker + completeTxn): the producer's open
   * transaction, if any, ends, and becomes unreplicated until the high watermark passes the marker.
   *
   * @return the ended transaction, or null when the producer had none open here (nothing to index)
   */
  CompletedTxn endTransaction(long pid, short epoch, int coordinatorEpoch, boolean abort, long markerOffset,
      long timestamp) {
    Entry e = entryForEpoch(pid, epoch);
    e.coordinatorEpoch = coordinatorEpoch;
    if (timestamp > e.lastTimestamp) {
      e.lastTimestamp = timestamp;
    }
    long first = e.currentTxnFirstOffset;
    if (first < 0) {
      return null;
    }
    e.currentTxnFirstOffset = -1;
    return transactions.end(pid, first, markerOffset, abort);
  }

  private Entry entryForEpoch(long pid, short epoch) {
    Entry e = producers.get(pid);
    if (e == null) {
      e = new Entry();
      e.epoch = epoch;
      producers.put(pid, e);
    } else if (epoch != e.epoch) {
      e.epoch = epoch;
      e.batches.clear();
    }
    return e;
  }

  /**
   * Applies every producer batch of a written, offset-patched buffer: data batches, and the markers of control
   * batches.
   *
   * @return the transactions the buffer's markers ended, in order
   */
  List<CompletedTxn> updateAll(ByteBuffer buf) {
    List<CompletedTxn> ended = List.of();
    int end = buf.limit();
    for (int p = buf.position(); p < end; p += Batches.size(buf, p)) {
      long pid = Batches.producerId(buf, p);
      if (pid < 0) {
        continue;
      }
      CompletedTxn done = apply(buf, p);
      if (done != null) {
        if (ended.isEmpty()) {
          ended = new ArrayList<>(2);
        }
        ended.add(done);
      }
    }
    return ended;
  }

  /** One producer batch at {@code p} (whose producer id is set); the transaction it ended, if a marker did. */
  private CompletedTxn apply(ByteBuffer buf, int p) {
    long pid = Batches.producerId(buf, p);
    short epoch = Batches.producerEpoch(buf, p);
    if (!Batches.isControl(buf, p)) {
      update(pid, epoch, Batches.baseSequence(buf, p), Batches.lastSequence(buf, p), Batches.baseOffset(buf, p),
          Batches.lastOffset(buf, p), Batches.maxTimestamp(buf, p), Batches.isTransactional(buf, p));
      return null;
    }
    EndTransactionMarker marker = Batches.endTxnMarker(buf, p);
    if (marker == null) {
      return null; // an empty control batch (its transaction was cleaned away) or another kind of control record
    }
    return endTransaction(pid, epoch, marker.coordinatorEpoch(), marker.controlType() == ControlRecordType.ABORT,
        Batches.baseOffset(buf, p), Batches.maxTimestamp(buf, p));
  }

  /**
   * The high watermark moved: ended transactions whose marker it passed no longer hold back the last stable
   * offset (Kafka's onHighWatermarkUpdated).
   */
  void onHighWatermark(long hw) {
    transactions.onHighWatermark(hw);
  }

  /** What holds back the last stable offset now; safe from any thread. */
  UnstableOffsets unstable() {
    return transactions.unstable();
  }

  /** The last offset of each producer's last retained data batch (compaction keeps those batches). */
  Map<Long, Long> lastBatchOffsets() {
    Map<Long, Long> out = new HashMap<>();
    for (var me : producers.entrySet()) {
      if (me.getValue().lastOffset() >= 0) {
        out.put(me.getKey(), me.getValue().lastOffset());
      }
    }
    return out;
  }

  /** Every known producer, for DescribeProducers. */
  List<ActiveProducer> activeProducers() {
    List<ActiveProducer> out = new ArrayList<>(producers.size());
    for (var me : producers.entrySet()) {
      Entry e = me.getValue();
      out.add(new ActiveProducer(me.getKey(), e.epoch, e.lastSeq(), e.lastTimestamp, e.coordinatorEpoch,
          e.currentTxnFirstOffset));
    }
    return out;
  }

  /**
   * Forgets producers whose last batch is below {@code logStartOffset} (an open transaction keeps its producer), and
   * ended transactions whose marker is below it.
   */
  void removeBefore(long logStartOffset) {
    producers.values().removeIf(e -> e.currentTxnFirstOffset < 0 && e.lastOffset() >= 0 && e.lastOffset() < logStartOffset);
    transactions.removeBefore(logStartOffset);
  }

  /** Forgets producers idle (by batch timestamp) for longer than {@code expirationMs}, unless a transaction is open (Kafka). */
  void removeExpired(long nowMs, long expirationMs) {
    producers.values().removeIf(e -> e.currentTxnFirstOffset < 0 && e.lastTimestamp >= 0
        && nowMs - e.lastTimestamp > expirationMs);
  }

  void clear() {
    producers.clear();
    transactions.clear();
  }

  // ---------------------------------------------------------------- snapshots

  static Path snapshotFile(Path dir, long offset) {
    return dir.resolve(LogSegment.fileName(offset, SUFFIX));
  }

  /** Writes {@code <offset>.snapshot} atomically and keeps only the two newest snapshots. */
  void takeSnapshot(long offset) throws IOException {
    int bytes = 12;
    for (Entry e : producers.values()) {
      bytes += 8 + 2 + 8 + 8 + 4 + 1 + e.batches.size() * 24;
    }
    ByteBuffer b = ByteBuffer.allocate(bytes);
    b.putInt(SNAPSHOT_VERSION).putInt(0).putInt(producers.size());
    for (var me : producers.entrySet()) {
      Entry e = me.getValue();
      b.putLong(me.getKey()).putShort(e.epoch).putLong(e.lastTimestamp).putLong(e.currentTxnFirstOffset)
          .putInt(e.coordinatorEpoch).put((byte) e.batches.size());
      for (BatchMetadata m : e.batches) {
        b.putInt(m.firstSeq()).putInt(m.lastSeq()).putLong(m.firstOffset()).putLong(m.lastOffset());
      }
    }
    b.putInt(4, (int) Crc32C.compute(b.array(), 8, bytes - 8));
    b.flip();
    Path target = snapshotFile(dir, offset);
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    List<Long> offsets = listSnapshots(dir);
    for (int i = 0; i < offsets.size() - 2; i++) {
      Files.deleteIfExists(snapshotFile(dir, offsets.get(i)));
    }
  }

  /**
   * Loads the newest valid snapshot at or below {@code logEndOffset}, deleting snapshots above it
   * and unreadable ones.
   *
   * @return the loaded snapshot's offset (replay the log from there), or -1 if none (replay all)
   */
  long loadSnapshot(long logEndOffset) throws IOException {
    return loadSnapshot(logEndOffset, logEndOffset);
  }

  /** As {@link #loadSnapshot(long)}, using only a snapshot at or below {@code atMost} (newer ones are kept). */
  private long loadSnapshot(long logEndOffset, long atMost) throws IOException {
    clear();
    List<Long> offsets = listSnapshots(dir);
    for (int i = offsets.size() - 1; i >= 0; i--) {
      long off = offsets.get(i);
      Path f = snapshotFile(dir, off);
      if (off > logEndOffset) {
        Files.deleteIfExists(f);
        continue;
      }
      if (off > atMost) {
        continue;
      }
      if (read(f)) {
        for (var me : producers.entrySet()) {
          if (me.getValue().currentTxnFirstOffset >= 0) {
            transactions.begin(me.getKey(), me.getValue().currentTxnFirstOffset);
          }
        }
        return off;
      }
      LOG.warn("Ignoring corrupt producer-state snapshot {}", f);
      Files.deleteIfExists(f);
      producers.clear();
    }
    return -1;
  }

  private boolean read(Path f) {
    try {
      byte[] bytes = Files.readAllBytes(f);
      if (bytes.length < 12) {
        return false;
      }
      ByteBuffer b = ByteBuffer.wrap(bytes);
      int version = b.getInt();
      if (version != 1 && version != SNAPSHOT_VERSION) {
        return false;
      }
      int crc = b.getInt();
      if ((int) Crc32C.compute(bytes, 8, bytes.length - 8) != crc) {
        return false;
      }
      int n = b.getInt();
      for (int i = 0; i < n; i++) {
        long pid = b.getLong();
        Entry e = new Entry();
        e.epoch = b.getShort();
        e.lastTimestamp = b.getLong();
        if (version >= 2) {
          e.currentTxnFirstOffset = b.getLong();
          e.coordinatorEpoch = b.getInt();
        }
        int k = b.get();
        for (int j = 0; j < k; j++) {
          e.batches.add(new BatchMetadata(b.getInt(), b.getInt(), b.getLong(), b.getLong()));
        }
        producers.put(pid, e);
      }
      return !b.hasRemaining();
    } catch (IOException | RuntimeException e) {
      return false;
    }
  }

  /**
   * Sets the state to that of the log in {@code segments}, which ends at {@code logEndOffset}: the newest
   * valid snapshot at or below the end (those above it are deleted) plus the producer batches after it,
   * replayed from their headers (and a marker's record); producers whose last batch lies below {@code logStartOffset}
   * are dropped. On open, and after a truncation, where it gives the state the log would have had if the truncated
   * batches had never been appended (snapshots only ever describe the batches below their offset).
   *
   * <p>{@code reindexFrom}: the segments from this base offset on get their aborted-transaction index rebuilt by the
   * replay (Kafka's segment recovery), so the replay starts at a snapshot at or below it; {@link Long#MAX_VALUE} for
   * none.
   */
  void rebuild(LogSegments segments, long logStartOffset, long logEndOffset, long reindexFrom) throws IOException {
    long snapshot = loadSnapshot(logEndOffset, Math.min(logEndOffset, reindexFrom));
    LogSegment start = snapshot < 0 ? null : segments.floor(snapshot);
    if (start == null) {
      start = segments.first();
    }
    for (LogSegment seg : segments.from(start.baseOffset())) {
      boolean reindex = seg.baseOffset() >= reindexFrom;
      if (reindex) {
        seg.txnIndex().reset();
      }
      FileBatchScanner sc = new FileBatchScanner(seg.channel(), 0, seg.size());
      while (sc.next() == FileBatchScanner.OK) {
        if (sc.producerId() < 0 || sc.baseOffset() < snapshot) {
          continue;
        }
        CompletedTxn done;
        if (sc.isControl()) {
          ByteBuffer batch = sc.readBatch();
          done = apply(batch, batch.position());
        } else {
          done = null;
          update(sc.producerId(), sc.producerEpoch(), sc.baseSequence(), sc.lastSequence(), sc.baseOffset(),
              sc.lastOffset(), sc.maxTimestamp(), sc.isTransactional());
        }
        if (reindex && done != null && done.aborted()) {
          seg.txnIndex().append(done.toAborted());
        }
      }
    }
    removeBefore(logStartOffset);
  }

  /** {@link #rebuild(LogSegments, long, long, long)} without re-indexing. */
  void rebuild(LogSegments segments, long logStartOffset, long logEndOffset) throws IOException {
    rebuild(segments, logStartOffset, logEndOffset, Long.MAX_VALUE);
  }

  /** Deletes snapshots above {@code offset} (after truncation). */
  static void deleteSnapshotsAbove(Path dir, long offset) throws IOException {
    for (long o : listSnapshots(dir)) {
      if (o > offset) {
        Files.deleteIfExists(snapshotFile(dir, o));
      }
    }
  }

  static List<Long> listSnapshots(Path dir) throws IOException {
    List<Long> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        try {
          out.add(Long.parseLong(n.substring(0, n.length() - SUFFIX.length())));
        } catch (NumberFormatException ignored) {
          // not ours
        }
      }
    }
    out.sort(null);
    return out;
  }

  /** For tests and diagnostics. */
  Iterator<Map.Entry<Long, Entry>> iterator() {
    return producers.entrySet().iterator();
  }
}
