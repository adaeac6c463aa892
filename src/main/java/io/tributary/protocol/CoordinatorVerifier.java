package io.tributary.protocol;

import io.tributary.concurrent.Failures;
import io.tributary.txn.TransactionCoordinator;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * KIP-890 part 1 against this cluster's transaction coordinators ({@link TransactionCoordinator#verify}), with Kafka's
 * translation for producers (AddPartitionsToTxnManager and ReplicaManager): PRODUCER_FENCED becomes
 * INVALID_PRODUCER_EPOCH, and a coordinator that is busy or cannot be reached (CONCURRENT_TRANSACTIONS,
 * NETWORK_EXCEPTION, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR) NOT_ENOUGH_REPLICAS,
 * which every producer retries without a metadata refresh. A partition not in the transaction keeps the coordinator's
 * TRANSACTION_ABORTABLE; {@link #forProduceVersion} turns it into INVALID_TXN_STATE for producers older than Produce
 * v11. Thread-safe.
 */
final class CoordinatorVerifier implements TransactionVerifier {
  private final TransactionCoordinator transactions;

  CoordinatorVerifier(TransactionCoordinator transactions) {
    this.transactions = transactions;
  }

  @Override
  public CompletionStage<Map<TopicPartition, Errors>> verify(String transactionalId, long producerId, short producerEpoch,
                                                             Collection<TopicPartition> partitions) {
    return transactions.verify(transactionalId, producerId, producerEpoch, partitions).handle((errors, failure) -> {
      var out = new HashMap<TopicPartition, Errors>();
      if (failure != null) {
        Errors error = translate(Errors.forException(Failures.unwrap(failure)));
        partitions.forEach(tp -> out.put(tp, error));
      } else {
        errors.forEach((tp, error) -> {
          if (error != Errors.NONE) out.put(tp, translate(error));
        });
      }
      return out;
    });
  }

  private static Errors translate(Errors error) {
    return switch (error) {
      case PRODUCER_FENCED -> Errors.INVALID_PRODUCER_EPOCH;
      case CONCURRENT_TRANSACTIONS, NETWORK_EXCEPTION, COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE,
          NOT_COORDINATOR -> Errors.NOT_ENOUGH_REPLICAS;
      default -> error;
    };
  }

  /** Produce v11 introduced TRANSACTION_ABORTABLE (KIP-890); older producers get INVALID_TXN_STATE, as from Kafka. */
  static Errors forProduceVersion(Errors error, short version) {
    return error == Errors.TRANSACTION_ABORTABLE && version < 11 ? Errors.INVALID_TXN_STATE : error;
  }
}
