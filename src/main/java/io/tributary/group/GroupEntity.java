package io.tributary.group;

import akka.Done;
import akka.actor.NoSerializationVerificationNeeded;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.PreRestart;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.RetentionCriteria;
import akka.persistence.typed.javadsl.SignalHandler;
import io.tributary.metadata.CoordinatorShards;
import io.tributary.metadata.NodePinnedAllocation;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * One Kafka consumer group: the classic group protocol (Empty → PreparingRebalance →
 * CompletingRebalance → Stable, Dead for a group that does not exist) and its committed offsets, as
 * an event-sourced, sharded entity (entity id = group id, persistence id {@code group|<id>}).
 *
 * <p>Replies are kafka-clients' generated response data, filled as Kafka's GroupCoordinator fills
 * them, so a protocol handler only adds the throttle time (see package-info for the mapping per
 * API and version). Only durable facts are events: a generation started (members, protocol,
 * leader), its assignments received, a static member replaced, offsets committed or deleted, the
 * group deleted. Parked JoinGroup/SyncGroup requests, pending members and timers are live state
 * kept in {@link ClassicGroup}; after recovery a Stable generation continues (members get a fresh
 * session timeout) and a generation that never got its assignment is rebalanced.
 *
 * <p>Timers are actor timers: per-member session timeout, rebalance (join) timeout with Kafka's
 * initial delayed join, sync timeout, pending-member timeout and the offset-retention check. The
 * clock used for timestamps in events is injectable for tests.
 *
 * <p>This class is the API, persistence and recovery; the handling is split by concern into {@link
 * MembershipRequests} (JoinGroup, SyncGroup, Heartbeat, LeaveGroup), {@link Rebalancer} (the
 * rebalance state machine and member timers), {@link GroupOffsets} (offsets and retention) and
 * {@link GroupReplies} (response data).
 *
 * <p>Commands decide, events change, as in Kafka's new group coordinator (handlers return records
 * and a response): a handler validates against the current state, changes only a copy of the live
 * group and fills one outbox ({@link GroupContext}) with events, replies and timer changes. Every
 * command ends in a flush: {@code Effect().persist(events).thenRun(...)}, where thenRun makes the
 * copy the live group, feeds the node's offsets view and sends the replies and sets the timers. The
 * event handler is pure ({@link State#apply}), so replaying the journal rebuilds exactly the state
 * that was live. A failed persist changes nothing and its requests get COORDINATOR_NOT_AVAILABLE.
 */
public final class GroupEntity
    extends EventSourcedBehavior<GroupEntity.Command, GroupEntity.Event, GroupEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "group");

  // ---------------------------------------------------------------- commands

  /** Everything a group entity accepts. Public commands mirror the Kafka group APIs. */
  public sealed interface Command {}

  /** One protocol a joining member supports, with its metadata (e.g. a consumer subscription). */
  public record Protocol(String name, byte[] metadata) {}

  /**
   * JoinGroup. {@code memberId} is "" for a new member; {@code groupInstanceId} null for a dynamic
   * member. {@code apiVersion} is the request's version: v4+ dynamic new members get the
   * MEMBER_ID_REQUIRED round trip, v7+ may see a null protocol name, v9+ may be told to skip the
   * assignment.
   */
  public record Join(
      String memberId,
      String groupInstanceId,
      String protocolType,
      List<Protocol> protocols,
      int sessionTimeoutMs,
      int rebalanceTimeoutMs,
      String clientId,
      String clientHost,
      short apiVersion,
      ActorRef<JoinGroupResponseData> replyTo)
      implements Command {}

  /** SyncGroup. {@code protocolType}/{@code protocolName} null when the request version has none (v0-4). */
  public record Sync(
      int generationId,
      String memberId,
      String groupInstanceId,
      String protocolType,
      String protocolName,
      Map<String, byte[]> assignments,
      ActorRef<SyncGroupResponseData> replyTo)
      implements Command {}

  public record Heartbeat(int generationId, String memberId, String groupInstanceId, ActorRef<HeartbeatResponseData> replyTo)
      implements Command {}

  /** A member named in LeaveGroup: by member id, or ("" member id) by group instance id. */
  public record LeavingMember(String memberId, String groupInstanceId) {}

  /** LeaveGroup (the batched v3+ form; v0-2 is a single member). */
  public record Leave(List<LeavingMember> members, ActorRef<LeaveGroupResponseData> replyTo) implements Command {}

  /** One partition's offset in an OffsetCommit; {@code leaderEpoch} -1 when unknown, metadata may be null. */
  public record PartitionOffset(String topic, int partition, long offset, int leaderEpoch, String metadata) {}

  /**
   * OffsetCommit. Generation -1 with member id "" is a "simple" (non group-managed) commit,
   * accepted only while the group is Empty. The reply is sent after the event is persisted.
   */
  public record CommitOffsets(
      int generationId,
      String memberId,
      String groupInstanceId,
      List<PartitionOffset> offsets,
      ActorRef<OffsetCommitResponseData> replyTo)
      implements Command {}

  /**
   * OffsetFetch for {@code partitions}, or for every committed partition when null. With {@code requireStable} (v7+)
   * a partition with a pending transactional offset gets UNSTABLE_OFFSET_COMMIT, as in Kafka.
   */
  public record FetchOffsets(List<TopicPartition> partitions, boolean requireStable, ActorRef<OffsetFetchResponseGroup> replyTo)
      implements Command {
    public FetchOffsets(List<TopicPartition> partitions, ActorRef<OffsetFetchResponseGroup> replyTo) {
      this(partitions, false, replyTo);
    }
  }

  /**
   * TxnOffsetCommit: offsets of producer {@code producerId}'s ongoing transaction, pending (invisible to OffsetFetch)
   * until the transaction coordinator completes them ({@link CompleteTxnOffsets}). Generation -1 and member "" (v0-2)
   * skip the member check, as in Kafka. The reply is sent after the event is persisted.
   */
  public record TxnCommitOffsets(
      long producerId,
      short producerEpoch,
      int generationId,
      String memberId,
      String groupInstanceId,
      List<PartitionOffset> offsets,
      ActorRef<TxnOffsetCommitResponseData> replyTo)
      implements Command {}

  /** The transaction coordinator's commit or abort marker for this group: the producer's pending offsets become committed or go. */
  public record CompleteTxnOffsets(long producerId, short producerEpoch, boolean commit, ActorRef<Done> replyTo)
      implements Command {}

  public record Describe(ActorRef<DescribedGroup> replyTo) implements Command {}

  /** This group's line in ListGroups (the caller knows which groups exist and filters by state). */
  public record GetOverview(ActorRef<ListedGroup> replyTo) implements Command {}

  public record DeleteGroup(ActorRef<DeletableGroupResult> replyTo) implements Command {}

  /** OffsetDelete. */
  public record DeleteOffsets(List<TopicPartition> partitions, ActorRef<OffsetDeleteResponseData> replyTo) implements Command {}

  /** Drops the offsets of deleted topics (sent by whoever deletes a topic). */
  public record RemoveTopicOffsets(Set<String> topics, ActorRef<Done> replyTo) implements Command {}

  /**
   * This node no longer leads the group's offsets partition (Kafka's onResignation unloads its groups): the entity
   * stops, so that its in-memory state, which misses what the next coordinator commits, is never served again; if this
   * node leads the partition again, the group recovers from the replicated journal.
   */
  public record Unload() implements Command {}

  // internal, timer-driven (package-private for the Rebalancer and GroupOffsets that start the timers): never cross nodes
  record SessionExpired(String memberId, long epoch) implements Command, NoSerializationVerificationNeeded {}

  record PendingMemberExpired(String memberId) implements Command, NoSerializationVerificationNeeded {}

  record JoinDeadline(long epoch) implements Command, NoSerializationVerificationNeeded {}

  record SyncDeadline(int generationId) implements Command, NoSerializationVerificationNeeded {}

  enum RetentionCheck implements Command, NoSerializationVerificationNeeded {
    INSTANCE
  }

  // ---------------------------------------------------------------- events and state

  /** A member of a generation as persisted: identity, timeouts, its selected-protocol metadata and its assignment. */
  public record MemberRecord(
      String memberId,
      String groupInstanceId,
      String clientId,
      String clientHost,
      int rebalanceTimeoutMs,
      int sessionTimeoutMs,
      byte[] metadata,
      byte[] assignment) {

    /** By content (the byte arrays too), so that a live state and its replay compare equal. */
    @Override
    public boolean equals(Object o) {
      return o instanceof MemberRecord m && memberId.equals(m.memberId) && Objects.equals(groupInstanceId, m.groupInstanceId)
          && Objects.equals(clientId, m.clientId) && Objects.equals(clientHost, m.clientHost)
          && rebalanceTimeoutMs == m.rebalanceTimeoutMs && sessionTimeoutMs == m.sessionTimeoutMs
          && Arrays.equals(metadata, m.metadata) && Arrays.equals(assignment, m.assignment);
    }

    @Override
    public int hashCode() {
      return Objects.hash(memberId, groupInstanceId, clientId, clientHost, rebalanceTimeoutMs, sessionTimeoutMs)
          + 31 * Arrays.hashCode(metadata) + 961 * Arrays.hashCode(assignment);
    }

    @Override
    public String toString() {
      return "MemberRecord[" + memberId + ", instance " + groupInstanceId + ", " + clientId + "@" + clientHost + ", rebalance "
          + rebalanceTimeoutMs + " ms, session " + sessionTimeoutMs + " ms, metadata " + Arrays.toString(metadata)
          + ", assignment " + Arrays.toString(assignment) + "]";
    }
  }

  /** A committed offset; {@code commitTimestamp} (ms) drives retention of simple groups. */
  public record CommittedOffset(long offset, int leaderEpoch, String metadata, long commitTimestamp) {}

  public sealed interface Event {}

  /** A join completed: the new generation with its members (assignments still empty), or an empty generation. */
  public record GenerationStarted(
      int generationId, String protocolType, String protocolName, String leaderId, List<MemberRecord> members, long timestamp)
      implements Event {}

  /** The leader's SyncGroup: the generation's assignment, one entry per member. */
  public record AssignmentsReceived(int generationId, Map<String, byte[]> assignments) implements Event {}

  /** A static member rejoined under a new member id without a rebalance. */
  public record StaticMemberReplaced(String oldMemberId, MemberRecord member) implements Event {}

  public record OffsetsCommitted(Map<TopicPartition, CommittedOffset> offsets) implements Event {}

  /** Offsets removed by OffsetDelete, topic deletion or retention. */
  public record OffsetsDeleted(List<TopicPartition> partitions) implements Event {}

  /** TxnOffsetCommit: offsets pending in producer {@code producerId}'s transaction. */
  public record TxnOffsetsPending(long producerId, Map<TopicPartition, CommittedOffset> offsets) implements Event {}

  /** The producer's transaction ended: its pending offsets are committed ({@code commit}) or dropped. */
  public record TxnOffsetsCompleted(long producerId, boolean commit) implements Event {}

  /** DeleteGroups, or an expired empty group: everything is forgotten. */
  public record GroupDeleted(long timestamp) implements Event {}

  /**
   * The durable state (also the snapshot): the last generation and the committed offsets. {@code
   * stateTimestamp} is when that generation started (for an empty generation: when the group
   * became empty), -1 if the group never had members. Immutable, compared by content; only {@link
   * #apply} (the event handler) makes the next one.
   */
  public record State(
      int generationId,
      String protocolType,
      String protocolName,
      String leaderId,
      List<MemberRecord> members,
      boolean assignmentsReceived,
      long stateTimestamp,
      Map<TopicPartition, CommittedOffset> offsets,
      Map<Long, Map<TopicPartition, CommittedOffset>> pendingTxnOffsets) {

    public static final State INITIAL = new State(0, null, null, null, List.of(), false, -1L, Map.of());

    public State {
      members = List.copyOf(members);
      offsets = Collections.unmodifiableMap(new HashMap<>(offsets));
      var pending = new HashMap<Long, Map<TopicPartition, CommittedOffset>>();
      pendingTxnOffsets.forEach((pid, o) -> pending.put(pid, Map.copyOf(o)));
      pendingTxnOffsets = Collections.unmodifiableMap(pending);
    }

    /** A state without pending transactional offsets (what format 1 of the snapshot holds). */
    public State(int generationId, String protocolType, String protocolName, String leaderId, List<MemberRecord> members,
                 boolean assignmentsReceived, long stateTimestamp, Map<TopicPartition, CommittedOffset> offsets) {
      this(generationId, protocolType, protocolName, leaderId, members, assignmentsReceived, stateTimestamp, offsets, Map.of());
    }

    /** Whether any producer has a pending transactional offset for {@code tp}. */
    public boolean hasPendingTxnOffset(TopicPartition tp) {
      for (var o : pendingTxnOffsets.values()) if (o.containsKey(tp)) return true;
      return false;
    }

    private State withPending(Map<Long, Map<TopicPartition, CommittedOffset>> pending) {
      return new State(generationId, protocolType, protocolName, leaderId, members, assignmentsReceived, stateTimestamp,
          offsets, pending);
    }

    State apply(Event event) {
      if (event instanceof TxnOffsetsPending e) {
        var pending = new HashMap<>(pendingTxnOffsets);
        var mine = new HashMap<>(pending.getOrDefault(e.producerId(), Map.of()));
        mine.putAll(e.offsets());
        pending.put(e.producerId(), mine);
        return withPending(pending);
      } else if (event instanceof TxnOffsetsCompleted e) {
        var pending = new HashMap<>(pendingTxnOffsets);
        var mine = pending.remove(e.producerId());
        var updated = new HashMap<>(offsets);
        if (e.commit() && mine != null) updated.putAll(mine);
        return new State(generationId, protocolType, protocolName, leaderId, members, assignmentsReceived, stateTimestamp,
            updated, pending);
      } else if (event instanceof GroupDeleted) {
        return INITIAL;
      }
      return applyGroupEvent(event).withPending(pendingTxnOffsets);
    }

    private State applyGroupEvent(Event event) {
      if (event instanceof GenerationStarted e) {
        return new State(e.generationId(), e.protocolType(), e.protocolName(), e.leaderId(), e.members(), false, e.timestamp(), offsets);
      } else if (event instanceof AssignmentsReceived e) {
        if (e.generationId() != generationId) return this;
        var updated = new ArrayList<MemberRecord>(members.size());
        for (var m : members) {
          updated.add(new MemberRecord(m.memberId(), m.groupInstanceId(), m.clientId(), m.clientHost(), m.rebalanceTimeoutMs(),
              m.sessionTimeoutMs(), m.metadata(), e.assignments().getOrDefault(m.memberId(), new byte[0])));
        }
        return new State(generationId, protocolType, protocolName, leaderId, updated, true, stateTimestamp, offsets);
      } else if (event instanceof StaticMemberReplaced e) {
        var updated = new ArrayList<MemberRecord>(members.size());
        for (var m : members) updated.add(m.memberId().equals(e.oldMemberId()) ? e.member() : m);
        var leader = Objects.equals(leaderId, e.oldMemberId()) ? e.member().memberId() : leaderId;
        return new State(generationId, protocolType, protocolName, leader, updated, assignmentsReceived, stateTimestamp, offsets);
      } else if (event instanceof OffsetsCommitted e) {
        var updated = new HashMap<>(offsets);
        updated.putAll(e.offsets());
        return new State(generationId, protocolType, protocolName, leaderId, members, assignmentsReceived, stateTimestamp, updated);
      } else if (event instanceof OffsetsDeleted e) {
        var updated = new HashMap<>(offsets);
        e.partitions().forEach(updated::remove);
        return new State(generationId, protocolType, protocolName, leaderId, members, assignmentsReceived, stateTimestamp, updated);
      } else if (event instanceof GroupDeleted) {
        return INITIAL;
      }
      throw new IllegalArgumentException("unknown event " + event);
    }
  }

  // ---------------------------------------------------------------- construction

  /**
   * Registers the group entity with cluster sharding on this node. Entity ids are {@code <group>@<node>} (see
   * {@link #entityId}) and shards are offsets-topic partitions on a node ({@code 17@2}), which {@link
   * NodePinnedAllocation} starts on that node: the group's journal is on its coordinator's disk.
   */
  public static ActorRef<akka.cluster.sharding.typed.ShardingEnvelope<Command>> init(ActorSystem<?> system, int offsetsPartitions) {
    var settings = GroupSettings.fromConfig(system.settings().config());
    return ClusterSharding.get(system)
        .init(Entity.of(ENTITY_KEY, ctx -> create(NodePinnedAllocation.keyOf(ctx.getEntityId()), settings, System::currentTimeMillis))
            .withMessageExtractor(new CoordinatorShards.ByKeyPartition<Command>(offsetsPartitions))
            .withAllocationStrategy(new NodePinnedAllocation(system)));
  }

  /** The entity of {@code groupId} coordinated by node {@code nodeId}. */
  public static String entityId(String groupId, int nodeId) {
    return NodePinnedAllocation.shardId(groupId, nodeId);
  }

  public static Behavior<Command> create(String groupId) {
    return Behaviors.setup(ctx -> create(groupId, GroupSettings.fromConfig(ctx.getSystem().settings().config()), System::currentTimeMillis));
  }

  /** With explicit settings and a clock (ms) for the timestamps in events; tests pass a manual clock. */
  public static Behavior<Command> create(String groupId, GroupSettings settings, LongSupplier clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new GroupEntity(groupId, settings, clock, ctx, timers)));
  }

  private final String groupId;
  private final GroupSettings settings;
  private final CommittedOffsetsView offsetsView;

  // the handlers, split by concern; they share the live group and the outbox through the context
  private final GroupContext context;
  private final Rebalancer rebalancer;
  private final MembershipRequests membership;
  private final GroupOffsets offsets;
  /** While a command's events are being persisted: its replies, to be sent in their failed form if the persist fails. */
  private List<GroupContext.PendingReply<?>> inFlight;

  private GroupEntity(String groupId, GroupSettings settings, LongSupplier clock, ActorContext<Command> ctx, TimerScheduler<Command> timers) {
    // a journal failure restarts the entity, which recovers and rebuilds its live group from the journal
    super(PersistenceId.of(ENTITY_KEY.name(), groupId, "|"), SupervisorStrategy.restartWithBackoff(
        settings.journalFailureMinBackoff(), settings.journalFailureMaxBackoff(), settings.journalFailureRandomFactor()));
    this.groupId = groupId;
    this.settings = settings;
    this.offsetsView = CommittedOffsetsView.get(ctx.getSystem());
    this.context = new GroupContext(groupId, settings, clock, ctx, timers);
    this.rebalancer = new Rebalancer(context);
    this.membership = new MembershipRequests(context, rebalancer);
    this.offsets = new GroupOffsets(context, rebalancer);
  }

  @Override
  public State emptyState() {
    return State.INITIAL;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), settings.keepSnapshots()).withDeleteEventsOnSnapshot();
  }

  @Override
  public boolean shouldSnapshot(State state, Event event, long sequenceNr) {
    return event instanceof GroupDeleted; // nothing before a deletion is needed to recover
  }

  /** Pure: the only place the state changes, the same for live events and replay. Side effects run in the command's thenRun. */
  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecovered)
        // a failed persist restarts (journal failure) or stops (rejected event) the entity; so do handoff and shutdown
        .onSignal(PreRestart.instance(), s -> onStopping())
        .onSignal(PostStop.instance(), s -> onStopping())
        .build();
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Join.class, thenFlush(membership::onJoin))
        .onCommand(Sync.class, thenFlush(membership::onSync))
        .onCommand(Heartbeat.class, thenFlush(membership::onHeartbeat))
        .onCommand(Leave.class, thenFlush(membership::onLeave))
        .onCommand(CommitOffsets.class, thenFlush(offsets::onCommitOffsets))
        .onCommand(FetchOffsets.class, thenFlush(offsets::onFetchOffsets))
        .onCommand(TxnCommitOffsets.class, thenFlush(offsets::onTxnCommitOffsets))
        .onCommand(CompleteTxnOffsets.class, thenFlush(offsets::onCompleteTxnOffsets))
        .onCommand(Describe.class, thenFlush(this::onDescribe))
        .onCommand(GetOverview.class, thenFlush(this::onGetOverview))
        .onCommand(DeleteGroup.class, thenFlush(this::onDeleteGroup))
        .onCommand(DeleteOffsets.class, thenFlush(offsets::onDeleteOffsets))
        .onCommand(RemoveTopicOffsets.class, thenFlush(offsets::onRemoveTopicOffsets))
        .onCommand(SessionExpired.class, thenFlush((s, c) -> rebalancer.onSessionExpired(c)))
        .onCommand(PendingMemberExpired.class, thenFlush((s, c) -> rebalancer.onPendingMemberExpired(c)))
        .onCommand(JoinDeadline.class, thenFlush((s, c) -> rebalancer.onJoinDeadline(c)))
        .onCommand(SyncDeadline.class, thenFlush((s, c) -> rebalancer.onSyncDeadline(c)))
        .onCommand(RetentionCheck.class, thenFlush((s, c) -> offsets.onRetentionCheck(s)))
        .onCommand(Unload.class, (s, c) -> Effect().stop().thenRun(x -> offsetsView.remove(groupId)))
        .build();
  }

  // ---------------------------------------------------------------- recovery

  private void onRecovered(State s) {
    // a restart after a failed persist may come without a PreRestart signal: whoever waited for it is told now
    failInFlight();
    offsetsView.replace(groupId, s);
    context.reset(ClassicGroup.recover(s));
    context.begin();
    rebalancer.resume();
    if (!context.outboxEvents.isEmpty()) throw new IllegalStateException("resuming a recovered group must not need events");
    var actions = List.copyOf(context.outboxActions);
    context.commit(context.group);
    actions.forEach(Runnable::run); // the members' session timers and, for a generation never assigned, the join deadline
    offsets.startRetentionChecks(s);
  }

  /**
   * The entity stops or restarts: after a failed persist (the journal failed: restart; the event was
   * rejected: stop), a handoff or a shutdown. The requests of a command whose events were not
   * persisted get Kafka's answer to a failed append of group metadata or offsets: Kafka's
   * GroupMetadataManager.appendGroupMetadataErrorToResponseError (and GroupCoordinatorService's
   * handleOperationException) map a write that timed out or lacked replicas to
   * COORDINATOR_NOT_AVAILABLE, so the client finds the coordinator again and retries. JoinGroup and
   * SyncGroup requests parked in the group get NOT_COORDINATOR, as Kafka's onGroupUnloaded answers
   * them: this incarnation's live group is gone.
   */
  private void onStopping() {
    var answered = failInFlight();
    for (var m : context.committed.members.values()) {
      if (m.awaitingJoin != null && !answered.contains(m.awaitingJoin)) {
        m.awaitingJoin.tell(GroupReplies.joinError(m.joinVersion, m.memberId, Errors.NOT_COORDINATOR));
      }
      if (m.awaitingSync != null && !answered.contains(m.awaitingSync)) m.awaitingSync.tell(GroupReplies.syncError(Errors.NOT_COORDINATOR));
      m.awaitingJoin = null;
      m.awaitingSync = null;
    }
  }

  /** Sends the failed form of the replies of the command being persisted, if any; returns who got one. */
  private Set<ActorRef<?>> failInFlight() {
    if (inFlight == null) return Set.of();
    var replies = inFlight;
    inFlight = null;
    context.log().warn("Group {}: events of a command were not persisted; its {} requests get {}", groupId, replies.size(),
        Errors.COORDINATOR_NOT_AVAILABLE);
    var answered = new HashSet<ActorRef<?>>();
    for (var r : replies) {
      r.sendFailed(Errors.COORDINATOR_NOT_AVAILABLE);
      answered.add(r.to());
    }
    return answered;
  }

  // ---------------------------------------------------------------- describe, list, delete

  private void onDescribe(State s, Describe c) {
    context.reply(c.replyTo(), GroupReplies.describedGroup(groupId, context.group, context.exists(s)));
  }

  private void onGetOverview(State s, GetOverview c) {
    context.reply(c.replyTo(), GroupReplies.listedGroup(groupId, context.group, context.exists(s)));
  }

  private void onDeleteGroup(State s, DeleteGroup c) {
    Errors error;
    if (!context.exists(s)) {
      error = Errors.GROUP_ID_NOT_FOUND;
    } else if (context.group.is(ClassicGroup.Phase.EMPTY)) {
      error = Errors.NONE;
      context.outboxEvents.add(new GroupDeleted(context.clock.getAsLong()));
      context.group.pendingMembers.forEach(rebalancer::cancelPendingMemberTimeout);
      context.group = new ClassicGroup(); // the group the event leaves: nothing
    } else {
      error = Errors.NON_EMPTY_GROUP;
    }
    context.reply(c.replyTo(), new DeletableGroupResult().setGroupId(groupId).setErrorCode(error.code()));
  }

  // ---------------------------------------------------------------- outbox

  /**
   * Every command: the handler changes a copy of the live group and fills the outbox; the effect is
   * the flush that follows.
   */
  private <C> BiFunction<State, C, Effect<Event, State>> thenFlush(BiConsumer<State, C> handler) {
    return (s, c) -> {
      context.begin();
      handler.accept(s, c);
      return flush();
    };
  }

  /**
   * Persists the outbox's events; once they are persisted, the command's copy of the group becomes
   * the live group, the node's offsets view follows the events, and the replies and timer changes
   * run in order. A command without events commits at once. If the persist fails nothing of this
   * happens (see {@link #onStopping}).
   */
  private Effect<Event, State> flush() {
    rebalancer.tryCompleteJoin();
    var events = List.copyOf(context.outboxEvents);
    var actions = List.copyOf(context.outboxActions);
    var next = context.group;
    if (events.isEmpty()) {
      return Effect().none().thenRun(s -> {
        context.commit(next);
        actions.forEach(Runnable::run);
      });
    }
    inFlight = List.copyOf(context.outboxReplies);
    return Effect().persist(events).thenRun(s -> {
      inFlight = null;
      context.commit(next);
      events.forEach(e -> offsetsView.apply(groupId, e));
      if (events.stream().anyMatch(e -> e instanceof TxnOffsetsCompleted)) offsetsView.replace(groupId, s);
      actions.forEach(Runnable::run);
    });
  }
}
