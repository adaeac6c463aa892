package io.tributary.storage;

/**
 * A transaction that a marker just ended in one partition (Kafka's {@code CompletedTxn}): the producer, the offset of
 * its first record here, the marker's offset, whether it was aborted, and the last stable offset once it ended (the
 * first offset of the earliest transaction still open, else the offset after the marker), which an aborted one
 * carries into the segment's {@link TransactionIndex}.
 */
record CompletedTxn(long producerId, long firstOffset, long lastOffset, boolean aborted, long lastStableOffset) {
  AbortedTxn toAborted() {
    return new AbortedTxn(producerId, firstOffset, lastOffset, lastStableOffset);
  }
}
