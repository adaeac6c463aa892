package io.tributary.protocol;

import io.tributary.metadata.PartitionInfo;
import io.tributary.metadata.TopicInfo;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingPartitionReassignment;
import org.apache.kafka.common.message.ListPartitionReassignmentsResponseData.OngoingTopicReassignment;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ListPartitionReassignmentsRequest;

/**
 * ListPartitionReassignments v0, answered as Kafka's listPartitionReassignments: the reassignments in progress of the
 * named partitions (null topics: of every partition), each with its replicas (the target followed by the replicas
 * being removed), adding and removing replicas; topics and partitions without one, or unknown, are left out. It reads
 * the node's newest metadata ({@link io.tributary.metadata.MetadataService#latest()}), which holds every change a
 * majority acknowledged, rather than asking the Controller.
 */
public final class ListPartitionReassignmentsHandler implements ApiHandler<ListPartitionReassignmentsRequest> {
  private final BrokerContext broker;

  public ListPartitionReassignmentsHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<ListPartitionReassignmentsResponseData> handle(RequestContext ctx, ListPartitionReassignmentsRequest request) {
    var data = request.data();
    if (data.timeoutMs() <= 0) return CompletableFuture.failedFuture(AdminSupport.expired());
    return broker.metadata().latest().thenApply(image -> {
      var topics = new ArrayList<OngoingTopicReassignment>();
      if (data.topics() == null) {
        image.topics().values().stream().sorted(Comparator.comparing(TopicInfo::name))
            .forEach(t -> add(topics, t, null));
      } else {
        for (var named : data.topics()) image.topic(named.name()).ifPresent(t -> add(topics, t, named.partitionIndexes()));
      }
      return new ListPartitionReassignmentsResponseData().setThrottleTimeMs(0).setErrorCode(Errors.NONE.code())
          .setErrorMessage(null).setTopics(topics);
    });
  }

  /** {@code topic}'s reassigning partitions among {@code indexes} (null: all), if it has any. */
  private static void add(List<OngoingTopicReassignment> topics, TopicInfo topic, List<Integer> indexes) {
    var partitions = new ArrayList<OngoingPartitionReassignment>();
    List<Integer> wanted = indexes != null ? indexes
        : java.util.stream.IntStream.range(0, topic.partitionCount()).boxed().toList();
    for (int i : wanted) {
      if (i < 0 || i >= topic.partitionCount()) continue;
      PartitionInfo p = topic.partition(i);
      if (!p.reassigning()) continue;
      partitions.add(new OngoingPartitionReassignment().setPartitionIndex(i).setReplicas(new ArrayList<>(p.replicas()))
          .setAddingReplicas(new ArrayList<>(p.adding())).setRemovingReplicas(new ArrayList<>(p.removing())));
    }
    if (!partitions.isEmpty()) topics.add(new OngoingTopicReassignment().setName(topic.name()).setPartitions(partitions));
  }

}
