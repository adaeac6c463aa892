package io.tributary.metadata;

import io.tributary.metadata.Controller.AllocateProducerIds;
import io.tributary.metadata.Controller.AlterPartition;
import io.tributary.metadata.Controller.AlterReassignments;
import io.tributary.metadata.Controller.BrokerRegistered;
import io.tributary.metadata.Controller.CreatePartitions;
import io.tributary.metadata.Controller.CreateTopic;
import io.tributary.metadata.Controller.DeleteTopic;
import io.tributary.metadata.Controller.ElectLeaders;
import io.tributary.metadata.Controller.EnsureInternalTopic;
import io.tributary.metadata.Controller.EnsureOffsetsTopic;
import io.tributary.metadata.Controller.PartitionAltered;
import io.tributary.metadata.Controller.ProducerIdsAllocated;
import io.tributary.metadata.Controller.RegisterBroker;
import io.tributary.metadata.Controller.Rejected;
import io.tributary.metadata.Controller.ReplaceTopicConfigs;
import io.tributary.metadata.Controller.Reply;
import io.tributary.metadata.Controller.Request;
import io.tributary.metadata.Controller.TopicDone;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.protocol.Errors;

/**
 * The Controller's rules, as pure functions: what a request does to a state, and the reply.
 * Error codes and messages are those a Kafka broker gives.
 */
final class MetadataChanges {

  /** {@code next} is the state to persist before replying, or the same instance when nothing changes. */
  record Outcome(MetadataState next, Reply reply) {}

  /**
   * What the Controller knows of the cluster when it decides: the cluster addresses of the live members (a
   * registered node is live when its address is among them), the randomness of new placements, the broker default
   * of {@code unclean.leader.election.enable}, and the addresses of the nodes that keep leading their partitions: the
   * live ones and those unreachable for less than {@code tributary.metadata.leader-unreachable-grace}.
   */
  record Membership(Set<String> liveAddresses, Random random, boolean uncleanLeaderElection, Set<String> leadingAddresses) {
    Membership(Set<String> liveAddresses, Random random) {
      this(liveAddresses, random, false);
    }

    Membership(Set<String> liveAddresses, Random random, boolean uncleanLeaderElection) {
      this(liveAddresses, random, uncleanLeaderElection, liveAddresses);
    }

    /** The registered nodes that are live, as placement candidates. */
    List<ReplicaPlacement.Node> liveNodes(MetadataState state) {
      return state.brokers().values().stream()
          .filter(b -> liveAddresses.contains(b.clusterAddress()))
          .map(b -> new ReplicaPlacement.Node(b.nodeId(), b.rack()))
          .toList();
    }

    /** The ids of the registered nodes that are live. */
    Set<Integer> liveIds(MetadataState state) {
      return idsOf(state, liveAddresses);
    }

    /** The ids of the registered nodes that keep leading their partitions (a superset of {@link #liveIds}). */
    Set<Integer> leadingIds(MetadataState state) {
      return idsOf(state, leadingAddresses);
    }

    private static Set<Integer> idsOf(MetadataState state, Set<String> addresses) {
      var ids = new TreeSet<Integer>();
      state.brokers().values().forEach(b -> {
        if (addresses.contains(b.clusterAddress())) ids.add(b.nodeId());
      });
      return ids;
    }
  }

  private MetadataChanges() {}

