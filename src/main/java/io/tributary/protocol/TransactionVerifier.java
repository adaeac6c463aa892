package io.tributary.protocol;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * KIP-890 part 1, the seam between Produce and the transaction coordinator: before the first transactional batch
 * of a producer's transaction is written to a partition (the producer has no transaction open there), Produce asks
 * the coordinator whether that partition was added to the producer's ongoing transaction (Kafka's
 * AddPartitionsToTxn verify-only request), so that a late or zombie write cannot start a transaction that no
 * coordinator will ever end (a "hanging" transaction). Partitions answered with an error are not written and get
 * that error (Kafka answers INVALID_TXN_STATE, or PRODUCER_FENCED/INVALID_PRODUCER_EPOCH, or a retriable
 * coordinator error).
 *
 * <p>The coordinator is built on its own branch; until it plugs its implementation in
 * ({@link ProduceHandler#ProduceHandler(BrokerContext, TransactionVerifier)}), {@link #UNVERIFIED} lets every write
 * through. Implementations are called from any thread and must be thread-safe.
 */
public interface TransactionVerifier {

  /**
   * @param partitions the partitions of this produce request where the producer has no transaction open
   * @return per partition the verification's error; partitions not in the map (or mapped to NONE) may be written
   */
  CompletionStage<Map<TopicPartition, Errors>> verify(String transactionalId, long producerId, short producerEpoch,
                                                      Collection<TopicPartition> partitions);

  /** No transaction coordinator on this node: nothing is verified and every transactional write is accepted. */
  TransactionVerifier UNVERIFIED = (transactionalId, producerId, producerEpoch, partitions) ->
      CompletableFuture.completedFuture(Map.of());
}
