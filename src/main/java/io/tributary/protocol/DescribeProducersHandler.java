package io.tributary.protocol;

import io.tributary.concurrent.Failures;
import io.tributary.storage.ActiveProducer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeProducersResponseData;
import org.apache.kafka.common.message.DescribeProducersResponseData.PartitionResponse;
import org.apache.kafka.common.message.DescribeProducersResponseData.ProducerState;
import org.apache.kafka.common.message.DescribeProducersResponseData.TopicResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeProducersRequest;

/**
 * DescribeProducers (v0): the producer state of each requested partition led here (Kafka's activeProducerState): per
 * producer id its epoch, last sequence, last timestamp, coordinator epoch and the first offset of its open
 * transaction (-1 if none). UNKNOWN_TOPIC_OR_PARTITION or NOT_LEADER_OR_FOLLOWER per partition otherwise, as Kafka.
 */
public final class DescribeProducersHandler implements ApiHandler<DescribeProducersRequest> {
  private final BrokerContext broker;

  public DescribeProducersHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<DescribeProducersResponseData> handle(RequestContext ctx, DescribeProducersRequest request) {
    var response = new DescribeProducersResponseData().setThrottleTimeMs(0);
    List<CompletableFuture<?>> pending = new ArrayList<>();
    for (var topic : request.data().topics()) {
      var topicResponse = new TopicResponse().setName(topic.name());
      response.topics().add(topicResponse);
      for (int partition : topic.partitionIndexes()) {
        var out = new PartitionResponse().setPartitionIndex(partition);
        topicResponse.partitions().add(out);
        pending.add(broker.partitions().handle(new TopicPartition(topic.name(), partition))
            .thenCompose(h -> h.activeProducers())
            .handle((producers, error) -> {
              if (error != null) {
                Throwable cause = Failures.unwrap(error);
                return out.setErrorCode(Errors.forException(cause).code()).setErrorMessage(cause.getMessage());
              }
              for (ActiveProducer p : producers) out.activeProducers().add(state(p));
              return out.setErrorCode(Errors.NONE.code());
            })
            .toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(x -> response);
  }

  private static ProducerState state(ActiveProducer p) {
    return new ProducerState().setProducerId(p.producerId()).setProducerEpoch(p.producerEpoch())
        .setLastSequence(p.lastSequence()).setLastTimestamp(p.lastTimestamp()).setCoordinatorEpoch(p.coordinatorEpoch())
        .setCurrentTxnStartOffset(p.currentTxnStartOffset());
  }
}
