package io.tributary.metadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.apache.kafka.common.Uuid;

/**
 * A topic as the cluster knows it: name, id, its config overrides (Kafka names) and each partition's assignment
 * ({@link PartitionInfo}: replicas, leader, leader epoch, ISR, partition epoch). Immutable.
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

  /** The in-sync replicas of {@code partition}. */
  public List<Integer> isr(int partition) {
    return partitions.get(partition).isr();
  }

  /** The partition epoch of {@code partition}: it grows with every leader or ISR change. */
  public int partitionEpoch(int partition) {
    return partitions.get(partition).partitionEpoch();
  }

  /** Whether the topic's {@code unclean.leader.election.enable} override, or else {@code brokerDefault}, is true. */
  boolean uncleanLeaderElection(boolean brokerDefault) {
    String value = configs.get("unclean.leader.election.enable");
    return value == null ? brokerDefault : Boolean.parseBoolean(value.trim());
  }

  /** The replication factor: the replica count of partition 0 (all partitions have the same). */
  public int replicationFactor() {
    return partitions.isEmpty() ? 0 : partitions.get(0).replicas().size();
  }

  /**
   * A new topic whose partition {@code i} is on {@code replicas.get(i)}, created while the {@code live} nodes are up
   * (see {@link PartitionInfo#assigned(List, Set)}).
   */
  static TopicInfo created(String name, Uuid topicId, Map<String, String> configs, List<List<Integer>> replicas, Set<Integer> live) {
    return new TopicInfo(name, topicId, configs, replicas.stream().map(r -> PartitionInfo.assigned(r, live)).toList());
  }

  /** Grown by partitions on {@code replicas} (one list per new partition), each new one at epochs 0. */
  TopicInfo withNewPartitions(List<List<Integer>> replicas, Set<Integer> live) {
    var grown = new ArrayList<>(partitions);
    replicas.forEach(r -> grown.add(PartitionInfo.assigned(r, live)));
    return new TopicInfo(name, topicId, configs, grown);
  }

  /** With partition {@code index} replaced. */
  TopicInfo withPartition(int index, PartitionInfo partition) {
    var next = new ArrayList<>(partitions);
    next.set(index, partition);
    return new TopicInfo(name, topicId, configs, next);
  }

  /** Every partition changed by {@code change}; the same instance when it changes none. */
  TopicInfo withEveryPartition(UnaryOperator<PartitionInfo> change) {
    boolean any = false;
    var next = new ArrayList<PartitionInfo>(partitions.size());
    for (PartitionInfo p : partitions) {
      PartitionInfo changed = change.apply(p);
      any |= changed != p;
      next.add(changed);
    }
    return any ? new TopicInfo(name, topicId, configs, next) : this;
  }

  TopicInfo withConfigs(Map<String, String> replaced) {
    return new TopicInfo(name, topicId, replaced, partitions);
  }
}