  static Outcome decide(MetadataState state, Request request, Membership membership) {
    if (request instanceof CreateTopic r) return createTopic(state, r, membership);
    if (request instanceof DeleteTopic r) return deleteTopic(state, r);
    if (request instanceof CreatePartitions r) return createPartitions(state, r, membership);
    if (request instanceof ReplaceTopicConfigs r) return replaceTopicConfigs(state, r);
    if (request instanceof AllocateProducerIds r) return allocateProducerIds(state, r);
    if (request instanceof RegisterBroker r) return registerBroker(state, r, membership);
    if (request instanceof EnsureOffsetsTopic r) {
      return ensureInternalTopic(state, new EnsureInternalTopic(MetadataImage.OFFSETS_TOPIC, r.partitions(), r.replicationFactor(), r.replyTo()), membership);
    }
    if (request instanceof EnsureInternalTopic r) return ensureInternalTopic(state, r, membership);
    if (request instanceof AlterPartition r) return alterPartition(state, r, membership);
    if (request instanceof ElectLeaders r) return LeaderElections.electLeaders(state, r, membership);
    if (request instanceof AlterReassignments r) return Reassignments.alter(state, r, membership);
    throw new IllegalArgumentException("Unknown request " + request);
  }

  static Outcome createTopic(MetadataState state, CreateTopic r, Membership membership) {
    try {
      Topic.validate(r.name());
    } catch (InvalidTopicException | NullPointerException e) {
      return reject(state, Errors.INVALID_TOPIC_EXCEPTION, r.name() == null ? "Topic name is missing." : e.getMessage());
    }
    if (state.topics().containsKey(r.name())) {
      return reject(state, Errors.TOPIC_ALREADY_EXISTS, "Topic '" + r.name() + "' already exists.");
    }
    Optional<String> collision = state.topics().keySet().stream().filter(t -> Topic.hasCollision(r.name(), t)).findFirst();
    if (collision.isPresent()) {
      return reject(state, Errors.INVALID_TOPIC_EXCEPTION,
          "Topic '" + r.name() + "' collides with existing topic: " + collision.get());
    }
    List<List<Integer>> replicas;
    if (!r.replicas().isEmpty()) {
      Optional<String> invalid = invalidAssignment(state, r.replicas(), -1);
      if (invalid.isPresent()) return reject(state, Errors.INVALID_REPLICA_ASSIGNMENT, invalid.get());
      replicas = r.replicas();
    } else {
      if (r.partitions() < 1) {
        return reject(state, Errors.INVALID_PARTITIONS, "Number of partitions must be larger than 0.");
      }
      var placed = place(state, membership, r.partitions(), r.replicationFactor(), 0);
      if (placed.isEmpty()) return tooFewNodes(state, membership, r.replicationFactor());
      replicas = placed.get();
    }
    var topic = TopicInfo.created(r.name(), freshTopicId(state), r.configs(), replicas, membership.liveIds(state));
    return done(topic, r.validateOnly() ? state : state.withTopic(topic));
  }

  static Outcome deleteTopic(MetadataState state, DeleteTopic r) {
    return state.topic(r.name())
        .map(topic -> done(topic, state.withoutTopic(r.name())))
        .orElseGet(() -> unknownTopic(state));
  }

  static Outcome createPartitions(MetadataState state, CreatePartitions r, Membership membership) {
    Optional<TopicInfo> found = state.topic(r.name());
    if (found.isEmpty()) return unknownTopic(state);
    TopicInfo topic = found.get();
    if (r.totalCount() == topic.partitionCount()) {
      return reject(state, Errors.INVALID_PARTITIONS, "Topic already has " + topic.partitionCount() + " partitions.");
    }
    if (r.totalCount() < topic.partitionCount()) {
      return reject(state, Errors.INVALID_PARTITIONS, "Topic currently has " + topic.partitionCount()
          + " partitions, which is higher than the requested " + r.totalCount() + ".");
    }
    int added = r.totalCount() - topic.partitionCount();
    List<List<Integer>> replicas;
    if (!r.replicas().isEmpty()) {
      if (r.replicas().size() != added) {
        return reject(state, Errors.INVALID_REPLICA_ASSIGNMENT, "Attempted to add " + added
            + " additional partition(s), but only " + r.replicas().size() + " assignment(s) were specified.");
      }
      Optional<String> invalid = invalidAssignment(state, r.replicas(), topic.replicationFactor());
      if (invalid.isPresent()) return reject(state, Errors.INVALID_REPLICA_ASSIGNMENT, invalid.get());
      replicas = r.replicas();
    } else {
      int factor = Math.max(1, topic.replicationFactor());
      var placed = place(state, membership, added, factor, topic.partitionCount());
      if (placed.isEmpty()) return tooFewNodes(state, membership, factor);
      replicas = placed.get();
    }
    var grown = topic.withNewPartitions(replicas, membership.liveIds(state));
    return done(grown, r.validateOnly() ? state : state.withTopic(grown));
  }

