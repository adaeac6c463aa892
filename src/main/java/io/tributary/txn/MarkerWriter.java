package io.tributary.txn;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;

/**
 * Writes a transaction's end: a commit or abort marker in every partition of the transaction (on its leader) and the
 * completion of the transactional offsets of every group of it. Kafka's TransactionMarkerChannelManager.
 */
@FunctionalInterface
public interface MarkerWriter {
  /** One transaction's markers: its producer id and (possibly bumped) epoch, the result, where they go. */
  record Markers(String transactionalId, long producerId, short producerEpoch, boolean commit,
                 List<TopicPartition> partitions, List<String> groups) {
    public Markers {
      partitions = List.copyOf(partitions);
      groups = List.copyOf(groups);
    }
  }

  /**
   * Completes once every marker is written and every group completed; retries failures (a leader that moved or is
   * down, a group whose coordinator moved) for as long as {@code wanted} says, and fails once it says no more.
   */
  CompletionStage<Void> write(Markers markers, BooleanSupplier wanted);
}
