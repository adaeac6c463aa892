package io.tributary.storage;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Tells, batch by batch in offset order, whether a transactional batch belongs to an aborted transaction (Kafka's
 * {@code CleanedTransactionMetadata}, as the cleaner uses it): an aborted transaction becomes current for its producer
 * at its first offset and ends at the producer's next marker. Not thread-safe: one pass of the compactor.
 */
final class AbortedBatches {
  private final ArrayDeque<AbortedTxn> upcoming;
  private final Set<Long> abortedProducers = new HashSet<>();

  /** {@code aborted}: the aborted transactions overlapping the range about to be walked. */
  AbortedBatches(List<AbortedTxn> aborted) {
    this.upcoming = new ArrayDeque<>(aborted.stream()
        .sorted((a, b) -> Long.compare(a.firstOffset(), b.firstOffset())).toList());
  }

  /** A data batch: true when it is transactional and its producer's current transaction was aborted. */
  boolean isAborted(long producerId, boolean transactional, long baseOffset) {
    reach(baseOffset);
    return transactional && abortedProducers.contains(producerId);
  }

  /** A control batch of {@code producerId} at {@code baseOffset}: the producer's transaction ends here. */
  void onMarker(long producerId, long baseOffset) {
    reach(baseOffset);
    abortedProducers.remove(producerId);
  }

  private void reach(long offset) {
    while (!upcoming.isEmpty() && upcoming.peekFirst().firstOffset() <= offset) {
      abortedProducers.add(upcoming.pollFirst().producerId());
    }
  }
}
