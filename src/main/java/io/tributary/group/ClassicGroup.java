package io.tributary.group;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.protocol.Errors;

/**
 * The live membership of one classic group, the counterpart of Kafka's GroupMetadata: phase,
 * generation, protocol, leader, members, pending members and static-member mappings, with the pure
 * rules that decide protocol support, protocol selection and join completion. No actors, no
 * timers, no I/O: {@link GroupEntity} drives it. Mutable and not thread-safe (one entity owns it); a
 * command changes a {@link #copy} that replaces the entity's group only once the command's events are
 * persisted, so a failed persist leaves nothing half-applied.
 */
final class ClassicGroup {

  /** Kafka's classic group states, with the names Kafka reports in DescribeGroups/ListGroups. */
  enum Phase {
    EMPTY("Empty"),
    PREPARING_REBALANCE("PreparingRebalance"),
    COMPLETING_REBALANCE("CompletingRebalance"),
    STABLE("Stable"),
    DEAD("Dead");

    final String kafkaName;

    Phase(String kafkaName) {
      this.kafkaName = kafkaName;
    }
  }

  Phase phase = Phase.EMPTY;
  int generationId;
  String protocolType;
  String protocolName;
  String leaderId;
  final Map<String, MemberMetadata> members = new LinkedHashMap<>();
  /** Member ids handed out with MEMBER_ID_REQUIRED that have not joined yet. */
  final Set<String> pendingMembers = new LinkedHashSet<>();
  /** group.instance.id → current member id. */
  final Map<String, String> staticMembers = new HashMap<>();
  /** Members of the current generation that have not sent SyncGroup yet. */
  final Set<String> pendingSyncMembers = new HashSet<>();
  /** A new member joined during the initial delayed join, which may therefore be extended. */
  boolean newMemberAdded;
  /** Topics the members subscribe to (consumer protocol only); null when unknown. */
  Set<String> subscribedTopics;
  /** Identifies the current join deadline; JoinDeadline messages with another value are stale. */
  long joinEpoch;
  /** The current join is Kafka's InitialDelayedJoin (waits, may extend while new members come). */
  boolean initialJoin;
  long initialJoinRemainingMs;

  /** A deep copy: what a command changes before its events are persisted. */
  ClassicGroup copy() {
    var c = new ClassicGroup();
    c.phase = phase;
    c.generationId = generationId;
    c.protocolType = protocolType;
    c.protocolName = protocolName;
    c.leaderId = leaderId;
    members.forEach((id, m) -> c.members.put(id, m.copy()));
    c.pendingMembers.addAll(pendingMembers);
    c.staticMembers.putAll(staticMembers);
    c.pendingSyncMembers.addAll(pendingSyncMembers);
    c.newMemberAdded = newMemberAdded;
    c.subscribedTopics = subscribedTopics;
    c.joinEpoch = joinEpoch;
    c.initialJoin = initialJoin;
    c.initialJoinRemainingMs = initialJoinRemainingMs;
    return c;
  }

  boolean is(Phase p) {
    return phase == p;
  }

  boolean has(String memberId) {
    return members.containsKey(memberId);
  }

  MemberMetadata get(String memberId) {
    return members.get(memberId);
  }

  boolean isLeader(String memberId) {
    return Objects.equals(leaderId, memberId);
  }

  /** Kafka's validateCurrentMember: the instance id (if any) maps to this member id, and the member exists. */
  Errors validateCurrentMember(String memberId, String groupInstanceId) {
    if (groupInstanceId != null) {
      var current = staticMembers.get(groupInstanceId);
      if (current == null) return Errors.UNKNOWN_MEMBER_ID;
      if (!current.equals(memberId)) return Errors.FENCED_INSTANCE_ID;
    }
    return has(memberId) ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
  }

  boolean canRebalance() {
    return phase == Phase.STABLE || phase == Phase.COMPLETING_REBALANCE || phase == Phase.EMPTY;
  }

  void add(MemberMetadata m) {
    if (members.isEmpty()) protocolType = m.protocolType;
    pendingMembers.remove(m.memberId);
    members.put(m.memberId, m);
    if (m.isStatic()) staticMembers.put(m.groupInstanceId, m.memberId);
    if (leaderId == null) leaderId = m.memberId;
  }

  MemberMetadata remove(String memberId) {
    pendingMembers.remove(memberId);
    pendingSyncMembers.remove(memberId);
    var m = members.remove(memberId);
    if (m != null && m.isStatic() && memberId.equals(staticMembers.get(m.groupInstanceId))) {
      staticMembers.remove(m.groupInstanceId);
    }
    if (isLeader(memberId)) leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
    return m;
  }

  /** Moves a static member to a new member id (the caller has fenced the old id's parked requests). */
  MemberMetadata replaceStaticMember(String instanceId, String oldMemberId, String newMemberId) {
    var m = members.remove(oldMemberId);
    if (m == null) throw new IllegalStateException("no member " + oldMemberId + " for instance " + instanceId);
    m.memberId = newMemberId;
    members.put(newMemberId, m);
    if (isLeader(oldMemberId)) leaderId = newMemberId;
    if (pendingSyncMembers.remove(oldMemberId)) pendingSyncMembers.add(newMemberId);
    staticMembers.put(instanceId, newMemberId);
    return m;
  }

