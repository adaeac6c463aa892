package io.tributary.metadata;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * A topic as the cluster knows it: name, id, partition count, its config overrides (Kafka names) and each
 * partition's leader epoch. The epoch grows with every leader change, as in Kafka (KRaft), where a broker that
 * restarts is fenced and elected again: clients compare it with their cached metadata (Fetch and ListOffsets
 * answer FENCED_LEADER_EPOCH or UNKNOWN_LEADER_EPOCH) and batches are stamped with it. Immutable.
 */
public record TopicInfo(String name, Uuid topicId, int partitionCount, Map<String, String> configs, List<Integer> leaderEpochs) {
  public TopicInfo {
    configs = Map.copyOf(configs);
    leaderEpochs = List.copyOf(leaderEpochs);
    if (leaderEpochs.size() != partitionCount) {
      throw new IllegalArgumentException(name + ": " + leaderEpochs.size() + " leader epochs for " + partitionCount + " partitions");
    }
  }

  /** A new topic: every partition at leader epoch 0. */
  public static TopicInfo created(String name, Uuid topicId, int partitionCount, Map<String, String> configs) {
    return new TopicInfo(name, topicId, partitionCount, configs, Collections.nCopies(partitionCount, 0));
  }

  public int leaderEpoch(int partition) {
    return leaderEpochs.get(partition);
  }

  /** Grown to {@code count} partitions; the new ones start at leader epoch 0. */
  TopicInfo withPartitionCount(int count) {
    var epochs = new ArrayList<>(leaderEpochs);
    while (epochs.size() < count) epochs.add(0);
    return new TopicInfo(name, topicId, count, configs, epochs);
  }

  TopicInfo withConfigs(Map<String, String> replaced) {
    return new TopicInfo(name, topicId, partitionCount, replaced, leaderEpochs);
  }

  /** Every partition's leader elected again (its node registered anew): each epoch one higher. */
  TopicInfo withLeadersReelected() {
    return new TopicInfo(name, topicId, partitionCount, configs, leaderEpochs.stream().map(e -> e + 1).toList());
  }
}
