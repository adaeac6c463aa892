package io.tributary.metadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * A topic as the cluster knows it: name, id, its config overrides (Kafka names) and each partition's assignment
 * ({@link PartitionInfo}: replicas, leader, leader epoch). Immutable.
 */
public record TopicInfo(String name, Uuid topicId, Map<String, String> configs, List<PartitionInfo> partitions) {
  public TopicInfo {
    configs = Map.copyOf(configs);
    partitions = List.copyOf(partitions);
  }

  /** A new topic whose partition {@code i} is on {@code replicas.get(i)}, each led by its first replica at epoch 0. */
  public static TopicInfo created(String name, Uuid topicId, Map<String, String> configs, List<List<Integer>> replicas) {
    return new TopicInfo(name, topicId, configs, replicas.stream().map(PartitionInfo::assigned).toList());
  }

  public int partitionCount() {
    return partitions.size();
  }

  public PartitionInfo partition(int partition) {
    return partitions.get(partition);
  }

  public int leader(int partition) {
    return partitions.get(partition).leader();
  }

  public int leaderEpoch(int partition) {
    return partitions.get(partition).leaderEpoch();
  }

  public List<Integer> replicas(int partition) {
    return partitions.get(partition).replicas();
  }

  /** The replication factor: the replica count of partition 0 (all partitions have the same). */
  public int replicationFactor() {
    return partitions.isEmpty() ? 0 : partitions.get(0).replicas().size();
  }

  /** Grown by partitions on {@code replicas} (one list per new partition), each new one at leader epoch 0. */
  TopicInfo withNewPartitions(List<List<Integer>> replicas) {
    var grown = new ArrayList<>(partitions);
    replicas.forEach(r -> grown.add(PartitionInfo.assigned(r)));
    return new TopicInfo(name, topicId, configs, grown);
  }

  TopicInfo withConfigs(Map<String, String> replaced) {
    return new TopicInfo(name, topicId, replaced, partitions);
  }

  /**
   * Node {@code nodeId} registered anew (it restarted): the partitions it leads, and those without a leader (stored
   * before assignments existed), are led by it again, each at a higher leader epoch. The same instance if none.
   */
  TopicInfo withLeaderReelected(int nodeId) {
    boolean any = false;
    var next = new ArrayList<PartitionInfo>(partitions.size());
    for (PartitionInfo p : partitions) {
      if (p.leader() == nodeId || p.leader() == PartitionInfo.NO_LEADER) {
        next.add(p.reelected(nodeId));
        any = true;
      } else {
        next.add(p);
      }
    }
    return any ? new TopicInfo(name, topicId, configs, next) : this;
  }
}
