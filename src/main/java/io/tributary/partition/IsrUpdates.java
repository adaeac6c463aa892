package io.tributary.partition;

import io.tributary.concurrent.Failures;
import io.tributary.metadata.MetadataService;
import io.tributary.metadata.PartitionInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's side of the in-sync replica set (Kafka's Partition.maybeShrinkIsr / maybeExpandIsr): an ISR member
 * that has not caught up for {@code replica.lag.time.max.ms} is dropped, a replica that has caught up to the high
 * watermark is added back. The leader never changes the ISR itself: it asks the Controller (AlterPartition) with
 * the leader and partition epochs it knows, so that a leader cut off from the Controller, or one that lost its
 * leadership, cannot shrink the ISR to acknowledge writes alone. The ISR takes effect when the node's metadata
 * shows it; a replica being added counts for the high watermark from the request on (Kafka's maximal ISR), so that
 * the expansion that completes a reassignment, and may move leadership to that replica, loses no acknowledged
 * record. At most one request per partition is outstanding. Thread-safe.
 */
final class IsrUpdates {
  private static final Logger log = LoggerFactory.getLogger(IsrUpdates.class);

  private final int nodeId;
  private final MetadataService metadata;
  private final Duration replicaLagTimeMax;
  private final Set<TopicPartition> inFlight = ConcurrentHashMap.newKeySet();

  IsrUpdates(int nodeId, MetadataService metadata, Duration replicaLagTimeMax) {
    this.nodeId = nodeId;
    this.metadata = metadata;
    this.replicaLagTimeMax = replicaLagTimeMax;
  }

  /** A follower of {@code handle}, whose log ends at {@code fetchOffset}, caught up while outside the ISR: ask for it to join. */
  void expand(PartitionHandle handle, int replica, long fetchOffset) {
    PartitionInfo info = handle.assignment();
    if (info == null || info.leader() != nodeId || info.isr().contains(replica)) return;
    var isr = new ArrayList<>(info.isr());
    isr.add(replica);
    alter(handle, info, isr, "expand", replica, fetchOffset);
  }

  /** Drops the lagging followers of every partition this node leads from their ISR. */
  void shrinkLagging(Collection<PartitionHandle> open) {
    long cutoff = System.currentTimeMillis() - replicaLagTimeMax.toMillis();
    for (PartitionHandle handle : open) {
      if (!handle.isOpen() || !handle.isLeader()) continue;
      List<Integer> lagging = handle.laggingFollowers(cutoff);
      if (lagging.isEmpty()) continue;
      PartitionInfo info = handle.assignment();
      if (info == null) continue;
      var isr = new ArrayList<>(info.isr());
      isr.removeAll(lagging);
      log.info("{}: replica(s) {} not caught up for {} ms; shrinking the ISR from {} to {}",
          handle.topicPartition(), lagging, replicaLagTimeMax.toMillis(), info.isr(), isr);
      alter(handle, info, isr, "shrink", -1, -1);
    }
  }

  /**
   * {@code joining}: the replica an expansion adds, whose log ends at {@code fetchOffset}; it counts for the high
   * watermark until the answer. -1 for a shrink.
   */
  private void alter(PartitionHandle handle, PartitionInfo info, List<Integer> isr, String what, int joining, long fetchOffset) {
    TopicPartition tp = handle.topicPartition();
    if (!inFlight.add(tp)) return;
    if (joining >= 0 && !handle.claimIsrProposal(joining, fetchOffset)) {
      inFlight.remove(tp); // no longer caught up: the next fetch tries again
      return;
    }
    metadata.alterPartition(tp.topic(), handle.topicId(), tp.partition(), nodeId, info.leaderEpoch(),
            info.partitionEpoch(), List.copyOf(isr))
        .whenComplete((altered, error) -> {
          inFlight.remove(tp);
          if (joining >= 0) handle.isrProposalSettled();
          if (error != null) {
            // retried at the next fetch (expand) or check (shrink), with the metadata the node has then
            log.info("{}: ISR {} to {} refused: {}", tp, what, isr, Failures.unwrap(error).toString());
          } else {
            log.info("{}: ISR is now {} (partition epoch {})", tp, altered.isr(), altered.partitionEpoch());
          }
        });
  }
}
