package io.tributary.protocol;

import io.tributary.txn.TransactionEntity;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ListTransactionsResponseData;
import org.apache.kafka.common.message.ListTransactionsResponseData.TransactionState;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListTransactionsRequest;

/**
 * ListTransactions (v0-1), as Kafka's TransactionStateManager.listTransactionStates: the transactional ids this node
 * coordinates, filtered by state names (unknown names come back in {@code unknownStateFilters}), producer ids and (v1,
 * KIP-994) a minimum running time; COORDINATOR_LOAD_IN_PROGRESS while a partition loads.
 */
public final class ListTransactionsHandler implements ApiHandler<ListTransactionsRequest> {
  /** Kafka's TransactionState names, including the two never listed (transient) ones. */
  private static final Set<String> STATE_NAMES = Set.of("Empty", "Ongoing", "PrepareCommit", "PrepareAbort",
      "CompleteCommit", "CompleteAbort", "PrepareEpochFence", "Dead");

  private final BrokerContext broker;

  public ListTransactionsHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<ListTransactionsResponseData> handle(RequestContext ctx, ListTransactionsRequest request) {
    var data = request.data();
    long durationMs = ctx.apiVersion() >= 1 ? data.durationFilter() : -1L;
    return broker.transactions().list().handle((listing, failure) -> {
      var response = new ListTransactionsResponseData().setThrottleTimeMs(0);
      if (failure != null) return response.setErrorCode(TxnSupport.errorOf(failure).code());
      Set<String> states = new HashSet<>();
      for (String name : data.stateFilters()) {
        if (STATE_NAMES.contains(name)) states.add(name);
        else response.unknownStateFilters().add(name);
      }
      Set<Long> producerIds = new HashSet<>(data.producerIdFilters());
      long now = System.currentTimeMillis();
      listing.states().forEach((id, s) -> {
        if (include(s, states, producerIds, durationMs, now)) {
          response.transactionStates().add(new TransactionState().setTransactionalId(id)
              .setProducerId(s.producerId()).setTransactionState(s.status().kafkaName));
        }
      });
      return response.setErrorCode(Errors.NONE.code());
    });
  }

  private static boolean include(TransactionEntity.State s, Set<String> states, Set<Long> producerIds, long durationMs,
                                 long now) {
    if (!producerIds.isEmpty() && !producerIds.contains(s.producerId())) return false;
    if (!states.isEmpty() && !states.contains(s.status().kafkaName)) return false;
    return durationMs < 0 || now - s.startTimestamp() > durationMs;
  }
}
