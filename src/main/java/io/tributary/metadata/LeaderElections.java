package io.tributary.metadata;

import io.tributary.metadata.Controller.ElectLeaders;
import io.tributary.metadata.Controller.ElectionTarget;
import io.tributary.metadata.Controller.LeadersElected;
import io.tributary.metadata.Controller.PartitionElection;
import io.tributary.metadata.Controller.TopicElections;
import io.tributary.metadata.MetadataChanges.Membership;
import io.tributary.metadata.MetadataChanges.Outcome;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;

/**
 * Leader elections that are not caused by a change of the live nodes, as pure functions: Kafka's ElectLeaders (the
 * rules of KRaft's {@code ReplicationControlManager.electLeader}) and the automatic preferred-leader rebalance (the
 * ZooKeeper-era controller's {@code checkAndTriggerAutoLeaderRebalance}, which has the per-broker percentage that KRaft
 * dropped). Like every election they grow the leader and partition epochs, so leaders and followers react as they do
 * to any other.
 */
final class LeaderElections {
  private LeaderElections() {}

  /** A partition after an election (the same instance when it did not change) and Kafka's answer for it. */
  record Elected(PartitionInfo partition, Errors error) {}

  /** The state after a rebalance (the same instance when nothing moved) and the partitions that moved, as topic-N. */
  record Rebalanced(MetadataState next, List<String> partitions) {}

  /**
   * Kafka's ElectLeaders. Each named partition is elected in turn: an unknown topic or partition gets {@code
   * UNKNOWN_TOPIC_OR_PARTITION} ("No such topic as t" / "No such partition as t-9"), the others {@link #preferred} or
   * {@link #unclean}. With no partitions named, every partition of every topic (internal ones too, as in Kafka) is
   * elected, and those that needed no election are left out of the answer (but not their topic). All changes are one
   * version step.
   */
  static Outcome electLeaders(MetadataState state, ElectLeaders r, Membership membership) {
    Set<Integer> live = membership.liveIds(state);
    boolean unclean = r.type() == ElectionType.UNCLEAN;
    var elected = new HashMap<Uuid, TopicInfo>(); // the topics changed so far, by id
    var results = new ArrayList<TopicElections>();
    if (r.partitions() == null) {
      for (TopicInfo topic : everyTopic(state).sorted(Comparator.comparing(TopicInfo::name)).toList()) {
        var partitions = new ArrayList<PartitionElection>();
        for (int i = 0; i < topic.partitionCount(); i++) {
          PartitionElection result = elect(state, elected, topic.name(), i, unclean, live);
          if (result.errorCode() != Errors.ELECTION_NOT_NEEDED.code()) partitions.add(result);
        }
        results.add(new TopicElections(topic.name(), partitions));
      }
    } else {
      for (ElectionTarget target : r.partitions()) {
        var partitions = new ArrayList<PartitionElection>();
        for (int partition : target.partitions()) partitions.add(elect(state, elected, target.topic(), partition, unclean, live));
        results.add(new TopicElections(target.topic(), partitions));
      }
    }
    MetadataState next = elected.isEmpty() ? state : state.withEveryTopic(t -> elected.getOrDefault(t.topicId(), t));
    return new Outcome(next, new LeadersElected(results, next));
  }

  /** One named partition, against the topic as the elections before it in the same request left it. */
  private static PartitionElection elect(MetadataState state, Map<Uuid, TopicInfo> elected, String name, int partition,
                                         boolean unclean, Set<Integer> live) {
    Optional<TopicInfo> found = name == null ? Optional.empty() : state.anyTopic(name);
    if (found.isEmpty()) return result(partition, Errors.UNKNOWN_TOPIC_OR_PARTITION, "No such topic as " + name);
    TopicInfo topic = elected.getOrDefault(found.get().topicId(), found.get());
    if (partition < 0 || partition >= topic.partitionCount()) {
      return result(partition, Errors.UNKNOWN_TOPIC_OR_PARTITION, "No such partition as " + name + "-" + partition);
    }
    PartitionInfo p = topic.partition(partition);
    Elected e = unclean ? unclean(p, live) : preferred(p, live);
    if (e.partition() != p) elected.put(topic.topicId(), topic.withPartition(partition, e.partition()));
    return result(partition, e.error(), e.error().message());
  }

  private static PartitionElection result(int partition, Errors error, String message) {
    return new PartitionElection(partition, error.code(), error == Errors.NONE ? null : message);
  }

