package io.tributary.protocol;

import io.tributary.metadata.MetadataImage;
import io.tributary.txn.TransactionEntity;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnResult;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData.AddPartitionsToTxnResultCollection;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddPartitionsToTxnRequest;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;

/**
 * AddPartitionsToTxn (v0+), as Kafka 3.9's KafkaApis: v0-3 come from clients (one transaction, answered in the
 * top-level {@code resultsByTopicV3AndBelow}); v4+ from brokers, with several transactions per request, each either
 * adding its partitions or, with {@code verifyOnly}, asking whether they are in the ongoing transaction (KIP-890; a
 * partition that is not gets TRANSACTION_ABORTABLE). A transaction naming a partition metadata does not know gets
 * UNKNOWN_TOPIC_OR_PARTITION for it and OPERATION_NOT_ATTEMPTED for the others; otherwise its coordinator's error
 * applies to each of its partitions (PRODUCER_FENCED as INVALID_PRODUCER_EPOCH below v2).
 */
public final class AddPartitionsToTxnHandler implements ApiHandler<AddPartitionsToTxnRequest> {
  private final BrokerContext broker;

  public AddPartitionsToTxnHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<AddPartitionsToTxnResponseData> handle(RequestContext ctx, AddPartitionsToTxnRequest request) {
    short version = ctx.apiVersion();
    var normalized = version < 4 ? request.normalizeRequest() : request;
    var partitionsByTransaction = normalized.partitionsByTransaction();
    var results = new ArrayList<CompletableFuture<AddPartitionsToTxnResult>>();
    for (AddPartitionsToTxnTransaction txn : normalized.data().transactions()) {
      if (txn.transactionalId() == null) throw new InvalidRequestException("Transactional ID can not be null in request.");
      List<TopicPartition> partitions = partitionsByTransaction.get(txn.transactionalId());
      results.add(handle(normalized, txn, partitions, version).toCompletableFuture());
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(x -> {
      var response = new AddPartitionsToTxnResponseData().setThrottleTimeMs(0);
      if (version < 4) {
        results.forEach(r -> response.setResultsByTopicV3AndBelow(r.join().topicResults()));
      } else {
        var collection = new AddPartitionsToTxnResultCollection();
        results.forEach(r -> collection.add(r.join()));
        response.setResultsByTransaction(collection);
      }
      return response;
    });
  }

  private CompletionStage<AddPartitionsToTxnResult> handle(AddPartitionsToTxnRequest request, AddPartitionsToTxnTransaction txn,
                                                           List<TopicPartition> partitions, short version) {
    String id = txn.transactionalId();
    MetadataImage image = broker.metadata().current();
    var unknown = new HashMap<TopicPartition, Errors>();
    for (TopicPartition tp : partitions) {
      boolean known = image.topic(tp.topic()).map(t -> tp.partition() >= 0 && tp.partition() < t.partitionCount()).orElse(false);
      if (!known) unknown.put(tp, Errors.UNKNOWN_TOPIC_OR_PARTITION);
    }
    if (!unknown.isEmpty()) {
      Map<TopicPartition, Errors> errors = new HashMap<>();
      partitions.forEach(tp -> errors.put(tp, Errors.OPERATION_NOT_ATTEMPTED));
      errors.putAll(unknown);
      return CompletableFuture.completedFuture(AddPartitionsToTxnResponse.resultForTransaction(id, errors));
    }
    if (id.isEmpty()) return CompletableFuture.completedFuture(request.errorResponseForTransaction(id, Errors.INVALID_REQUEST));
    var transactions = broker.transactions();
    if (txn.verifyOnly()) {
      CompletionStage<TransactionEntity.Verification> asked = transactions.ask(id, replyTo ->
          new TransactionEntity.VerifyPartitions(txn.producerId(), txn.producerEpoch(), partitions, replyTo));
      return asked.handle((verification, failure) -> {
        if (failure != null) return request.errorResponseForTransaction(id, TxnSupport.errorOf(failure));
        var errors = new HashMap<TopicPartition, Errors>();
        verification.errors().forEach((tp, code) -> errors.put(tp, Errors.forCode(code)));
        return AddPartitionsToTxnResponse.resultForTransaction(id, errors);
      });
    }
    CompletionStage<TransactionEntity.Result> asked = transactions.ask(id, replyTo ->
        new TransactionEntity.AddPartitions(txn.producerId(), txn.producerEpoch(), partitions, replyTo));
    return asked.handle((result, failure) -> {
      Errors error = failure != null ? TxnSupport.errorOf(failure) : result.error();
      return request.errorResponseForTransaction(id, TxnSupport.forVersion(error, version, 2));
    });
  }
}
