package io.tributary.protocol;

import io.tributary.group.GroupEntity;
import io.tributary.metadata.MetadataImage;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;

/**
 * OffsetCommit (v0+), as Kafka's KafkaApis: partitions of a topic that does not exist, or beyond
 * its partition count, get UNKNOWN_TOPIC_OR_PARTITION and are not committed; the rest go to the
 * group's {@link GroupEntity}, which answers once the commit is persisted, and the two answers are
 * merged with kafka-clients' {@link OffsetCommitResponse.Builder}. The empty group id is accepted
 * (Kafka keeps it for backward compatibility). v0-1 carry no generation (-1, member "": a
 * commit without group management, accepted while the group is Empty). v0 commits go to the same
 * store as every other version (Kafka stored v0 in ZooKeeper); the per-request retention of v2-4
 * and the commit timestamp of v1 are ignored. A commit not acknowledged within the ask timeout
 * gets COORDINATOR_NOT_AVAILABLE for all its partitions, as Kafka maps a timed-out offsets append.
 */
public final class OffsetCommitHandler implements ApiHandler<OffsetCommitRequest> {
  private final BrokerContext broker;

  public OffsetCommitHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<OffsetCommitResponseData> handle(RequestContext ctx, OffsetCommitRequest request) {
    var data = request.data();
    MetadataImage image = broker.metadata().current();
    var response = new OffsetCommitResponse.Builder();
    var offsets = new ArrayList<GroupEntity.PartitionOffset>();
    for (var topic : data.topics()) {
      GroupSupport.splitByMetadata(image, topic.name(), topic.partitions(), OffsetCommitRequestPartition::partitionIndex,
          p -> offsets.add(new GroupEntity.PartitionOffset(topic.name(), p.partitionIndex(), p.committedOffset(),
              p.committedLeaderEpoch(), p.committedMetadata())),
          (name, partition) -> response.addPartition(name, partition, Errors.UNKNOWN_TOPIC_OR_PARTITION));
    }
    if (offsets.isEmpty()) {
      return CompletableFuture.completedFuture(response.build().data().setThrottleTimeMs(0));
    }
    var groups = broker.groups();
    CompletionStage<OffsetCommitResponseData> asked = groups.askCreating(data.groupId(),
        replyTo -> new GroupEntity.CommitOffsets(data.generationIdOrMemberEpoch(), data.memberId(), data.groupInstanceId(),
            offsets, replyTo),
        groups.askTimeout());
    return asked.thenApply(r -> response.merge(r).build().data().setThrottleTimeMs(0));
  }
}
