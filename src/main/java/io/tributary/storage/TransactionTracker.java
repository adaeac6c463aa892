package io.tributary.storage;

import java.util.ArrayDeque;
import java.util.TreeMap;

/**
 * The transactions of one partition that hold back its last stable offset (Kafka's ProducerStateManager.ongoingTxns
 * and unreplicatedTxns): the open ones by first offset, and the ended ones whose marker the high watermark has not
 * passed yet (a new leader might not have that marker). After every change the writer publishes them as an
 * immutable {@link UnstableOffsets} for readers on any thread.
 *
 * <p>Not thread-safe apart from {@link #unstable()}: confined to the log's single writer, as the producer state.
 */
final class TransactionTracker {
  /** Open transactions: first offset -> producer id. */
  private final TreeMap<Long, Long> ongoing = new TreeMap<>();
  /** Ended transactions whose marker the high watermark has not passed yet, in marker order. */
  private final ArrayDeque<CompletedTxn> unreplicated = new ArrayDeque<>();
  private long highWatermark = -1;
  private volatile UnstableOffsets unstable = UnstableOffsets.NONE;

  /** {@code producerId}'s transaction opened at {@code firstOffset}. */
  void begin(long producerId, long firstOffset) {
    ongoing.put(firstOffset, producerId);
    publish();
  }

  /**
   * The transaction that opened at {@code firstOffset} ended with a marker at {@code markerOffset}: it stays
   * unreplicated until the high watermark passes the marker.
   *
   * @return the ended transaction, with Kafka's last stable offset for its index entry: the first offset of the
   *     earliest transaction still open, else the offset after the marker
   */
  CompletedTxn end(long producerId, long firstOffset, long markerOffset, boolean aborted) {
    ongoing.remove(firstOffset);
    long lso = ongoing.isEmpty() ? markerOffset + 1 : ongoing.firstKey();
    CompletedTxn done = new CompletedTxn(producerId, firstOffset, markerOffset, aborted, lso);
    if (markerOffset >= highWatermark) {
      unreplicated.add(done);
    }
    publish();
    return done;
  }

  /** The high watermark moved: ended transactions whose marker it passed stop counting (Kafka's onHighWatermarkUpdated). */
  void onHighWatermark(long hw) {
    if (hw <= highWatermark) {
      return;
    }
    highWatermark = hw;
    boolean removed = false;
    while (!unreplicated.isEmpty() && unreplicated.peekFirst().lastOffset() < hw) {
      unreplicated.pollFirst();
      removed = true;
    }
    if (removed) {
      publish();
    }
  }

  /** The log start moved to {@code logStartOffset}: ended transactions whose marker lies below it are gone. */
  void removeBefore(long logStartOffset) {
    if (unreplicated.removeIf(t -> t.lastOffset() < logStartOffset)) {
      publish();
    }
  }

  void clear() {
    highWatermark = -1;
    ongoing.clear();
    unreplicated.clear();
    publish();
  }

  /** What holds back the last stable offset now; safe from any thread. */
  UnstableOffsets unstable() {
    return unstable;
  }

  private void publish() {
    int n = ongoing.size() + unreplicated.size();
    if (n == 0) {
      unstable = UnstableOffsets.NONE;
      return;
    }
    long[] pids = new long[n];
    long[] firsts = new long[n];
    long[] ends = new long[n];
    int i = 0;
    for (var me : ongoing.entrySet()) {
      pids[i] = me.getValue();
      firsts[i] = me.getKey();
      ends[i++] = Long.MAX_VALUE;
    }
    for (CompletedTxn t : unreplicated) {
      pids[i] = t.producerId();
      firsts[i] = t.firstOffset();
      ends[i++] = t.lastOffset();
    }
    unstable = new UnstableOffsets(pids, firsts, ends);
  }
}