  /**
   * A PREFERRED election: {@code ELECTION_NOT_NEEDED} when the preferred replica (the first of the assignment)
   * leads; it leads when it is live and in the ISR (the ISR keeps its live members, as in every election).
   * Otherwise, when the leader is live and in the ISR, nothing changes: {@code PREFERRED_LEADER_NOT_AVAILABLE}.
   * When the leader is not (the Controller has not run the elections for a change of the live nodes yet), the
   * partition is elected as those elections would ({@link MetadataChanges#elect}, never unclean): a new leader, or
   * none, answers {@code NONE}, as Kafka's PartitionChangeBuilder does.
   */
  static Elected preferred(PartitionInfo p, Set<Integer> live) {
    if (p.replicas().isEmpty()) return new Elected(p, Errors.PREFERRED_LEADER_NOT_AVAILABLE);
    if (p.leader() == p.replicas().get(0)) return new Elected(p, Errors.ELECTION_NOT_NEEDED);
    Optional<PartitionInfo> toPreferred = toPreferred(p, live);
    if (toPreferred.isPresent()) return new Elected(toPreferred.get(), Errors.NONE);
    if (leadsInSync(p, live)) return new Elected(p, Errors.PREFERRED_LEADER_NOT_AVAILABLE);
    PartitionInfo elected = MetadataChanges.elect(p, live, false);
    return elected.leader() != p.leader() ? new Elected(elected, Errors.NONE) : new Elected(p, Errors.PREFERRED_LEADER_NOT_AVAILABLE);
  }

  /**
   * An UNCLEAN election: {@code ELECTION_NOT_NEEDED} when the partition has a leader; otherwise the first live ISR
   * member in assignment order leads, or else the first live replica alone (records only the old ISR had may be
   * lost), whatever the topic's {@code unclean.leader.election.enable}: the operator asked for it. No live replica:
   * {@code ELIGIBLE_LEADERS_NOT_AVAILABLE}.
   */
  static Elected unclean(PartitionInfo p, Set<Integer> live) {
    if (p.hasLeader()) return new Elected(p, Errors.ELECTION_NOT_NEEDED);
    PartitionInfo elected = MetadataChanges.elect(p, live, true);
    return elected.hasLeader() ? new Elected(elected, Errors.NONE) : new Elected(p, Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE);
  }

  /**
   * The automatic rebalance. For each broker, the partitions whose preferred replica it is are counted, and those it
   * does not lead (another node or none does); when these are more than {@code percentage} percent of the count,
   * each of them whose preferred replica is live and in the ISR gets it as leader. One version step for all.
   */
  static Rebalanced rebalance(MetadataState state, Membership membership, int percentage) {
    Set<Integer> live = membership.liveIds(state);
    var preferredCount = new TreeMap<Integer, Integer>();
    var notLed = new TreeMap<Integer, List<TopicPartitionRef>>();
    everyTopic(state).sorted(Comparator.comparing(TopicInfo::name)).forEach(topic -> {
      for (int i = 0; i < topic.partitionCount(); i++) {
        PartitionInfo p = topic.partition(i);
        if (p.replicas().isEmpty()) continue;
        int preferred = p.replicas().get(0);
        preferredCount.merge(preferred, 1, Integer::sum);
        if (p.leader() != preferred) notLed.computeIfAbsent(preferred, b -> new ArrayList<>()).add(new TopicPartitionRef(topic, i));
      }
    });
    var elected = new HashMap<Uuid, TopicInfo>();
    var moved = new ArrayList<String>();
    notLed.forEach((broker, refs) -> {
      // Kafka's "imbalance ratio > percentage / 100", in integers
      if ((long) refs.size() * 100 <= (long) percentage * preferredCount.get(broker)) return;
      for (TopicPartitionRef ref : refs) {
        TopicInfo topic = elected.getOrDefault(ref.topic().topicId(), ref.topic());
        toPreferred(topic.partition(ref.partition()), live).ifPresent(p -> {
          elected.put(topic.topicId(), topic.withPartition(ref.partition(), p));
          moved.add(topic.name() + "-" + ref.partition());
        });
      }
    });
    MetadataState next = elected.isEmpty() ? state : state.withEveryTopic(t -> elected.getOrDefault(t.topicId(), t));
    return new Rebalanced(next, moved);
  }

  private record TopicPartitionRef(TopicInfo topic, int partition) {}

  /** {@code p} led by its preferred replica, when that is live and in the ISR and does not lead it yet. */
  private static Optional<PartitionInfo> toPreferred(PartitionInfo p, Set<Integer> live) {
    if (p.replicas().isEmpty()) return Optional.empty();
    int preferred = p.replicas().get(0);
    if (p.leader() == preferred || !live.contains(preferred) || !p.isr().contains(preferred)) return Optional.empty();
    return Optional.of(p.withLeader(preferred, p.isr().stream().filter(live::contains).toList()));
  }

  private static boolean leadsInSync(PartitionInfo p, Set<Integer> live) {
    return p.hasLeader() && live.contains(p.leader()) && p.isr().contains(p.leader());
  }

  private static Stream<TopicInfo> everyTopic(MetadataState state) {
    return Stream.concat(state.topics().values().stream(), state.internalTopics().values().stream());
  }
}
