package io.tributary.group;

import static io.tributary.group.GroupReplies.joinSuccess;

import io.tributary.group.GroupEntity.GenerationStarted;
import io.tributary.group.GroupEntity.JoinDeadline;
import io.tributary.group.GroupEntity.PendingMemberExpired;
import io.tributary.group.GroupEntity.SessionExpired;
import io.tributary.group.GroupEntity.SyncDeadline;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.common.protocol.Errors;

/**
 * The rebalance state machine of one classic group, as Kafka's GroupCoordinator runs it: preparing a
 * rebalance, the (initially delayed) join and its completion into a new generation, the sync
 * deadline, the removal of members, and the member timers (session, pending member) that drive
 * them. {@link MembershipRequests} and offset commits call in; like them it only changes the live
 * group and fills the outbox of its {@link GroupContext}, and {@link GroupEntity} persists.
 */
final class Rebalancer {
  private static final String JOIN_TIMER = "join";
  private static final String SYNC_TIMER = "sync";

  private final GroupContext context;
  /** Identifies the current delayed join; older JoinDeadline messages are stale. */
  private long joinEpoch;
  /** The current delayed join is Kafka's InitialDelayedJoin (waits, may extend while new members come). */
  private boolean initialJoin;
  private long initialJoinRemainingMs;

  Rebalancer(GroupContext context) {
    this.context = context;
  }

  private ClassicGroup group() {
    return context.group;
  }

  /** Once the live group is recovered: its members get a fresh session timeout. */
  void resume() {
    group().members.values().forEach(m -> scheduleSessionTimeout(m, m.sessionTimeoutMs));
    // the assignment of this generation was never received: have everyone rejoin
    if (group().is(ClassicGroup.Phase.COMPLETING_REBALANCE)) prepareRebalance();
  }

  // ---------------------------------------------------------------- rebalance

  void maybePrepareRebalance() {
    if (group().canRebalance()) prepareRebalance();
  }

  void prepareRebalance() {
    if (group().is(ClassicGroup.Phase.COMPLETING_REBALANCE)) resetAndPropagateAssignmentError(Errors.REBALANCE_IN_PROGRESS);
    group().pendingSyncMembers.clear();
    context.timers.cancel(SYNC_TIMER);
    var wasEmpty = group().is(ClassicGroup.Phase.EMPTY);
    group().phase = ClassicGroup.Phase.PREPARING_REBALANCE;
    joinEpoch++;
    if (wasEmpty && context.settings.initialRebalanceDelayMs() > 0) {
      initialJoin = true;
      initialJoinRemainingMs = Math.max(group().rebalanceTimeoutMs() - context.settings.initialRebalanceDelayMs(), 0);
      context.timers.startSingleTimer(JOIN_TIMER, new JoinDeadline(joinEpoch), Duration.ofMillis(context.settings.initialRebalanceDelayMs()));
    } else {
      initialJoin = false;
      context.timers.startSingleTimer(JOIN_TIMER, new JoinDeadline(joinEpoch), Duration.ofMillis(group().rebalanceTimeoutMs()));
    }
  }

  /** False when the deadline is stale or only extends the initial delayed join: nothing to persist or answer. */
  boolean onJoinDeadline(JoinDeadline c) {
    if (c.epoch() != joinEpoch || !group().is(ClassicGroup.Phase.PREPARING_REBALANCE)) return false;
    if (initialJoin && group().newMemberAdded && initialJoinRemainingMs > 0) {
      // Kafka's InitialDelayedJoin: members are still arriving, wait another delay (bounded by the rebalance timeout)
      group().newMemberAdded = false;
      var delay = Math.min(context.settings.initialRebalanceDelayMs(), initialJoinRemainingMs);
      initialJoinRemainingMs = Math.max(initialJoinRemainingMs - delay, 0);
      context.timers.startSingleTimer(JOIN_TIMER, new JoinDeadline(joinEpoch), Duration.ofMillis(delay));
      return false;
    }
    completeJoin();
    return true;
  }

  /** Completes the join early when everyone has joined (never during the initial delay). */
  void tryCompleteJoin() {
    if (group().is(ClassicGroup.Phase.PREPARING_REBALANCE) && !initialJoin && group().hasAllMembersJoined()) completeJoin();
  }

