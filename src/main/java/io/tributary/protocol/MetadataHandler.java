package io.tributary.protocol;

import io.tributary.concurrent.Failures;
import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.PartitionInfo;
import io.tributary.metadata.TopicInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.apache.kafka.common.message.MetadataResponseData;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseBroker;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponsePartition;
import org.apache.kafka.common.message.MetadataResponseData.MetadataResponseTopic;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataRequest;

/**
 * Metadata: brokers, cluster id, controller, and topics with ids and partitions (replicas, ISR,
 * offline replicas). A topic that does not exist is created when the request allows it and {@code
 * auto.create.topics.enable} is on, with {@code num.partitions} partitions of {@code
 * default.replication.factor} replicas, and is answered in the same response.
 */
public final class MetadataHandler implements ApiHandler<MetadataRequest> {
  private static final int AUTHORIZED_OPERATIONS_OMITTED = Integer.MIN_VALUE;

  private final BrokerContext broker;

  public MetadataHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<MetadataResponseData> handle(RequestContext ctx, MetadataRequest request) {
    var data = request.data();
    short version = ctx.apiVersion();
    MetadataImage image = broker.metadata().current();
    boolean allTopics = data.topics() == null || (version == 0 && data.topics().isEmpty());
    if (allTopics) {
      Set<Integer> live = broker.metadata().liveBrokers().keySet();
      var topics = image.topics().values().stream().map(t -> topic(t, Errors.NONE, live, version)).toList();
      return CompletableFuture.completedFuture(response(image, topics));
    }
    boolean mayCreate = broker.autoCreateTopics() && (version < 4 || data.allowAutoTopicCreation());
    List<CompletableFuture<MetadataResponseTopic>> answers = new ArrayList<>();
    for (MetadataRequestTopic requested : data.topics()) {
      answers.add(answer(image, requested, mayCreate, version).toCompletableFuture());
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(x -> {
      var topics = answers.stream().map(CompletableFuture::join).toList();
      return response(broker.metadata().current(), topics);
    });
  }

  private CompletionStage<MetadataResponseTopic> answer(MetadataImage image, MetadataRequestTopic requested, boolean mayCreate,
                                                       short version) {
    String name = requested.name();
    Uuid id = requested.topicId() == null ? Uuid.ZERO_UUID : requested.topicId();
    if (!id.equals(Uuid.ZERO_UUID) || name == null) {
      // by topic id (v12+; the Java AdminClient sends an empty name with the id)
      var known = image.topicById(id);
      if (known.isPresent()) return CompletableFuture.completedFuture(topic(known.get(), Errors.NONE, version));
      return broker.metadata().latest().thenApply(latest -> latest.topicById(id).map(t -> topic(t, Errors.NONE, version))
          .orElseGet(() -> unknown(null, id, Errors.UNKNOWN_TOPIC_ID)));
    }
    var existing = image.topic(name);
    if (existing.isPresent()) {
      return CompletableFuture.completedFuture(topic(existing.get(), Errors.NONE, version));
    }
    // a topic just created through another node may be in this node's Replicator but not yet in its view
    return broker.metadata().latest().thenCompose(latest -> latest.topic(name)
        .<CompletionStage<MetadataResponseTopic>>map(t -> CompletableFuture.completedFuture(topic(t, Errors.NONE, version)))
        .orElseGet(() -> unknownOrCreated(name, mayCreate, version)));
  }

  private CompletionStage<MetadataResponseTopic> unknownOrCreated(String name, boolean mayCreate, short version) {
    if (!mayCreate) {
      return CompletableFuture.completedFuture(unknown(name, Uuid.ZERO_UUID, Errors.UNKNOWN_TOPIC_OR_PARTITION));
    }
    return broker.metadata().createTopic(name, broker.defaultPartitions(), AdminConfigs.defaultReplicationFactor(broker), List.of(),
            java.util.Map.of(), false)
        .handle((created, error) -> {
          if (error == null) return topic(created, Errors.NONE, version);
          Throwable cause = Failures.unwrap(error);
          if (cause instanceof TopicExistsException) {
            return broker.metadata().current().topic(name).map(t -> topic(t, Errors.NONE, version))
                .orElseGet(() -> unknown(name, Uuid.ZERO_UUID, Errors.LEADER_NOT_AVAILABLE));
          }
          return unknown(name, Uuid.ZERO_UUID, Errors.forException(cause));
        });
  }

  private MetadataResponseTopic topic(TopicInfo t, Errors error, short version) {
    return topic(t, error, broker.metadata().liveBrokers().keySet(), version);
  }

  /**
   * A topic with each partition's assignment, as Kafka's KRaftMetadataCache answers: replicas and ISR as the
   * controller keeps them, the replicas on nodes that are not live as offline. A partition whose leader is not live
   * (or that has none) has leader -1 and LEADER_NOT_AVAILABLE. Version 0 lists only the live replicas and ISR members
   * and answers REPLICA_NOT_AVAILABLE when it leaves some out.
   */
  private MetadataResponseTopic topic(TopicInfo t, Errors error, Set<Integer> live, short version) {
    boolean onlyLive = version == 0;
    var partitions = new ArrayList<MetadataResponsePartition>(t.partitionCount());
    for (int p = 0; p < t.partitionCount(); p++) {
      PartitionInfo info = t.partition(p);
      boolean leaderLive = info.hasLeader() && live.contains(info.leader());
      List<Integer> offline = info.replicas().stream().filter(r -> !live.contains(r)).toList();
      List<Integer> replicas = onlyLive ? info.replicas().stream().filter(live::contains).toList() : info.replicas();
      List<Integer> isr = onlyLive ? info.isr().stream().filter(live::contains).toList() : info.isr();
      Errors partitionError = !leaderLive ? Errors.LEADER_NOT_AVAILABLE
          : replicas.size() < info.replicas().size() || isr.size() < info.isr().size() ? Errors.REPLICA_NOT_AVAILABLE
          : Errors.NONE;
      partitions.add(new MetadataResponsePartition()
          .setErrorCode(partitionError.code())
          .setPartitionIndex(p)
          .setLeaderId(leaderLive ? info.leader() : PartitionInfo.NO_LEADER)
          .setLeaderEpoch(info.leaderEpoch())
          .setReplicaNodes(replicas)
          .setIsrNodes(isr)
          .setOfflineReplicas(offline));
    }
    return new MetadataResponseTopic()
        .setErrorCode(error.code())
        .setName(t.name())
        .setTopicId(t.topicId())
        .setIsInternal(false)
        .setPartitions(partitions)
        .setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
  }

  private static MetadataResponseTopic unknown(String name, Uuid id, Errors error) {
    return new MetadataResponseTopic()
        .setErrorCode(error.code())
        .setName(name)
        .setTopicId(id)
        .setIsInternal(false)
        .setPartitions(List.of())
        .setTopicAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
  }

  /**
   * The live nodes (a node that left or was downed is not listed) and the node hosting the Controller. A node cut off
   * from the majority of the cluster lists no broker: its view (itself the only live node, leading what it led) is
   * stale, and clients ignore a Metadata answer without brokers (kafka-clients: "Ignoring empty metadata response")
   * and ask another node.
   */
  private MetadataResponseData response(MetadataImage image, List<MetadataResponseTopic> topics) {
    var brokers = new MetadataResponseData.MetadataResponseBrokerCollection();
    if (broker.metadata().reachesMajority()) broker.metadata().liveBrokers().values().stream()
        .sorted((a, b) -> Integer.compare(a.nodeId(), b.nodeId()))
        .forEach(b -> brokers.add(new MetadataResponseBroker()
            .setNodeId(b.nodeId()).setHost(b.host()).setPort(b.port()).setRack(b.rack())));
    var response = new MetadataResponseData()
        .setThrottleTimeMs(0)
        .setBrokers(brokers)
        .setClusterId(image.clusterId())
        .setControllerId(broker.metadata().controllerId())
        .setClusterAuthorizedOperations(AUTHORIZED_OPERATIONS_OMITTED);
    response.topics().addAll(topics);
    return response;
  }
}