  /** Kafka's supportsProtocols: any non-empty protocol set starts a group; later joiners must share a protocol with all. */
  boolean supportsProtocols(String memberProtocolType, List<GroupEntity.Protocol> memberProtocols) {
    if (phase == Phase.EMPTY && members.isEmpty()) {
      return memberProtocolType != null && !memberProtocolType.isEmpty() && !memberProtocols.isEmpty();
    }
    if (!Objects.equals(protocolType, memberProtocolType)) return false;
    var candidates = candidateProtocols();
    return memberProtocols.stream().anyMatch(p -> candidates.contains(p.name()));
  }

  /** Protocols every member supports. */
  Set<String> candidateProtocols() {
    Set<String> result = null;
    for (var m : members.values()) {
      var names = m.protocols.stream().map(GroupEntity.Protocol::name).collect(Collectors.toCollection(LinkedHashSet::new));
      if (result == null) result = names;
      else result.retainAll(names);
    }
    return result == null ? Set.of() : result;
  }

  /** Each member votes for its preferred candidate; the most votes win (first-come among ties). */
  String selectProtocol() {
    var candidates = candidateProtocols();
    if (candidates.isEmpty()) throw new IllegalStateException("no protocol supported by all members");
    var votes = new LinkedHashMap<String, Integer>();
    for (var m : members.values()) votes.merge(m.vote(candidates), 1, Integer::sum);
    return votes.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
  }

  boolean hasAllMembersJoined() {
    return pendingMembers.isEmpty() && members.values().stream().allMatch(MemberMetadata::isAwaitingJoin);
  }

  /** Largest rebalance timeout of the members: how long a rebalance waits for them. */
  int rebalanceTimeoutMs() {
    return members.values().stream().mapToInt(m -> m.rebalanceTimeoutMs).max().orElse(0);
  }

  /** Keeps the leader if it rejoined, else makes a rejoined member leader; false if none rejoined. */
  boolean maybeElectNewJoinedLeader() {
    if (leaderId != null && has(leaderId) && get(leaderId).isAwaitingJoin()) return true;
    for (var m : members.values()) {
      if (m.isAwaitingJoin()) {
        leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  /** Starts the next generation: the chosen protocol and CompletingRebalance, or Empty if nobody is left. */
  void initNextGeneration() {
    generationId++;
    if (!members.isEmpty()) {
      protocolName = selectProtocol();
      phase = Phase.COMPLETING_REBALANCE;
    } else {
      protocolName = null;
      leaderId = null;
      phase = Phase.EMPTY;
    }
    pendingSyncMembers.clear();
    newMemberAdded = false;
    subscribedTopics = computeSubscribedTopics();
  }

  /** A member as events persist it: its metadata for the selected protocol (empty when none is selected yet). */
  GroupEntity.MemberRecord memberRecord(MemberMetadata m) {
    return new GroupEntity.MemberRecord(m.memberId, m.groupInstanceId, m.clientId, m.clientHost, m.rebalanceTimeoutMs, m.sessionTimeoutMs,
        protocolName == null ? new byte[0] : m.metadata(protocolName), m.assignment);
  }

  /**
   * The live group of a recovered durable state: Stable if the generation got its assignment, else
   * CompletingRebalance (the entity then rebalances); nothing is parked and no timer runs yet.
   */
  static ClassicGroup recover(GroupEntity.State s) {
    var group = new ClassicGroup();
    group.generationId = s.generationId();
    group.protocolType = s.protocolType();
    group.protocolName = s.protocolName();
    for (var r : s.members()) {
      var m = new MemberMetadata(r.memberId(), r.groupInstanceId(), r.clientId(), r.clientHost(), r.rebalanceTimeoutMs(),
          r.sessionTimeoutMs(), s.protocolType(), List.of(new GroupEntity.Protocol(s.protocolName(), r.metadata())));
      m.assignment = r.assignment();
      group.add(m);
    }
    group.leaderId = s.members().isEmpty() ? null : s.leaderId();
    group.subscribedTopics = group.computeSubscribedTopics();
    if (!group.members.isEmpty()) group.phase = s.assignmentsReceived() ? Phase.STABLE : Phase.COMPLETING_REBALANCE;
    return group;
  }

  /** The members' metadata for the selected protocol, as the leader receives it. */
  List<JoinGroupResponseMember> currentMemberMetadata(boolean withInstanceIds) {
    var result = new ArrayList<JoinGroupResponseMember>(members.size());
    for (var m : members.values()) {
      result.add(new JoinGroupResponseMember()
          .setMemberId(m.memberId)
          .setGroupInstanceId(withInstanceIds ? m.groupInstanceId : null)
          .setMetadata(m.metadata(protocolName)));
    }
    return result;
  }

  Set<String> computeSubscribedTopics() {
    if (!ConsumerProtocol.PROTOCOL_TYPE.equals(protocolType)) return null;
    if (members.isEmpty()) return Set.of();
    if (protocolName == null) return null;
    try {
      var topics = new HashSet<String>();
      for (var m : members.values()) {
        topics.addAll(ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(m.metadata(protocolName))).topics());
      }
      return topics;
    } catch (RuntimeException e) {
      return null; // unparseable subscription: treat every topic as possibly subscribed
    }
  }

  /** Conservative like Kafka: when the subscriptions are unknown, every topic counts as subscribed. */
  boolean isSubscribedToTopic(String topic) {
    return subscribedTopics == null || subscribedTopics.contains(topic);
  }
}
