package io.tributary.metadata;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * One change of a partition's replicas and ISR, with what follows from it, in the order of Kafka's
 * PartitionChangeBuilder.build: a reassignment whose target replicas are all in the ISR is completed (the replicas
 * become the target, the ISR loses the removed replicas); the leader stays if it is still in the ISR and live, else
 * the first replica (in assignment order) in the ISR and live leads, else, with an unclean election, the first live
 * replica alone, else none; the leader epoch grows with a new leader and whenever a replica leaves the replicas (so
 * that a removed replica's fetches are fenced); the partition epoch grows with any change. Pure.
 */
final class PartitionChange {
  private PartitionChange() {}

  /**
   * {@code p} with {@code replicas}, {@code isr}, {@code adding} and {@code removing} as asked, completed and elected
   * among the {@code live} nodes; the same instance when nothing changes.
   */
  static PartitionInfo build(PartitionInfo p, List<Integer> replicas, List<Integer> isr, List<Integer> adding,
                             List<Integer> removing, Set<Integer> live, boolean unclean) {
    Optional<Completed> completed = complete(replicas, isr, adding, removing);
    if (completed.isPresent()) {
      replicas = completed.get().replicas();
      isr = completed.get().isr();
      adding = List.of();
      removing = List.of();
    }
    int leader = p.leader();
    List<Integer> finalIsr = isr;
    if (!(finalIsr.contains(leader) && live.contains(leader))) {
      Optional<Integer> clean = replicas.stream().filter(r -> finalIsr.contains(r) && live.contains(r)).findFirst();
      if (clean.isPresent()) {
        leader = clean.get();
      } else if (unclean && replicas.stream().anyMatch(live::contains)) {
        leader = replicas.stream().filter(live::contains).findFirst().orElseThrow();
        isr = List.of(leader);
      } else {
        leader = PartitionInfo.NO_LEADER;
        if (isr.isEmpty()) isr = p.isr(); // never empty: only one of its members may lead again
      }
    }
    boolean bumpLeaderEpoch = leader != p.leader() || !replicas.containsAll(p.replicas());
    var next = new PartitionInfo(replicas, leader, p.leaderEpoch() + (bumpLeaderEpoch ? 1 : 0), isr,
        p.partitionEpoch() + 1, adding, removing);
    boolean same = next.replicas().equals(p.replicas()) && next.leader() == p.leader() && next.isr().equals(p.isr())
        && next.adding().equals(p.adding()) && next.removing().equals(p.removing()) && !bumpLeaderEpoch;
    return same ? p : next;
  }

  /** {@code p} with a new ISR (an accepted AlterPartition), completing its reassignment if that is now done. */
  static PartitionInfo withIsr(PartitionInfo p, List<Integer> isr, Set<Integer> live) {
    return build(p, p.replicas(), isr, p.adding(), p.removing(), live, false);
  }

  /** The replicas and ISR a completed reassignment leaves. */
  record Completed(List<Integer> replicas, List<Integer> isr) {}

  /**
   * Kafka's PartitionReassignmentReplicas.maybeCompleteReassignment: when a reassignment runs and every replica that
   * is not being removed is in the ISR, the replicas and ISR without the removed ones; empty otherwise.
   */
  static Optional<Completed> complete(List<Integer> replicas, List<Integer> isr, List<Integer> adding, List<Integer> removing) {
    if (adding.isEmpty() && removing.isEmpty()) return Optional.empty();
    List<Integer> targetIsr = isr.stream().filter(r -> !removing.contains(r)).toList();
    List<Integer> targetReplicas = replicas.stream().filter(r -> !removing.contains(r)).toList();
    if (targetIsr.isEmpty() || targetReplicas.isEmpty() || !targetIsr.containsAll(targetReplicas)) return Optional.empty();
    return Optional.of(new Completed(targetReplicas, targetIsr));
  }
}
