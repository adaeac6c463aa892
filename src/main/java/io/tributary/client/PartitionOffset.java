package io.tributary.client;

import org.apache.kafka.common.TopicPartition;

/**
 * Where a record of a {@link Transactional#source} came from: its partition and offset, and (inside the
 * package) the consumer that emitted it and the partition's assignment epoch at that moment. Pass it through
 * {@link Transactional#flow} or {@link Transactional#sink}, which commit {@code offset() + 1} inside the
 * transaction that holds the record's results.
 */
public final class PartitionOffset {
  private final ConsumerEngine<?, ?> engine;
  private final TopicPartition partition;
  private final long offset;
  private final int epoch;

  PartitionOffset(ConsumerEngine<?, ?> engine, TopicPartition partition, long offset, int epoch) {
    this.engine = engine;
    this.partition = partition;
    this.offset = offset;
    this.epoch = epoch;
  }

  public TopicPartition partition() {
    return partition;
  }

  /** The consumed record's offset; the committed position will be {@code offset() + 1}. */
  public long offset() {
    return offset;
  }

  ConsumerEngine<?, ?> engine() {
    return engine;
  }

  int epoch() {
    return epoch;
  }

  /** Still assigned to the consumer that emitted it, in the same assignment (no revoke since). */
  boolean isCurrent() {
    return engine.isCurrent(partition, epoch);
  }

  @Override
  public String toString() {
    return "PartitionOffset(" + partition + "@" + offset + ")";
  }
}
