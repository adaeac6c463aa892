package io.tributary.protocol;

import io.tributary.group.GroupEntity;
import io.tributary.metadata.MetadataImage;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.OffsetDeleteResponse;

/**
 * OffsetDelete (v0), as Kafka's KafkaApis: partitions of unknown topics (or beyond the partition
 * count) get UNKNOWN_TOPIC_OR_PARTITION; the rest go to the group's {@link GroupEntity} (even when
 * none are left, so that the group's own error still comes back). A group-level error
 * (INVALID_GROUP_ID for the empty id, GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, COORDINATOR_NOT_AVAILABLE)
 * replaces the whole answer, partitions included; otherwise the per-partition answers are merged
 * with kafka-clients' {@link OffsetDeleteResponse.Builder}.
 */
public final class OffsetDeleteHandler implements ApiHandler<OffsetDeleteRequest> {
  private final BrokerContext broker;

  public OffsetDeleteHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<OffsetDeleteResponseData> handle(RequestContext ctx, OffsetDeleteRequest request) {
    var data = request.data();
    MetadataImage image = broker.metadata().current();
    var response = new OffsetDeleteResponse.Builder();
    var partitions = new ArrayList<TopicPartition>();
    for (var topic : data.topics()) {
      GroupSupport.splitByMetadata(image, topic.name(), topic.partitions(), OffsetDeleteRequestPartition::partitionIndex,
          p -> partitions.add(new TopicPartition(topic.name(), p.partitionIndex())),
          (name, partition) -> response.addPartition(name, partition, Errors.UNKNOWN_TOPIC_OR_PARTITION));
    }
    if (!GroupSupport.isValidGroupId(data.groupId())) return error(Errors.INVALID_GROUP_ID);
    var groups = broker.groups();
    CompletionStage<OffsetDeleteResponseData> asked = groups.ask(data.groupId(),
        replyTo -> new GroupEntity.DeleteOffsets(partitions, replyTo), groups.askTimeout());
    return asked.thenApply(r -> r.errorCode() != Errors.NONE.code()
        ? new OffsetDeleteResponseData().setThrottleTimeMs(0).setErrorCode(r.errorCode())
        : response.merge(r).build().data().setThrottleTimeMs(0));
  }

  private static CompletionStage<OffsetDeleteResponseData> error(Errors error) {
    return CompletableFuture.completedFuture(new OffsetDeleteResponseData().setThrottleTimeMs(0).setErrorCode(error.code()));
  }
}
