package io.tributary.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A simple log cleaner for {@code cleanup.policy=compact}: over the non-active segments, keeps
 * only the last record of every key (offsets are preserved, so the log gets gaps, as in Kafka).
 *
 * <p>Simplifications against Kafka's cleaner: the key → last-offset map is an exact in-memory
 * {@code HashMap} over all non-active segments (not a bounded hash map over a dirty section), so
 * every pass rewrites all non-active segments; tombstones (null values) are kept forever
 * ({@code delete.retention.ms} is not applied); records without a key are kept; transaction markers
 * are kept (Kafka drops a marker once its transaction's records are gone and delete.retention.ms has passed);
 * cleaned segments are not merged. Keys in the active segment do not supersede older records until that segment
 * is rolled.
 *
 * <p>Transactions, as in Kafka's cleaner: the caller passes only segments below the first unstable offset (no open
 * transaction, no marker waiting for replication), with the aborted transactions overlapping them; the records of
 * aborted transactions are removed and never count as a key's last value ({@link AbortedBatches}). A producer's last
 * batch is kept, emptied of its records if they go, so that its epoch and sequence survive (Kafka's rule). The segments'
 * {@code .txnindex} files stay as they are: offsets do not change, and an entry whose records are gone only makes a
 * consumer look for records that are not there.
 *
 * <p>Each cleaned segment is written to {@code <base>.log.cleaned}, fsynced, its index files are
 * deleted (they are rebuilt), and it atomically replaces {@code <base>.log}; a leftover
 * {@code .cleaned} file after a crash is simply deleted on open.
 *
 * <p>Not thread-safe: run by the log's single writer.
 */
final class LogCompactor {
  // PartitionLog's logger: compaction passes stay reported under that name
  private static final Logger LOG = LoggerFactory.getLogger(PartitionLog.class);
  static final String CLEANED_SUFFIX = ".cleaned";

  private LogCompactor() {}

  /**
   * One pass over {@code cleanable}, the non-active segments of the log in {@code dir}: every
   * segment that loses records is rewritten, swapped in, reopened with fresh indexes and replaces
   * the old one in {@code segments}.
   *
   * @return the number of segments rewritten
   */
  static int compact(Path dir, List<LogSegment> cleanable, LogSegments segments, LogConfig config, long nowMs,
                     FileChannelOpener channels, List<AbortedTxn> aborted, Map<Long, Long> lastBatchOfProducer)
      throws IOException {
    Map<ByteBuffer, Long> latest = buildOffsetMap(cleanable, new AbortedBatches(aborted));
    TopicPartition tp = topicPartition(dir);
    AbortedBatches abortedBatches = new AbortedBatches(aborted);
    int rewritten = 0;
    for (LogSegment seg : cleanable) {
      Path cleaned = clean(seg, latest, tp, nowMs, abortedBatches, lastBatchOfProducer);
      if (cleaned == null) {
        continue;
      }
      seg.deleteIndexFiles();
      seg.closeChannel();
      swapIn(cleaned, seg.logFile());
      LogSegment fresh = LogSegment.open(dir, seg.baseOffset(), config.segmentIndexBytes(), nowMs, channels);
      fresh.indexIntervalBytes = config.indexIntervalBytes();
      fresh.ensureIndexes();
      segments.add(fresh);
      rewritten++;
    }
    if (rewritten > 0) {
      LOG.info("{}: compacted {} segment(s), {} distinct keys", dir, rewritten, latest.size());
    }
    return rewritten;
  }

  /** The partition a directory named {@code <topic>-<partition>} holds (partition 0 if the name has no number). */
  private static TopicPartition topicPartition(Path dir) {
    String name = dir.getFileName().toString();
    int dash = name.lastIndexOf('-');
    return dash > 0 && name.substring(dash + 1).matches("\\d+")
        ? new TopicPartition(name.substring(0, dash), Integer.parseInt(name.substring(dash + 1)))
        : new TopicPartition(name, 0);
  }

  /** Last offset of every key in the given segments, records of aborted transactions left out. */
  static Map<ByteBuffer, Long> buildOffsetMap(List<LogSegment> segments, AbortedBatches aborted) throws IOException {
    Map<ByteBuffer, Long> latest = new HashMap<>();
    for (LogSegment seg : segments) {
      FileBatchScanner sc = new FileBatchScanner(seg.channel(), 0, seg.size());
      while (sc.next() == FileBatchScanner.OK) {
        if (sc.isControl()) {
          aborted.onMarker(sc.producerId(), sc.baseOffset());
          continue;
        }
        if (aborted.isAborted(sc.producerId(), sc.isTransactional(), sc.baseOffset())) {
          continue;
        }
        RecordBatch batch = MemoryRecords.readableRecords(sc.readBatch()).batches().iterator().next();
        try (CloseableIterator<Record> it = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
          while (it.hasNext()) {
            Record r = it.next();
            if (r.hasKey()) {
              ByteBuffer k = r.key();
              ByteBuffer copy = ByteBuffer.allocate(k.remaining());
              copy.put(k.duplicate()).flip();
              latest.put(copy, r.offset());
            }
          }
        }
      }
    }
    return latest;
  }

  /**
   * Writes the retained records of {@code seg} to {@code <base>.log.cleaned}.
   *
   * @return the path of the cleaned file, or null if nothing would be removed
   */
  static Path clean(LogSegment seg, Map<ByteBuffer, Long> latest, TopicPartition tp, long nowMs,
      AbortedBatches aborted, Map<Long, Long> lastBatchOfProducer) throws IOException {
    Path cleaned = seg.logFile().resolveSibling(seg.logFile().getFileName() + CLEANED_SUFFIX);
    MemoryRecords.RecordFilter filter = new MemoryRecords.RecordFilter(nowMs, Long.MAX_VALUE) {
      /** The batch being filtered belongs to an aborted transaction: none of its records stay. */
      private boolean discardRecords;

      @Override
      protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
        if (batch.isControlBatch()) {
          aborted.onMarker(batch.producerId(), batch.baseOffset());
          discardRecords = false;
          return new BatchRetentionResult(BatchRetention.RETAIN_EMPTY, false);
        }
        discardRecords = aborted.isAborted(batch.producerId(), batch.isTransactional(), batch.baseOffset());
        // Kafka's cleaner keeps a producer's last batch, emptied if need be, so that its epoch and sequence survive a
        // rebuild of the producer state from the log
        if (batch.hasProducerId() && Long.valueOf(batch.lastOffset()).equals(lastBatchOfProducer.get(batch.producerId()))) {
          return new BatchRetentionResult(BatchRetention.RETAIN_EMPTY, false);
        }
        return new BatchRetentionResult(discardRecords ? BatchRetention.DELETE : BatchRetention.DELETE_EMPTY, false);
      }

      @Override
      protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
        if (discardRecords) {
          return false;
        }
        if (batch.isControlBatch() || !record.hasKey()) {
          return true;
        }
        Long last = latest.get(record.key());
        return last == null || last == record.offset();
      }
    };
    long removed = 0;
    try (FileChannel out = FileChannel.open(cleaned, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      FileBatchScanner sc = new FileBatchScanner(seg.channel(), 0, seg.size());
      long at = 0;
      while (sc.next() == FileBatchScanner.OK) {
        ByteBuffer batch = sc.readBatch();
        MemoryRecords.FilterResult res = MemoryRecords.readableRecords(batch)
            .filterTo(tp, filter, ByteBuffer.allocate(batch.remaining()), Integer.MAX_VALUE, BufferSupplier.NO_CACHING);
        ByteBuffer kept = res.outputBuffer();
        kept.flip();
        // an aborted transaction's batch is dropped unread: count bytes, not records
        if (kept.remaining() != batch.remaining()) {
          removed++;
        }
        while (kept.hasRemaining()) {
          at += out.write(kept, at);
        }
      }
      if (removed == 0) {
        out.close();
        Files.deleteIfExists(cleaned);
        return null;
      }
      out.force(true);
    }
    return cleaned;
  }

  /** Moves the cleaned file over the segment's log (after the old segment was closed). */
  static void swapIn(Path cleaned, Path logFile) throws IOException {
    Files.move(cleaned, logFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
