package io.tributary.protocol;

import io.tributary.concurrent.Failures;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.DeleteRecordsResponseData;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsPartitionResult;
import org.apache.kafka.common.message.DeleteRecordsResponseData.DeleteRecordsTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DeleteRecords (v0+), answered as Kafka 3.9's broker does: per partition, the log start offset
 * moves to the requested offset ({@code -1} = the high watermark) and the answer is the new low
 * watermark. UNKNOWN_TOPIC_OR_PARTITION for a partition that does not exist; OFFSET_OUT_OF_RANGE
 * for an offset below 0 or above the high watermark; POLICY_VIOLATION when the topic's
 * {@code cleanup.policy} lacks {@code delete}; INVALID_TOPIC_EXCEPTION for an internal topic. An
 * offset at or below the current log start changes nothing and answers the current one. A
 * partition not done within {@code timeoutMs} answers REQUEST_TIMED_OUT.
 */
public final class DeleteRecordsHandler implements ApiHandler<DeleteRecordsRequest> {
  private static final Logger log = LoggerFactory.getLogger(DeleteRecordsHandler.class);

  private final BrokerContext broker;

  public DeleteRecordsHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<DeleteRecordsResponseData> handle(RequestContext ctx, DeleteRecordsRequest request) {
    var data = request.data();
    var image = broker.metadata().current();
    var response = new DeleteRecordsResponseData().setThrottleTimeMs(0);
    List<CompletableFuture<?>> pending = new ArrayList<>();
    for (var topic : data.topics()) {
      var topicResult = new DeleteRecordsTopicResult().setName(topic.name());
      response.topics().add(topicResult);
      var info = image.topic(topic.name());
      for (var partition : topic.partitions()) {
        var result = new DeleteRecordsPartitionResult()
            .setPartitionIndex(partition.partitionIndex())
            .setLowWatermark(-1)
            .setErrorCode(Errors.NONE.code());
        topicResult.partitions().add(result);
        if (Topic.isInternal(topic.name())) {
          result.setErrorCode(Errors.INVALID_TOPIC_EXCEPTION.code());
          continue;
        }
        if (info.isEmpty() || partition.partitionIndex() < 0 || partition.partitionIndex() >= info.get().partitionCount()) {
          result.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
          continue;
        }
        var tp = new TopicPartition(topic.name(), partition.partitionIndex());
        long requested = partition.offset();
        pending.add(AdminSupport.within(broker.partitions().handle(tp).thenCompose(handle -> {
          if (!handle.config().deleteRetention()) {
            throw new PolicyViolationException("Records of partition " + tp + " can not be deleted due to the configured policy");
          }
          long offset = requested == DeleteRecordsRequest.HIGH_WATERMARK ? handle.highWatermark() : requested;
          if (offset < 0) {
            throw new OffsetOutOfRangeException("The offset " + offset + " for partition " + tp + " is not valid");
          }
          long highWatermark = handle.highWatermark();
          if (offset > highWatermark) {
            throw new OffsetOutOfRangeException("Cannot increment the log start offset to " + offset + " of partition "
                + tp + " since it is larger than the high watermark " + highWatermark);
          }
          return handle.deleteRecordsBefore(offset);
        }), data.timeoutMs()).handle((lowWatermark, failure) -> {
          if (failure == null) {
            result.setLowWatermark(lowWatermark);
          } else {
            Throwable cause = Failures.unwrap(failure);
            Errors error = Errors.forException(cause);
            if (error == Errors.UNKNOWN_SERVER_ERROR) log.warn("Deleting records of {} failed", tp, cause);
            result.setErrorCode(error.code());
          }
          return null;
        }));
      }
    }
    return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(x -> response);
  }
}
