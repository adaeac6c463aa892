package io.tributary.protocol;

import io.tributary.metadata.Controller.ElectionTarget;
import io.tributary.metadata.Controller.PartitionElection;
import io.tributary.metadata.Controller.TopicElections;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ElectLeadersResponseData;
import org.apache.kafka.common.message.ElectLeadersResponseData.PartitionResult;
import org.apache.kafka.common.message.ElectLeadersResponseData.ReplicaElectionResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ElectLeadersRequest;

/**
 * ElectLeaders (v0–v2; what {@code Admin.electLeaders} and {@code kafka-leader-election.sh} send), answered as a
 * KRaft-mode Kafka 3.9 controller does: v0 is always a PREFERRED election, v1+ PREFERRED or UNCLEAN (another type is
 * {@code INVALID_REQUEST} for the whole request). Each partition gets {@code NONE} (a new leader), {@code
 * ELECTION_NOT_NEEDED}, {@code PREFERRED_LEADER_NOT_AVAILABLE}, {@code ELIGIBLE_LEADERS_NOT_AVAILABLE} or {@code
 * UNKNOWN_TOPIC_OR_PARTITION}; null topic partitions means all of them, and then only the partitions that needed an
 * election are answered. A partition named twice is elected and answered once, as the ZooKeeper-era broker did.
 * {@code timeoutMs} is the deadline: past it the whole request gets {@code REQUEST_TIMED_OUT} (top level from v1, and
 * per partition), though the elections may still take effect. Any node takes the request and asks the metadata
 * Controller, as a KRaft broker forwards it; there are no ACLs yet, so no CLUSTER_AUTHORIZATION_FAILED.
 */
public final class ElectLeadersHandler implements ApiHandler<ElectLeadersRequest> {
  private final BrokerContext broker;

  public ElectLeadersHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<ElectLeadersResponseData> handle(RequestContext ctx, ElectLeadersRequest request) {
    ElectLeadersRequestData data = request.data();
    ElectionType type;
    try {
      // v0 has no election type: always PREFERRED
      type = request.version() == 0 ? ElectionType.PREFERRED : ElectionType.valueOf(data.electionType());
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(new InvalidRequestException("Unknown election type " + (int) data.electionType()));
    }
    if (data.timeoutMs() <= 0) {
      return CompletableFuture.failedFuture(AdminSupport.expired());
    }
    return AdminSupport.within(broker.metadata().electLeaders(type, targets(data)), data.timeoutMs())
        .thenApply(ElectLeadersHandler::response);
  }

  /** The named partitions, each once, in the order first named; null for all. */
  private static List<ElectionTarget> targets(ElectLeadersRequestData data) {
    if (data.topicPartitions() == null) return null;
    var byTopic = new LinkedHashMap<String, Set<Integer>>();
    for (var topic : data.topicPartitions()) {
      byTopic.computeIfAbsent(topic.topic(), t -> new LinkedHashSet<>()).addAll(topic.partitions());
    }
    var targets = new ArrayList<ElectionTarget>();
    byTopic.forEach((topic, partitions) -> targets.add(new ElectionTarget(topic, List.copyOf(partitions))));
    return targets;
  }

  private static ElectLeadersResponseData response(List<TopicElections> topics) {
    var results = new ArrayList<ReplicaElectionResult>();
    for (TopicElections topic : topics) {
      var partitions = new ArrayList<PartitionResult>();
      for (PartitionElection p : topic.partitions()) {
        partitions.add(new PartitionResult().setPartitionId(p.partition()).setErrorCode(p.errorCode()).setErrorMessage(p.message()));
      }
      results.add(new ReplicaElectionResult().setTopic(topic.topic()).setPartitionResult(partitions));
    }
    return new ElectLeadersResponseData().setThrottleTimeMs(0).setErrorCode(Errors.NONE.code()).setReplicaElectionResults(results);
  }
}