  /** Kafka's onCompleteJoin: drop dynamic members that did not rejoin, start the next generation, answer the joins. */
  private void completeJoin() {
    for (var m : List.copyOf(group().members.values())) {
      if (!m.isAwaitingJoin() && !m.isStatic()) {
        removeSilently(m);
        context.log().info("Group {}: removed member {} which did not rejoin in time", context.groupId, m.memberId);
      }
    }
    if (!group().maybeElectNewJoinedLeader() && !group().members.isEmpty()) {
      // only static members that have not rejoined: wait another rebalance timeout for them
      initialJoin = false;
      joinEpoch++;
      context.timers.startSingleTimer(JOIN_TIMER, new JoinDeadline(joinEpoch), Duration.ofMillis(group().rebalanceTimeoutMs()));
      return;
    }
    context.timers.cancel(JOIN_TIMER);
    initialJoin = false;
    group().initNextGeneration();
    var records = group().members.values().stream().map(group()::memberRecord).toList();
    context.outboxEvents.add(new GenerationStarted(group().generationId, group().protocolType, group().protocolName, group().leaderId, records, context.clock.getAsLong()));
    if (group().is(ClassicGroup.Phase.EMPTY)) {
      context.log().info("Group {} is now empty (generation {})", context.groupId, group().generationId);
      return;
    }
    context.log().info("Group {} generation {} with {} members, protocol {}", context.groupId, group().generationId, group().members.size(), group().protocolName);
    for (var m : group().members.values()) {
      if (m.awaitingJoin != null) {
        var isLeader = group().isLeader(m.memberId);
        context.reply(m.awaitingJoin, joinSuccess(group(), m.joinVersion, m.memberId, isLeader, group().leaderId, false));
        m.awaitingJoin = null;
      }
      scheduleSessionTimeout(m, m.sessionTimeoutMs);
      m.isNew = false;
      group().pendingSyncMembers.add(m.memberId);
    }
    context.timers.startSingleTimer(SYNC_TIMER, new SyncDeadline(group().generationId), Duration.ofMillis(group().rebalanceTimeoutMs()));
  }

  /**
   * Members that got their JoinGroup response but never sent SyncGroup within the rebalance timeout
   * are removed. False when the deadline is stale or everyone synced: nothing to persist or answer.
   */
  boolean onSyncDeadline(SyncDeadline c) {
    if (c.generationId() != group().generationId
        || !(group().is(ClassicGroup.Phase.COMPLETING_REBALANCE) || group().is(ClassicGroup.Phase.STABLE))
        || group().pendingSyncMembers.isEmpty()) {
      return false;
    }
    for (var id : List.copyOf(group().pendingSyncMembers)) {
      var m = group().get(id);
      if (m != null) removeSilently(m);
    }
    prepareRebalance();
    return true;
  }

  private void resetAndPropagateAssignmentError(Errors error) {
    for (var m : group().members.values()) {
      m.assignment = new byte[0];
      if (m.awaitingSync != null) {
        context.replySyncError(m.awaitingSync, error);
        m.awaitingSync = null;
        scheduleSessionTimeout(m, m.sessionTimeoutMs);
      }
    }
  }

  // ---------------------------------------------------------------- members leaving

  private void removeSilently(MemberMetadata m) {
    context.timers.cancel(sessionTimerKey(m.memberId));
    group().remove(m.memberId);
  }

  /** Kafka's removeMemberAndUpdateGroup: answer its parked requests, remove it, rebalance if needed. */
  void removeMemberAndUpdateGroup(MemberMetadata m) {
    if (m.awaitingJoin != null) context.replyJoinError(m.awaitingJoin, m.joinVersion, "", Errors.UNKNOWN_MEMBER_ID);
    if (m.awaitingSync != null) context.replySyncError(m.awaitingSync, Errors.UNKNOWN_MEMBER_ID);
    m.awaitingJoin = null;
    m.awaitingSync = null;
    removeSilently(m);
    switch (group().phase) {
      case STABLE, COMPLETING_REBALANCE -> maybePrepareRebalance();
      default -> {} // PreparingRebalance: the join may now be complete (GroupEntity checks when it flushes)
    }
  }

  /** False when the timer is stale or the member is parked (alive): nothing to persist or answer. */
  boolean onSessionExpired(SessionExpired c) {
    var m = group().get(c.memberId());
    if (m == null || m.heartbeatEpoch != c.epoch()) return false;
    // as Kafka: a known member parked in JoinGroup/SyncGroup is alive; its timer restarts when answered
    if (!m.isNew && (m.isAwaitingJoin() || m.awaitingSync != null)) return false;
    context.log().info("Group {}: member {} session expired, removing it", context.groupId, c.memberId());
    removeMemberAndUpdateGroup(m);
    return true;
  }

  void onPendingMemberExpired(PendingMemberExpired c) {
    group().pendingMembers.remove(c.memberId());
  }

  // ---------------------------------------------------------------- member timers

  void scheduleSessionTimeout(MemberMetadata m, long timeoutMs) {
    m.heartbeatEpoch++;
    context.timers.startSingleTimer(sessionTimerKey(m.memberId), new SessionExpired(m.memberId, m.heartbeatEpoch), Duration.ofMillis(timeoutMs));
  }

  void cancelSessionTimeout(String memberId) {
    context.timers.cancel(sessionTimerKey(memberId));
  }

  /** A member id handed out with MEMBER_ID_REQUIRED is forgotten unless the member joins with it in time. */
  void startPendingMemberTimeout(String memberId, long timeoutMs) {
    context.timers.startSingleTimer(pendingTimerKey(memberId), new PendingMemberExpired(memberId), Duration.ofMillis(timeoutMs));
  }

  void cancelPendingMemberTimeout(String memberId) {
    context.timers.cancel(pendingTimerKey(memberId));
  }

  private static String sessionTimerKey(String memberId) {
    return "session|" + memberId;
  }

  private static String pendingTimerKey(String memberId) {
    return "pending|" + memberId;
  }
}