  static Outcome replaceTopicConfigs(MetadataState state, ReplaceTopicConfigs r) {
    Optional<TopicInfo> found = state.topic(r.name());
    if (found.isEmpty()) return unknownTopic(state);
    TopicInfo topic = found.get();
    var changed = topic.withConfigs(r.configs());
    boolean write = !r.validateOnly() && !changed.equals(topic);
    return done(changed, write ? state.withTopic(changed) : state);
  }

  static Outcome allocateProducerIds(MetadataState state, AllocateProducerIds r) {
    if (r.count() < 1) {
      return reject(state, Errors.INVALID_REQUEST, "The producer id block size must be positive, not " + r.count() + ".");
    }
    long first = state.nextProducerId();
    if (first > Long.MAX_VALUE - r.count()) {
      return reject(state, Errors.UNKNOWN_SERVER_ERROR, "The producer id space is exhausted.");
    }
    MetadataState next = state.withNextProducerId(first + r.count());
    return new Outcome(next, new ProducerIdsAllocated(first, next));
  }

  /**
   * A node (re)starts: it is registered, and the partitions it leads are elected again, so their leader epochs grow,
   * as when KRaft fences a restarted broker and unfences it. Partitions stored before assignments existed (no
   * replicas, no leader) are adopted by the first node that registers, which is the node that held them. Then the
   * elections run ({@link #electLeaders}): the node, now live, leads the leaderless partitions whose ISR it is in,
   * but it takes no partition from a leader elected while it was away. A node id that a live node at another
   * cluster address holds is refused: two nodes must never claim the same partitions.
   */
  static Outcome registerBroker(MetadataState state, RegisterBroker r, Membership membership) {
    BrokerInfo existing = state.brokers().get(r.broker().nodeId());
    if (existing != null && !existing.clusterAddress().equals(r.broker().clusterAddress())
        && membership.liveAddresses().contains(existing.clusterAddress())) {
      return reject(state, Errors.DUPLICATE_BROKER_REGISTRATION, "Node id " + r.broker().nodeId()
          + " is already in use by the live node at " + existing.clusterAddress() + ".");
    }
    int nodeId = r.broker().nodeId();
    MetadataState next = state.withBroker(r.broker())
        .withEveryTopic(t -> t.withEveryPartition(p -> registered(p, nodeId)));
    next = electLeaders(next, membership);
    return new Outcome(next, new BrokerRegistered(next));
  }

  /** {@code p} once node {@code nodeId} registered anew: adopted, elected again, or as it was. */
  static PartitionInfo registered(PartitionInfo p, int nodeId) {
    if (p.replicas().isEmpty() && !p.hasLeader()) {
      return new PartitionInfo(List.of(nodeId), nodeId, p.leaderEpoch() + 1, List.of(nodeId), p.partitionEpoch() + 1);
    }
    return p.leader() == nodeId ? p.withLeader(nodeId, p.isr()) : p;
  }

  // ---- elections (Kafka's PartitionChangeBuilder with an ONLINE or UNCLEAN election, without ELR) ----

  /**
   * Every partition after a change of the live nodes, each by {@link #elect} (unclean per the topic's {@code
   * unclean.leader.election.enable}, else the broker default); one version step for all, or the same state when
   * nothing changes.
   */
  static MetadataState electLeaders(MetadataState state, Membership membership) {
    Set<Integer> live = membership.liveIds(state);
    Set<Integer> leading = membership.leadingIds(state);
    return state.withEveryTopic(topic -> {
      boolean unclean = topic.uncleanLeaderElection(membership.uncleanLeaderElection());
      return topic.withEveryPartition(p -> elect(p, live, leading, unclean));
    });
  }

