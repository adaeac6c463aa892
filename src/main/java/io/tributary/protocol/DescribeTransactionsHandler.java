package io.tributary.protocol;

import io.tributary.txn.TransactionEntity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DescribeTransactionsResponseData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData.TopicData;
import org.apache.kafka.common.message.DescribeTransactionsResponseData.TopicDataCollection;
import org.apache.kafka.common.message.DescribeTransactionsResponseData.TransactionState;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeTransactionsRequest;

/**
 * DescribeTransactions (v0), as Kafka's TransactionCoordinator.handleDescribeTransactions: per transactional id its
 * producer id and epoch, state, timeout, start time and partitions; TRANSACTIONAL_ID_NOT_FOUND for an id without
 * state, INVALID_REQUEST for "", NOT_COORDINATOR when another node coordinates it, COORDINATOR_LOAD_IN_PROGRESS while
 * its partition loads. A transaction's groups (AddOffsetsToTxn) appear as their {@code __consumer_offsets} partitions,
 * as Kafka lists them.
 */
public final class DescribeTransactionsHandler implements ApiHandler<DescribeTransactionsRequest> {
  private final BrokerContext broker;

  public DescribeTransactionsHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<DescribeTransactionsResponseData> handle(RequestContext ctx, DescribeTransactionsRequest request) {
    var answers = new ArrayList<CompletableFuture<TransactionState>>();
    for (String id : request.data().transactionalIds()) answers.add(describe(id).toCompletableFuture());
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(x -> {
      var response = new DescribeTransactionsResponseData().setThrottleTimeMs(0);
      answers.forEach(a -> response.transactionStates().add(a.join()));
      return response;
    });
  }

  private CompletionStage<TransactionState> describe(String id) {
    var state = new TransactionState().setTransactionalId(id);
    if (id == null || id.isEmpty()) return CompletableFuture.completedFuture(state.setErrorCode(Errors.INVALID_REQUEST.code()));
    CompletionStage<TransactionEntity.State> asked = broker.transactions().ask(id, TransactionEntity.Describe::new);
    return asked.handle((s, failure) -> {
      if (failure != null) return state.setErrorCode(TxnSupport.errorOf(failure).code());
      if (!s.exists()) return state.setErrorCode(Errors.TRANSACTIONAL_ID_NOT_FOUND.code());
      var byTopic = new LinkedHashMap<String, List<Integer>>();
      s.partitions().forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
      broker.metadata().current().offsetsTopic().ifPresent(offsets -> s.groups().forEach(g ->
          byTopic.computeIfAbsent(offsets.name(), t -> new ArrayList<>())
              .add(io.tributary.group.GroupCoordinator.partitionFor(g, offsets))));
      var topics = new TopicDataCollection();
      byTopic.forEach((topic, partitions) -> topics.add(new TopicData().setTopic(topic).setPartitions(partitions)));
      return state.setErrorCode(Errors.NONE.code())
          .setProducerId(s.producerId())
          .setProducerEpoch(s.producerEpoch())
          .setTransactionState(s.status().kafkaName)
          .setTransactionTimeoutMs(s.timeoutMs())
          .setTransactionStartTimeMs(s.startTimestamp())
          .setTopics(topics);
    });
  }
}
