package io.tributary.protocol;

import io.tributary.group.GroupEntity;
import io.tributary.metadata.MetadataImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.TxnOffsetCommitRequest;

/**
 * TxnOffsetCommit (v0+), as Kafka's KafkaApis and GroupCoordinator: the offsets go to the group's {@link GroupEntity}
 * (which this request may create) as pending offsets of the producer, invisible to OffsetFetch until the transaction
 * commits (the transaction coordinator completes them; an abort drops them). Partitions of unknown topics get
 * UNKNOWN_TOPIC_OR_PARTITION; a group error (NOT_COORDINATOR, UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, ...) applies to
 * every partition. v3+ carry the member id, instance id and generation, which are then checked.
 */
public final class TxnOffsetCommitHandler implements ApiHandler<TxnOffsetCommitRequest> {
  private final BrokerContext broker;

  public TxnOffsetCommitHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<TxnOffsetCommitResponseData> handle(RequestContext ctx, TxnOffsetCommitRequest request) {
    var data = request.data();
    MetadataImage image = broker.metadata().current();
    Map<String, TxnOffsetCommitResponseTopic> unknown = new LinkedHashMap<>();
    var offsets = new ArrayList<GroupEntity.PartitionOffset>();
    for (var topic : data.topics()) {
      GroupSupport.splitByMetadata(image, topic.name(), topic.partitions(), TxnOffsetCommitRequestPartition::partitionIndex,
          p -> offsets.add(new GroupEntity.PartitionOffset(topic.name(), p.partitionIndex(), p.committedOffset(),
              p.committedLeaderEpoch(), p.committedMetadata())),
          (name, partition) -> unknown.computeIfAbsent(name, n -> new TxnOffsetCommitResponseTopic().setName(n))
              .partitions().add(new TxnOffsetCommitResponsePartition().setPartitionIndex(partition)
                  .setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code())));
    }
    if (offsets.isEmpty()) {
      return CompletableFuture.completedFuture(new TxnOffsetCommitResponseData().setThrottleTimeMs(0)
          .setTopics(new ArrayList<>(unknown.values())));
    }
    var groups = broker.groups();
    CompletionStage<TxnOffsetCommitResponseData> asked = groups.askCreating(data.groupId(),
        replyTo -> new GroupEntity.TxnCommitOffsets(data.producerId(), data.producerEpoch(), data.generationId(),
            data.memberId(), data.groupInstanceId(), offsets, replyTo),
        groups.askTimeout());
    return asked.handle((response, failure) -> {
      if (failure != null) response = groupError(offsets, TxnSupport.errorOf(failure));
      response.topics().addAll(unknown.values());
      return response.setThrottleTimeMs(0);
    });
  }

  private static TxnOffsetCommitResponseData groupError(Iterable<GroupEntity.PartitionOffset> offsets, Errors error) {
    var byTopic = new LinkedHashMap<String, TxnOffsetCommitResponseTopic>();
    for (var o : offsets) {
      byTopic.computeIfAbsent(o.topic(), t -> new TxnOffsetCommitResponseTopic().setName(t)).partitions()
          .add(new TxnOffsetCommitResponsePartition().setPartitionIndex(o.partition()).setErrorCode(error.code()));
    }
    return new TxnOffsetCommitResponseData().setTopics(new ArrayList<>(byTopic.values()));
  }
}