  /**
   * One partition while the {@code live} nodes are up; the same instance when nothing changes.
   *
   * <ul>
   *   <li>A live leader in the ISR stays; the ISR members that are not live leave the ISR at once (partition epoch
   *       +1): an unreachable follower must not hold back the high watermark until a session expires, as it does in
   *       Kafka.
   *   <li>Otherwise the first replica in assignment order that is in the ISR and live leads, and the ISR keeps only
   *       its live members (both epochs +1).
   *   <li>When no ISR member is live: with an unclean election the first live replica leads alone (ISR [it]; records
   *       only the old ISR had may be lost); else the partition has no leader ({@link PartitionInfo#NO_LEADER}, both
   *       epochs +1 once) and the ISR stays as it is, never empty, so that only one of its members can lead again.
   * </ul>
   */
  static PartitionInfo elect(PartitionInfo p, Set<Integer> live, boolean unclean) {
    return elect(p, live, live, unclean);
  }

  /**
   * {@link #elect(PartitionInfo, Set, boolean)} where a leader in {@code leading} but not {@code live} (unreachable
   * for less than the grace) keeps its leadership and its place in the ISR, while the other members that are not live
   * leave the ISR as usual.
   */
  static PartitionInfo elect(PartitionInfo p, Set<Integer> live, Set<Integer> leading, boolean unclean) {
    if (p.replicas().isEmpty()) return p; // stored before assignments: adopted on registration
    if (p.hasLeader() && leading.contains(p.leader()) && p.isr().contains(p.leader())) {
      List<Integer> kept = p.isr().stream().filter(r -> r == p.leader() || live.contains(r)).toList();
      return kept.size() == p.isr().size() ? p : p.withIsr(kept);
    }
    List<Integer> liveIsr = p.isr().stream().filter(live::contains).toList();
    Optional<Integer> clean = p.replicas().stream().filter(liveIsr::contains).findFirst();
    if (clean.isPresent()) return p.withLeader(clean.get(), liveIsr);
    if (unclean) {
      Optional<Integer> any = p.replicas().stream().filter(live::contains).findFirst();
      if (any.isPresent()) return p.withLeader(any.get(), List.of(any.get()));
    }
    return p.hasLeader() ? p.withLeader(PartitionInfo.NO_LEADER, p.isr()) : p;
  }

  // ---- AlterPartition (Kafka's ReplicationControlManager.validateAlterPartitionData) ----

