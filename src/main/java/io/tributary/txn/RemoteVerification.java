package io.tributary.txn;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NetworkException;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;

/**
 * The verify-only AddPartitionsToTxn (v4) a partition leader sends the coordinator of another node (Kafka's
 * AddPartitionsToTxnManager, one transaction per request here). Stateless.
 */
final class RemoteVerification {
  /** The first version of the broker form (batched, verifyOnly). */
  static final short VERSION = 4;

  private RemoteVerification() {}

  static CompletionStage<Map<TopicPartition, Errors>> ask(BrokerChannel channel, String hostPort, String transactionalId,
                                                          long producerId, short epoch, Collection<TopicPartition> partitions) {
    return channel.send(hostPort, ApiKeys.ADD_PARTITIONS_TO_TXN, request(transactionalId, producerId, epoch, partitions), VERSION)
        .handle((r, failure) -> {
          // the coordinator's own errors come inside the answer: a failure here is the connection's (Kafka's
          // AddPartitionsToTxnManager answers a disconnect or timeout with NETWORK_EXCEPTION)
          if (failure != null) {
            throw new CompletionException(new NetworkException("Verifying with the coordinator at " + hostPort
                + " failed: " + failure.getMessage()));
          }
          return errors((AddPartitionsToTxnResponseData) r, transactionalId, partitions);
        });
  }

  static AddPartitionsToTxnRequestData request(String transactionalId, long producerId, short epoch,
                                               Collection<TopicPartition> partitions) {
    var byTopic = new HashMap<String, List<Integer>>();
    partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
    var topics = new AddPartitionsToTxnTopicCollection();
    byTopic.forEach((name, ps) -> topics.add(new AddPartitionsToTxnTopic().setName(name).setPartitions(ps)));
    var transactions = new AddPartitionsToTxnTransactionCollection();
    transactions.add(new AddPartitionsToTxnTransaction().setTransactionalId(transactionalId).setProducerId(producerId)
        .setProducerEpoch(epoch).setVerifyOnly(true).setTopics(topics));
    return new AddPartitionsToTxnRequestData().setTransactions(transactions);
  }

  /** Per partition the coordinator's error; a top-level error applies to every partition. */
  static Map<TopicPartition, Errors> errors(AddPartitionsToTxnResponseData response, String transactionalId,
                                            Collection<TopicPartition> partitions) {
    var errors = new HashMap<TopicPartition, Errors>();
    if (response.errorCode() != Errors.NONE.code()) {
      partitions.forEach(tp -> errors.put(tp, Errors.forCode(response.errorCode())));
      return errors;
    }
    var result = response.resultsByTransaction().find(transactionalId);
    if (result == null) {
      partitions.forEach(tp -> errors.put(tp, Errors.INVALID_TXN_STATE));
      return errors;
    }
    result.topicResults().forEach(topic -> topic.resultsByPartition().forEach(p ->
        errors.put(new TopicPartition(topic.name(), p.partitionIndex()), Errors.forCode(p.partitionErrorCode()))));
    return errors;
  }
}
