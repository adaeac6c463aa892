package io.tributary.storage;

/**
 * The transactions that hold back a partition's last stable offset, as an immutable snapshot the log's writer
 * publishes and readers on any thread use (after Kafka's {@code ProducerStateManager.firstUnstableOffset}): the open
 * ones, and the ended ones whose marker may not be replicated yet (their marker is not below the high watermark, so a
 * new leader might not have it). {@code ends[i]} is the marker's offset, or {@link Long#MAX_VALUE} while open.
 */
final class UnstableOffsets {
  static final UnstableOffsets NONE = new UnstableOffsets(new long[0], new long[0], new long[0]);

  private final long[] producerIds;
  private final long[] firsts;
  private final long[] ends;

  UnstableOffsets(long[] producerIds, long[] firsts, long[] ends) {
    this.producerIds = producerIds;
    this.firsts = firsts;
    this.ends = ends;
  }

  /** Kafka's LSO: the high watermark, or the first offset of a transaction that is open or not replicated, if lower. */
  long lastStableOffset(long highWatermark) {
    long lso = highWatermark;
    for (int i = 0; i < firsts.length; i++) {
      if (ends[i] >= highWatermark && firsts[i] < lso) {
        lso = firsts[i];
      }
    }
    return lso;
  }

  /** The first offset of the earliest transaction open or not replicated, {@link Long#MAX_VALUE} if none. */
  long firstUnstableOffset() {
    long min = Long.MAX_VALUE;
    for (long f : firsts) {
      min = Math.min(min, f);
    }
    return min;
  }

  /** The first offset of {@code producerId}'s open transaction, or -1. */
  long openTransactionStart(long producerId) {
    for (int i = 0; i < producerIds.length; i++) {
      if (producerIds[i] == producerId && ends[i] == Long.MAX_VALUE) {
        return firsts[i];
      }
    }
    return -1;
  }

  int openTransactions() {
    int n = 0;
    for (long end : ends) {
      if (end == Long.MAX_VALUE) {
        n++;
      }
    }
    return n;
  }
}
