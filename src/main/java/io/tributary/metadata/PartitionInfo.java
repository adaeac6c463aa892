package io.tributary.metadata;

import java.util.List;

/**
 * One partition's assignment: its replicas (node ids, the preferred leader first), its leader and the leader's
 * epoch. The epoch grows with every leader change, as in Kafka (KRaft), where a broker that restarts is fenced and
 * elected again: clients compare it with their cached metadata (Fetch and ListOffsets answer FENCED_LEADER_EPOCH or
 * UNKNOWN_LEADER_EPOCH) and batches are stamped with it. A partition stored before assignments existed has no
 * replicas and leader {@link #NO_LEADER} until a node adopts it. Immutable.
 */
public record PartitionInfo(List<Integer> replicas, int leader, int leaderEpoch) {
  /** Kafka's "no leader" node id. */
  public static final int NO_LEADER = -1;

  public PartitionInfo {
    replicas = List.copyOf(replicas);
  }

  /** A new partition on {@code replicas}, led by the first, at leader epoch 0. */
  public static PartitionInfo assigned(List<Integer> replicas) {
    return new PartitionInfo(replicas, replicas.isEmpty() ? NO_LEADER : replicas.get(0), 0);
  }

  /** The leader elected again (its node registered anew, or a new leader): the epoch one higher. */
  PartitionInfo reelected(int newLeader) {
    return new PartitionInfo(replicas.isEmpty() ? List.of(newLeader) : replicas, newLeader, leaderEpoch + 1);
  }
}
