package io.tributary.ops;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Consumer-group lag through the Kafka Admin API (so it works against any Kafka broker): per
 * partition the committed offset, the log end offset and their difference. Used by the CLI's
 * {@code groups describe} and the HTTP API's {@code /v1/groups}.
 */
public final class GroupLag {
  private GroupLag() {}

  /** One partition of a group. {@code committed} is -1 when the group has no offset for it (lag is then -1 too). */
  public record PartitionLag(String topic, int partition, long committed, long end, long lag,
                             String consumerId, String host, String clientId) {}

  /**
   * The group's partitions: those it has committed offsets for and those assigned to its members,
   * sorted by topic and partition.
   */
  public static List<PartitionLag> of(Admin admin, String group, ConsumerGroupDescription description, long timeoutMs)
      throws ExecutionException, InterruptedException, TimeoutException {
    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
        .partitionsToOffsetAndMetadata().get(timeoutMs, TimeUnit.MILLISECONDS);
    Map<TopicPartition, String[]> owners = new HashMap<>();
    if (description != null) {
      for (var member : description.members()) {
        for (var tp : member.assignment().topicPartitions()) {
          owners.put(tp, new String[] {member.consumerId(), member.host(), member.clientId()});
        }
      }
    }
    Set<TopicPartition> all = new HashSet<>(committed.keySet());
    all.addAll(owners.keySet());
    Map<TopicPartition, Long> ends = endOffsets(admin, all, timeoutMs);
    List<PartitionLag> out = new ArrayList<>();
    for (var tp : all) {
      var c = committed.get(tp);
      long offset = c == null ? -1 : c.offset();
      long end = ends.getOrDefault(tp, -1L);
      long lag = offset < 0 || end < 0 ? -1 : Math.max(0, end - offset);
      String[] owner = owners.getOrDefault(tp, new String[] {"-", "-", "-"});
      out.add(new PartitionLag(tp.topic(), tp.partition(), offset, end, lag, owner[0], owner[1], owner[2]));
    }
    out.sort(Comparator.comparing(PartitionLag::topic).thenComparingInt(PartitionLag::partition));
    return out;
  }

  /** Log end offsets; partitions whose offset cannot be listed (e.g. a deleted topic) are left out. */
  public static Map<TopicPartition, Long> endOffsets(Admin admin, Set<TopicPartition> partitions, long timeoutMs)
      throws InterruptedException, TimeoutException {
    Map<TopicPartition, Long> ends = new HashMap<>();
    if (partitions.isEmpty()) return ends;
    Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
    partitions.forEach(tp -> specs.put(tp, OffsetSpec.latest()));
    ListOffsetsResult result = admin.listOffsets(specs);
    for (var tp : partitions) {
      try {
        ends.put(tp, result.partitionResult(tp).get(timeoutMs, TimeUnit.MILLISECONDS).offset());
      } catch (ExecutionException e) {
        // unknown or deleted partition: no end offset
      }
    }
    return ends;
  }

  /** Sum of the known lags. */
  public static long total(List<PartitionLag> partitions) {
    return partitions.stream().mapToLong(p -> Math.max(0, p.lag())).sum();
  }
}
