package io.tributary.protocol;

import io.tributary.metadata.Controller.PartitionOutcome;
import io.tributary.metadata.Controller.PartitionTarget;
import io.tributary.metadata.Controller.ReassignmentTarget;
import io.tributary.metadata.Controller.TopicOutcomes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignablePartitionResponse;
import org.apache.kafka.common.message.AlterPartitionReassignmentsResponseData.ReassignableTopicResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AlterPartitionReassignmentsRequest;

/**
 * AlterPartitionReassignments v0 (what {@code Admin.alterPartitionReassignments} and {@code kafka-reassign-partitions.sh}
 * send), answered as a KRaft-mode Kafka 3.9 controller does: each named partition gets {@code NONE} (the reassignment
 * started, completed at once, or was cancelled), {@code UNKNOWN_TOPIC_OR_PARTITION}, {@code INVALID_REPLICA_ASSIGNMENT}
 * or {@code NO_REASSIGNMENT_IN_PROGRESS}, with Kafka's messages; the top level is {@code NONE}. {@code timeoutMs} is
 * the deadline: past it the whole request gets {@code REQUEST_TIMED_OUT}, though the change may still take effect.
 * Any node takes the request and asks the metadata Controller, as a KRaft broker forwards it; there are no ACLs yet.
 */
public final class AlterPartitionReassignmentsHandler implements ApiHandler<AlterPartitionReassignmentsRequest> {
  private final BrokerContext broker;

  public AlterPartitionReassignmentsHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<AlterPartitionReassignmentsResponseData> handle(RequestContext ctx, AlterPartitionReassignmentsRequest request) {
    AlterPartitionReassignmentsRequestData data = request.data();
    if (data.timeoutMs() <= 0) return CompletableFuture.failedFuture(AdminSupport.expired());
    var targets = new ArrayList<ReassignmentTarget>();
    for (var topic : data.topics()) {
      var partitions = new ArrayList<PartitionTarget>();
      for (var p : topic.partitions()) partitions.add(new PartitionTarget(p.partitionIndex(), p.replicas()));
      targets.add(new ReassignmentTarget(topic.name(), partitions));
    }
    return AdminSupport.within(broker.metadata().alterPartitionReassignments(targets), data.timeoutMs())
        .thenApply(AlterPartitionReassignmentsHandler::response);
  }

  private static AlterPartitionReassignmentsResponseData response(List<TopicOutcomes> topics) {
    var responses = new ArrayList<ReassignableTopicResponse>();
    for (TopicOutcomes topic : topics) {
      var partitions = new ArrayList<ReassignablePartitionResponse>();
      for (PartitionOutcome p : topic.partitions()) {
        partitions.add(new ReassignablePartitionResponse().setPartitionIndex(p.partition()).setErrorCode(p.errorCode())
            .setErrorMessage(p.message()));
      }
      responses.add(new ReassignableTopicResponse().setName(topic.topic()).setPartitions(partitions));
    }
    return new AlterPartitionReassignmentsResponseData().setThrottleTimeMs(0).setErrorCode(Errors.NONE.code())
        .setErrorMessage(null).setResponses(responses);
  }
}
