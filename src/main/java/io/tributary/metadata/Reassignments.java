package io.tributary.metadata;

import io.tributary.metadata.Controller.AlterReassignments;
import io.tributary.metadata.Controller.PartitionOutcome;
import io.tributary.metadata.Controller.PartitionTarget;
import io.tributary.metadata.Controller.ReassignmentTarget;
import io.tributary.metadata.Controller.ReassignmentsAltered;
import io.tributary.metadata.Controller.TopicOutcomes;
import io.tributary.metadata.MetadataChanges.Membership;
import io.tributary.metadata.MetadataChanges.Outcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;

/**
 * Kafka's partition reassignment (KIP-455, as KRaft's ReplicationControlManager runs it), as pure functions.
 *
 * <p>A reassignment to target replicas T of a partition whose replicas are R makes the replicas T followed by R \ T
 * (the removing replicas), with T \ R adding: the new replicas start following the leader and join the ISR through
 * AlterPartition like any follower. Once every replica of T is in the ISR, the Controller completes it ({@link
 * PartitionChange}): the replicas become T in its order, the ISR loses the removed replicas, and a leader that is
 * removed hands over to the first replica of T in the ISR; the removed replicas then stop and delete their logs. A
 * reassignment the ISR already satisfies (a reorder, fewer replicas) completes at once. Cancelling (null target)
 * reverts to the replicas before it (Kafka's PartitionReassignmentRevert).
 *
 * <p>Only the topics clients see can be reassigned: the offsets topic's partitions keep their group state on their
 * node and do not move.
 */
final class Reassignments {
  private Reassignments() {}

  /**
   * Each named partition in turn, against the state the earlier ones left: {@code UNKNOWN_TOPIC_OR_PARTITION}, {@code
   * INVALID_REPLICA_ASSIGNMENT} (an empty, duplicate or unregistered replica; a cancel that needs an unclean election
   * the topic does not allow), {@code NO_REASSIGNMENT_IN_PROGRESS} (a cancel of none), else {@code NONE}. Every change
   * is one version step.
   */
  static Outcome alter(MetadataState state, AlterReassignments r, Membership membership) {
    Set<Integer> live = membership.liveIds(state);
    var changed = new HashMap<Uuid, TopicInfo>();
    var results = new ArrayList<TopicOutcomes>();
    for (ReassignmentTarget topic : r.topics()) {
      var partitions = new ArrayList<PartitionOutcome>();
      for (PartitionTarget target : topic.partitions()) {
        partitions.add(alterOne(state, changed, topic.topic(), target, live, membership.uncleanLeaderElection()));
      }
      results.add(new TopicOutcomes(topic.topic(), partitions));
    }
    MetadataState next = changed.isEmpty() ? state : state.withEveryTopic(t -> changed.getOrDefault(t.topicId(), t));
    return new Outcome(next, new ReassignmentsAltered(results, next));
  }

  private static PartitionOutcome alterOne(MetadataState state, Map<Uuid, TopicInfo> changed, String name,
                                           PartitionTarget target, Set<Integer> live, boolean uncleanDefault) {
    Optional<TopicInfo> found = name == null ? Optional.empty() : state.topic(name);
    if (found.isEmpty()) {
      return outcome(target, Errors.UNKNOWN_TOPIC_OR_PARTITION, "Unable to find a topic named " + name + ".");
    }
    TopicInfo topic = changed.getOrDefault(found.get().topicId(), found.get());
    int index = target.partition();
    if (index < 0 || index >= topic.partitionCount()) {
      return outcome(target, Errors.UNKNOWN_TOPIC_OR_PARTITION, "Unable to find partition " + name + ":" + index + ".");
    }
    PartitionInfo p = topic.partition(index);
    PartitionInfo next;
    if (target.replicas() == null) {
      if (!p.reassigning()) {
        return outcome(target, Errors.NO_REASSIGNMENT_IN_PROGRESS, Errors.NO_REASSIGNMENT_IN_PROGRESS.message());
      }
      boolean unclean = topic.uncleanLeaderElection(uncleanDefault);
      Optional<PartitionInfo> reverted = revert(p, live, unclean);
      if (reverted.isEmpty()) {
        return outcome(target, Errors.INVALID_REPLICA_ASSIGNMENT, "Unable to revert partition assignment for " + name
            + ":" + index + " because it would require an unclean leader election.");
      }
      next = reverted.get();
    } else {
      Optional<String> invalid = invalidTarget(state, target.replicas());
      if (invalid.isPresent()) return outcome(target, Errors.INVALID_REPLICA_ASSIGNMENT, invalid.get());
      next = start(p, target.replicas(), live);
    }
    if (next != p) changed.put(topic.topicId(), topic.withPartition(index, next));
    return outcome(target, Errors.NONE, null);
  }

  /**
   * Kafka's changePartitionReassignment: the replicas become {@code target} followed by the current replicas not in
   * it (removing); adding are the target replicas that were not replicas before any reassignment; then the change
   * completes at once if the ISR allows it. The same instance when nothing changes.
   */
  static PartitionInfo start(PartitionInfo p, List<Integer> target, Set<Integer> live) {
    List<Integer> removing = p.replicas().stream().filter(r -> !target.contains(r)).sorted().toList();
    List<Integer> original = p.replicas().stream().filter(r -> !p.adding().contains(r)).toList();
    List<Integer> adding = target.stream().filter(r -> !original.contains(r)).sorted().toList();
    var replicas = new ArrayList<>(target);
    replicas.addAll(removing);
    return PartitionChange.build(p, replicas, p.isr(), adding, removing, live, false);
  }

  /**
   * Kafka's PartitionReassignmentRevert: the replicas without those being added, the ISR without them too; when that
   * leaves the ISR empty, the first remaining replica alone, which is an unclean election and empty unless {@code
   * unclean} allows it.
   */
  static Optional<PartitionInfo> revert(PartitionInfo p, Set<Integer> live, boolean unclean) {
    List<Integer> replicas = p.replicas().stream().filter(r -> !p.adding().contains(r)).toList();
    List<Integer> isr = p.isr().stream().filter(r -> !p.adding().contains(r)).toList();
    if (isr.isEmpty()) {
      if (!unclean || replicas.isEmpty()) return Optional.empty();
      isr = List.of(replicas.get(0));
    }
    return Optional.of(PartitionChange.build(p, replicas, isr, List.of(), List.of(), live, unclean));
  }

  /** Kafka's validateManualPartitionAssignment, in its order and with its messages. */
  static Optional<String> invalidTarget(MetadataState state, List<Integer> replicas) {
    if (replicas.isEmpty()) return Optional.of("The manual partition assignment includes an empty replica list.");
    Integer previous = null;
    for (int id : replicas.stream().sorted().toList()) {
      if (!state.brokers().containsKey(id)) {
        return Optional.of("The manual partition assignment includes broker " + id + ", but no such broker is registered.");
      }
      if (previous != null && previous == id) {
        return Optional.of("The manual partition assignment includes the broker " + id + " more than once.");
      }
      previous = id;
    }
    return Optional.empty();
  }

  private static PartitionOutcome outcome(PartitionTarget target, Errors error, String message) {
    return new PartitionOutcome(target.partition(), error.code(), message);
  }
}
