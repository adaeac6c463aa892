package io.tributary.client;

import java.util.Collection;
import org.apache.kafka.common.TopicPartition;

/**
 * Told about rebalances, on the consumer's own thread (keep it short; it delays the rebalance).
 * {@link #onRevoked} is called after the stream consumer has dropped the buffered records of those
 * partitions and synchronously committed their staged offsets: from this call on, the source emits no
 * record of them.
 */
public interface RebalanceListener {
  RebalanceListener NONE = new RebalanceListener() {};

  default void onAssigned(Collection<TopicPartition> partitions) {}

  default void onRevoked(Collection<TopicPartition> partitions) {}
}
