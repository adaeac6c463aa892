package io.tributary.protocol;

import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.PartitionInfo;
import io.tributary.metadata.TopicInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.Cursor;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponsePartition;
import org.apache.kafka.common.message.DescribeTopicPartitionsResponseData.DescribeTopicPartitionsResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeTopicPartitionsRequest;
import org.apache.kafka.common.utils.Utils;

/**
 * DescribeTopicPartitions (KIP-966, v0), answered as Kafka's DescribeTopicPartitionsRequestHandler and
 * KRaftMetadataCache do: the named topics (every topic when none is named, leaving out those that fail), in name
 * order, from the cursor's topic and partition on, at most {@code min(ResponsePartitionLimit, partition-limit)}
 * partitions (at least 1), with a next cursor where the answer stops. Each partition has its replicas and ISR as the
 * Controller keeps them and the replicas on nodes that are not live as offline; a partition whose leader is not live
 * has leader -1 and LEADER_NOT_AVAILABLE. There are no eligible leader replicas (KIP-966's ELR): both lists are empty.
 */
public final class DescribeTopicPartitionsHandler implements ApiHandler<DescribeTopicPartitionsRequest> {
  /** Without an authorizer Kafka reports every TOPIC operation as authorized (AclEntry.supportedOperations(TOPIC)). */
  private static final int TOPIC_OPERATIONS = Utils.to32BitField(Set.of(
      AclOperation.READ.code(), AclOperation.WRITE.code(), AclOperation.CREATE.code(), AclOperation.DESCRIBE.code(),
      AclOperation.DELETE.code(), AclOperation.ALTER.code(), AclOperation.DESCRIBE_CONFIGS.code(),
      AclOperation.ALTER_CONFIGS.code()));

  private final BrokerContext broker;
  /** Kafka's max.request.partition.size.limit: the most partitions one answer holds. */
  private final int partitionLimit;

  public DescribeTopicPartitionsHandler(BrokerContext broker, int partitionLimit) {
    this.broker = broker;
    this.partitionLimit = partitionLimit;
  }

  @Override
  public CompletionStage<DescribeTopicPartitionsResponseData> handle(RequestContext ctx, DescribeTopicPartitionsRequest request) {
    var data = request.data();
    var cursor = data.cursor();
    boolean all = data.topics().isEmpty();
    TreeSet<String> names = new TreeSet<>();
    if (cursor != null && cursor.partitionIndex() < 0) {
      throw new InvalidRequestException("The partition index in the cursor must be non-negative");
    }
    // a topic just created through another node may be in this node's Replicator but not yet in its view
    return broker.metadata().latest().thenApply(image -> {
      if (all) names.addAll(image.topics().keySet());
      else data.topics().forEach(t -> names.add(t.name()));
      if (cursor != null) {
        if (!names.contains(cursor.topicName())) {
          throw new InvalidRequestException("DescribeTopicPartitionsRequest topic list should contain the cursor topic: "
              + cursor.topicName());
        }
        names.headSet(cursor.topicName()).clear();
      }
      int limit = Math.max(Math.min(partitionLimit, data.responsePartitionLimit()), 1);
      return describe(image, names, cursor, limit, all);
    });
  }

  private DescribeTopicPartitionsResponseData describe(MetadataImage image, TreeSet<String> names,
                                                       DescribeTopicPartitionsRequestData.Cursor cursor,
                                                       int limit, boolean all) {
    var response = new DescribeTopicPartitionsResponseData().setThrottleTimeMs(0);
    Set<Integer> live = broker.metadata().liveBrokers().keySet();
    int remaining = limit;
    for (String name : names) {
      if (remaining == 0) {
        // every partition of the topics before is answered: the next answer starts with this topic
        response.setNextCursor(new Cursor().setTopicName(name).setPartitionIndex(0));
        break;
      }
      TopicInfo topic = image.topics().get(name);
      if (topic == null) {
        if (!all) response.topics().add(missing(name));
        continue;
      }
      int first = cursor != null && name.equals(cursor.topicName()) ? cursor.partitionIndex() : 0;
      int upper = Math.min(topic.partitionCount(), first + remaining);
      List<DescribeTopicPartitionsResponsePartition> partitions = new ArrayList<>();
      for (int p = first; p < upper; p++) partitions.add(partition(topic.partition(p), p, live));
      response.topics().add(new DescribeTopicPartitionsResponseTopic()
          .setErrorCode(Errors.NONE.code())
          .setName(name)
          .setTopicId(topic.topicId())
          .setIsInternal(Topic.isInternal(name))
          .setPartitions(partitions)
          .setTopicAuthorizedOperations(TOPIC_OPERATIONS));
      if (upper < topic.partitionCount()) {
        response.setNextCursor(new Cursor().setTopicName(name).setPartitionIndex(upper));
        break;
      }
      remaining -= partitions.size();
    }
    return response;
  }

  private static DescribeTopicPartitionsResponsePartition partition(PartitionInfo info, int index, Set<Integer> live) {
    boolean leaderLive = info.hasLeader() && live.contains(info.leader());
    return new DescribeTopicPartitionsResponsePartition()
        .setErrorCode((leaderLive ? Errors.NONE : Errors.LEADER_NOT_AVAILABLE).code())
        .setPartitionIndex(index)
        .setLeaderId(leaderLive ? info.leader() : PartitionInfo.NO_LEADER)
        .setLeaderEpoch(info.leaderEpoch())
        .setReplicaNodes(info.replicas())
        .setIsrNodes(info.isr())
        .setEligibleLeaderReplicas(List.of())
        .setLastKnownElr(List.of())
        .setOfflineReplicas(info.replicas().stream().filter(r -> !live.contains(r)).toList());
  }

  /** A named topic that does not exist: UNKNOWN_TOPIC_OR_PARTITION, or INVALID_TOPIC_EXCEPTION for an illegal name. */
  private static DescribeTopicPartitionsResponseTopic missing(String name) {
    Errors error;
    try {
      Topic.validate(name);
      error = Errors.UNKNOWN_TOPIC_OR_PARTITION;
    } catch (InvalidTopicException e) {
      error = Errors.INVALID_TOPIC_EXCEPTION;
    }
    return new DescribeTopicPartitionsResponseTopic()
        .setErrorCode(error.code())
        .setName(name)
        .setTopicId(Uuid.ZERO_UUID)
        .setIsInternal(Topic.isInternal(name))
        .setTopicAuthorizedOperations(TOPIC_OPERATIONS);
  }
}