  /**
   * The leader's request to change the ISR, checked in Kafka's order: the topic ({@code UNKNOWN_TOPIC_ID} when asked
   * by id, else {@code UNKNOWN_TOPIC_OR_PARTITION}) and partition; epochs newer than the Controller's ({@code
   * NOT_CONTROLLER}: this state is stale); an older leader epoch ({@code FENCED_LEADER_EPOCH}); a sender that is not
   * the leader ({@code INVALID_REQUEST}); an older partition epoch ({@code INVALID_UPDATE_VERSION}); an ISR that is not
   * a set of replicas or lacks the leader ({@code INVALID_REQUEST}); an ISR member that is not a registered, live
   * node ({@code INELIGIBLE_REPLICA}). An accepted ISR equal to the current one writes nothing; any other grows the
   * partition epoch, and completes a running reassignment once every target replica is in it ({@link Reassignments}).
   */
  static Outcome alterPartition(MetadataState state, AlterPartition r, Membership membership) {
    boolean byId = r.topicId() != null && !r.topicId().equals(Uuid.ZERO_UUID);
    Optional<TopicInfo> found = byId ? state.topicById(r.topicId()) : state.anyTopic(r.topic());
    if (found.isEmpty()) {
      return byId ? reject(state, Errors.UNKNOWN_TOPIC_ID, "No topic with id " + r.topicId() + ".") : unknownTopic(state);
    }
    TopicInfo topic = found.get();
    if (r.partition() < 0 || r.partition() >= topic.partitionCount()) return unknownTopic(state);
    PartitionInfo p = topic.partition(r.partition());
    String tp = topic.name() + "-" + r.partition();
    if (r.leaderEpoch() > p.leaderEpoch() || r.partitionEpoch() > p.partitionEpoch()) {
      return reject(state, Errors.NOT_CONTROLLER, "Leader epoch " + r.leaderEpoch() + " and partition epoch " + r.partitionEpoch()
          + " of " + tp + " are newer than the controller's " + p.leaderEpoch() + " and " + p.partitionEpoch() + ".");
    }
    if (r.leaderEpoch() < p.leaderEpoch()) {
      return reject(state, Errors.FENCED_LEADER_EPOCH, "Leader epoch " + r.leaderEpoch() + " of " + tp
          + " is older than the current leader epoch " + p.leaderEpoch() + ".");
    }
    if (r.leaderId() != p.leader()) {
      return reject(state, Errors.INVALID_REQUEST, "Node " + r.leaderId() + " is not the leader of " + tp
          + "; its leader is " + p.leader() + ".");
    }
    if (r.partitionEpoch() < p.partitionEpoch()) {
      return reject(state, Errors.INVALID_UPDATE_VERSION, "Partition epoch " + r.partitionEpoch() + " of " + tp
          + " is older than the current partition epoch " + p.partitionEpoch() + ".");
    }
    if (r.newIsr().stream().anyMatch(id -> !p.replicas().contains(id)) || Set.copyOf(r.newIsr()).size() != r.newIsr().size()) {
      return reject(state, Errors.INVALID_REQUEST, "The ISR " + r.newIsr() + " of " + tp + " is not a set of its replicas "
          + p.replicas() + ".");
    }
    if (!r.newIsr().contains(p.leader())) {
      return reject(state, Errors.INVALID_REQUEST, "The ISR " + r.newIsr() + " of " + tp + " does not include its leader "
          + p.leader() + ".");
    }
    Set<Integer> live = membership.liveIds(state);
    List<Integer> ineligible = r.newIsr().stream().filter(id -> !live.contains(id)).toList();
    if (!ineligible.isEmpty()) {
      return reject(state, Errors.INELIGIBLE_REPLICA, "The ISR " + r.newIsr() + " of " + tp + " includes node(s) "
          + ineligible + " that are not registered or not live.");
    }
    if (r.newIsr().equals(p.isr())) return new Outcome(state, new PartitionAltered(p, state));
    // an ISR holding every target replica completes a running reassignment (Kafka's PartitionChangeBuilder)
    PartitionInfo altered = PartitionChange.withIsr(p, r.newIsr(), live);
    MetadataState next = state.withChangedTopic(topic.withPartition(r.partition(), altered));
    return new Outcome(next, new PartitionAltered(altered, next));
  }

