package io.tributary.partition;

import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.PartitionInfo;
import io.tributary.metadata.TopicInfo;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * This node's replicas as Kafka's ReplicaManager counts them, from the node's metadata (the ISR a leader works with
 * is the one its metadata shows): the partitions it holds a replica of, those it leads, and of those the ones whose
 * ISR lacks replicas (under-replicated), holds fewer than {@code min.insync.replicas} (under min ISR: acks=all is
 * refused) or exactly that many (at min ISR: one more loss refuses acks=all). The internal offsets topic counts, as
 * Kafka's {@code __consumer_offsets} does.
 */
public record ReplicaStatus(int partitionCount, int leaderCount, int underReplicated, int underMinIsr, int atMinIsr) {

  /** Counts {@code image}'s partitions for {@code nodeId}; {@code minIsr} gives a topic's min.insync.replicas. */
  static ReplicaStatus of(MetadataImage image, int nodeId, ToIntFunction<TopicInfo> minIsr) {
    int[] counts = new int[5];
    count(image.topics(), nodeId, minIsr, counts);
    count(image.internalTopics(), nodeId, minIsr, counts);
    return new ReplicaStatus(counts[0], counts[1], counts[2], counts[3], counts[4]);
  }

  private static void count(Map<String, TopicInfo> topics, int nodeId, ToIntFunction<TopicInfo> minIsr, int[] counts) {
    for (TopicInfo topic : topics.values()) {
      int min = -1; // read once per topic, only when it has a partition this node leads
      for (int p = 0; p < topic.partitionCount(); p++) {
        PartitionInfo info = topic.partition(p);
        if (info.replicas().contains(nodeId)) counts[0]++;
        if (info.leader() != nodeId) continue;
        counts[1]++;
        int isr = info.isr().size();
        if (isr < info.replicas().size()) counts[2]++;
        if (min < 0) min = minIsr.applyAsInt(topic);
        if (isr < min) counts[3]++;
        if (isr == min) counts[4]++;
      }
    }
  }
}
