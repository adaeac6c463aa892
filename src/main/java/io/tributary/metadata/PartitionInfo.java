package io.tributary.metadata;

import java.util.List;
import java.util.Set;

/**
 * One partition's assignment and leadership, as Kafka's controller keeps it (PartitionRegistration): its replicas
 * (node ids, the preferred leader first), its leader, the leader's epoch, the in-sync replicas and the partition
 * epoch. As in KRaft, the leader epoch grows with every leader change (clients compare it with their cached metadata,
 * Fetch and ListOffsets answer FENCED_LEADER_EPOCH or UNKNOWN_LEADER_EPOCH, and batches are stamped with it), and the
 * partition epoch grows with every change at all (leader or ISR), so that an AlterPartition made against an older
 * state is refused (INVALID_UPDATE_VERSION). The ISR is never empty once the partition has replicas: when no member
 * is live it stays as it was and the partition has no leader. A partition stored before assignments existed has no
 * replicas, no ISR and leader {@link #NO_LEADER} until a node adopts it.
 *
 * <p>While a reassignment runs (Kafka's PartitionRegistration addingReplicas / removingReplicas), {@code replicas} is
 * the target followed by the replicas being removed, {@code adding} the target replicas that were not replicas
 * before, {@code removing} the replicas that are not in the target; both are empty otherwise (see {@link
 * Reassignments}). Immutable.
 */
public record PartitionInfo(List<Integer> replicas, int leader, int leaderEpoch, List<Integer> isr, int partitionEpoch,
                            List<Integer> adding, List<Integer> removing) {
  /** Kafka's "no leader" node id. */
  public static final int NO_LEADER = -1;

  public PartitionInfo {
    replicas = List.copyOf(replicas);
    isr = List.copyOf(isr);
    adding = List.copyOf(adding);
    removing = List.copyOf(removing);
  }

  /** A partition that is not being reassigned. */
  public PartitionInfo(List<Integer> replicas, int leader, int leaderEpoch, List<Integer> isr, int partitionEpoch) {
    this(replicas, leader, leaderEpoch, isr, partitionEpoch, List.of(), List.of());
  }

  /**
   * A partition as stored before ISRs existed (state format 3): every replica in sync, or the leader alone when there
   * are no replicas, at partition epoch 0.
   */
  public PartitionInfo(List<Integer> replicas, int leader, int leaderEpoch) {
    this(replicas, leader, leaderEpoch, !replicas.isEmpty() ? replicas : leader == NO_LEADER ? List.of() : List.of(leader), 0);
  }

  /** A new partition on {@code replicas}, all in sync, led by the first, at leader and partition epoch 0. */
  public static PartitionInfo assigned(List<Integer> replicas) {
    return new PartitionInfo(replicas, replicas.isEmpty() ? NO_LEADER : replicas.get(0), 0, replicas, 0);
  }

  /**
   * A new partition on {@code replicas} while only the {@code live} nodes are up, as Kafka's controller creates one:
   * the live replicas are in sync and the first of them leads; when none is live every replica stays in the ISR and
   * there is no leader until one returns. Epochs 0.
   */
  public static PartitionInfo assigned(List<Integer> replicas, Set<Integer> live) {
    List<Integer> liveReplicas = replicas.stream().filter(live::contains).toList();
    if (liveReplicas.isEmpty()) return new PartitionInfo(replicas, NO_LEADER, 0, replicas, 0);
    return new PartitionInfo(replicas, liveReplicas.get(0), 0, liveReplicas, 0);
  }

  public boolean hasLeader() {
    return leader != NO_LEADER;
  }

  /** Whether a reassignment is in progress (Kafka: adding or removing replicas are set). */
  public boolean reassigning() {
    return !adding.isEmpty() || !removing.isEmpty();
  }

  /** The replicas a running reassignment ends with (the replicas without those being removed); else the replicas. */
  public List<Integer> targetReplicas() {
    return replicas.stream().filter(r -> !removing.contains(r)).toList();
  }

  /** A leader change (a new leader, the same one elected again, or none): both epochs one higher. */
  PartitionInfo withLeader(int newLeader, List<Integer> newIsr) {
    return new PartitionInfo(replicas, newLeader, leaderEpoch + 1, newIsr, partitionEpoch + 1, adding, removing);
  }

  /** An ISR change under the same leader: the partition epoch one higher. */
  PartitionInfo withIsr(List<Integer> newIsr) {
    return new PartitionInfo(replicas, leader, leaderEpoch, newIsr, partitionEpoch + 1, adding, removing);
  }
}