  /**
   * The offsets topic, created on first use over the nodes live then (as Kafka does on the first FindCoordinator),
   * with {@code replicationFactor} replicas per partition capped at the live nodes: its partitions are replicated,
   * followed and elected like any topic's, and group state (the group journal in a cluster) fails over with them.
   * Its records are kept until deleted ({@link #OFFSETS_TOPIC_CONFIGS}).
   */
  static Outcome ensureInternalTopic(MetadataState state, EnsureInternalTopic r, Membership membership) {
    if (!MetadataImage.INTERNAL_TOPICS.contains(r.name())) {
      return reject(state, Errors.INVALID_TOPIC_EXCEPTION, "Topic " + r.name() + " is not an internal topic.");
    }
    TopicInfo existing = state.internalTopics().get(r.name());
    if (existing != null) return new Outcome(state, new TopicDone(existing, state));
    if (r.partitions() < 1) {
      return reject(state, Errors.INVALID_PARTITIONS, "Number of partitions must be larger than 0.");
    }
    if (r.replicationFactor() < 1) {
      return reject(state, Errors.INVALID_REPLICATION_FACTOR, "Replication factor must be larger than 0.");
    }
    int factor = Math.min(r.replicationFactor(), membership.liveNodes(state).size());
    var placed = place(state, membership, r.partitions(), Math.max(factor, 1), 0);
    if (placed.isEmpty()) return reject(state, Errors.COORDINATOR_NOT_AVAILABLE, "No live node can host " + r.name() + " yet.");
    var topic = TopicInfo.created(r.name(), freshTopicId(state), OFFSETS_TOPIC_CONFIGS, placed.get(),
        membership.liveIds(state));
    MetadataState next = state.withInternalTopic(topic);
    return new Outcome(next, new TopicDone(topic, next));
  }

  /**
   * The offsets topic's config overrides: its records (group events and snapshots, which the group journal deletes
   * itself by markers) are never removed by time or size retention, which would lose committed offsets. Kafka compacts
   * this topic instead; compaction by key would keep one event per group here, so the topic is not compacted.
   */
  static final Map<String, String> OFFSETS_TOPIC_CONFIGS = Map.of("retention.ms", "-1", "retention.bytes", "-1");

  /** Replicas of {@code count} new partitions over the live nodes; empty when there are fewer than {@code factor}. */
  private static Optional<List<List<Integer>>> place(MetadataState state, Membership membership, int count, int factor,
                                                     int firstPartition) {
    var nodes = membership.liveNodes(state);
    if (factor < 1 || nodes.size() < factor) return Optional.empty();
    return Optional.of(ReplicaPlacement.assign(nodes, count, factor, firstPartition, membership.random()));
  }

  private static Outcome tooFewNodes(MetadataState state, Membership membership, int factor) {
    int live = membership.liveNodes(state).size();
    return reject(state, Errors.INVALID_REPLICATION_FACTOR, "Unable to replicate the partition " + factor
        + " time(s): The target replication factor of " + factor + " cannot be reached because only " + live
        + " broker(s) are registered.");
  }

  /** Kafka's checks of manual assignments; {@code factor} is the existing replica count, or -1. */
  private static Optional<String> invalidAssignment(MetadataState state, List<List<Integer>> replicas, int factor) {
    for (List<Integer> partition : replicas) {
      if (partition.isEmpty()) return Optional.of("The manual partition assignment includes an empty replica list.");
      if (Set.copyOf(partition).size() != partition.size()) {
        return Optional.of("The manual partition assignment includes a broker more than once.");
      }
      for (int id : partition) {
        if (!state.brokers().containsKey(id)) {
          return Optional.of("The manual partition assignment includes broker " + id + ", but no such broker is registered.");
        }
      }
      if (factor >= 0 && partition.size() != factor) {
        return Optional.of("The manual partition assignment includes a partition with " + partition.size()
            + " replica(s), but this is not consistent with previous partitions, which have " + factor + " replica(s).");
      }
      factor = partition.size();
    }
    return Optional.empty();
  }

  /** A random id that is neither reserved (Uuid.randomUuid never returns those) nor used by another topic. */
  private static Uuid freshTopicId(MetadataState state) {
    while (true) {
      Uuid id = Uuid.randomUuid();
      if (state.topics().values().stream().noneMatch(t -> t.topicId().equals(id))) return id;
    }
  }

  private static Outcome done(TopicInfo topic, MetadataState next) {
    return new Outcome(next, new TopicDone(topic, next));
  }

  private static Outcome unknownTopic(MetadataState state) {
    return reject(state, Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.UNKNOWN_TOPIC_OR_PARTITION.message());
  }

  private static Outcome reject(MetadataState state, Errors error, String message) {
    return new Outcome(state, Rejected.of(error, message));
  }
}
