package io.tributary.partition;

import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.PartitionInfo;
import io.tributary.metadata.TopicInfo;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the ISR changes of the partitions this node leads (Kafka's ReplicaManager IsrShrinksPerSec and
 * IsrExpandsPerSec, as counters): one shrink for each metadata change in which replicas left the ISR of a partition
 * this node led before and after it in the same leader epoch, one expand for each in which replicas joined it. Both
 * ways an ISR changes count, the leader's own AlterPartition and the Controller's dropping a replica whose node
 * left; a change that also moves leadership does not (it is an election). Thread-safe.
 */
public final class IsrChanges {
  private final int nodeId;
  private final LongAdder shrinks = new LongAdder();
  private final LongAdder expands = new LongAdder();

  IsrChanges(int nodeId) {
    this.nodeId = nodeId;
  }

  /** The node's metadata moved from {@code previous} to {@code image}. */
  void observe(MetadataImage previous, MetadataImage image) {
    observe(previous.topics(), image.topics());
    observe(previous.internalTopics(), image.internalTopics());
  }

  private void observe(Map<String, TopicInfo> before, Map<String, TopicInfo> after) {
    for (TopicInfo now : after.values()) {
      TopicInfo old = before.get(now.name());
      if (old == null || !old.topicId().equals(now.topicId())) continue;
      int count = Math.min(old.partitionCount(), now.partitionCount());
      for (int p = 0; p < count; p++) {
        PartitionInfo was = old.partition(p);
        PartitionInfo is = now.partition(p);
        if (was.leader() != nodeId || is.leader() != nodeId || was.leaderEpoch() != is.leaderEpoch()) continue;
        if (!is.isr().containsAll(was.isr())) shrinks.increment();
        if (!was.isr().containsAll(is.isr())) expands.increment();
      }
    }
  }

  public long shrinks() {
    return shrinks.sum();
  }

  public long expands() {
    return expands.sum();
  }
}
