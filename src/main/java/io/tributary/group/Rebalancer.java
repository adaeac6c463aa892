package io.tributary.group;

import static io.tributary.group.GroupReplies.joinSuccess;

import io.tributary.group.GroupEntity.GenerationStarted;
import io.tributary.group.GroupEntity.JoinDeadline;
import io.tributary.group.GroupEntity.PendingMemberExpired;
import io.tributary.group.GroupEntity.SessionExpired;
import io.tributary.group.GroupEntity.SyncDeadline;
import java.util.List;
import org.apache.kafka.common.protocol.Errors;

/**
 * The rebalance state machine of one classic group, as Kafka's GroupCoordinator runs it: preparing a
 * rebalance, the (initially delayed) join and its completion into a new generation, the sync
 * deadline, the removal of members, and the member timers (session, pending member) that drive
 * them. {@link MembershipRequests} and offset commits call in; like them it only changes the
 * command's copy of the group and fills the outbox of its {@link GroupContext} (timers included), and
 * {@link GroupEntity} persists and then commits. Timer messages carry an epoch from {@link
 * GroupContext#nextEpoch}, so a message of a timer that was restarted or cancelled is recognised as stale.
 */
final class Rebalancer {
  private static final String JOIN_TIMER = "join";
  private static final String SYNC_TIMER = "sync";

  private final GroupContext context;

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
    context.cancelTimer(SYNC_TIMER);
    var wasEmpty = group().is(ClassicGroup.Phase.EMPTY);
    group().phase = ClassicGroup.Phase.PREPARING_REBALANCE;
    group().joinEpoch = context.nextEpoch();
    if (wasEmpty && context.settings.initialRebalanceDelayMs() > 0) {
      group().initialJoin = true;
      group().initialJoinRemainingMs = Math.max(group().rebalanceTimeoutMs() - context.settings.initialRebalanceDelayMs(), 0);
      context.startTimer(JOIN_TIMER, new JoinDeadline(group().joinEpoch), context.settings.initialRebalanceDelayMs());
    } else {
      group().initialJoin = false;
      // without members the join completes with this command (tryCompleteJoin): no deadline needed
      if (!group().members.isEmpty()) context.startTimer(JOIN_TIMER, new JoinDeadline(group().joinEpoch), group().rebalanceTimeoutMs());
    }
  }

  /** A stale deadline, or one that only extends the initial delayed join, changes nothing durable. */
  void onJoinDeadline(JoinDeadline c) {
    if (c.epoch() != group().joinEpoch || !group().is(ClassicGroup.Phase.PREPARING_REBALANCE)) return;
    if (group().initialJoin && group().newMemberAdded && group().initialJoinRemainingMs > 0) {
      // Kafka's InitialDelayedJoin: members are still arriving, wait another delay (bounded by the rebalance timeout)
      group().newMemberAdded = false;
      var delay = Math.min(context.settings.initialRebalanceDelayMs(), group().initialJoinRemainingMs);
      group().initialJoinRemainingMs = Math.max(group().initialJoinRemainingMs - delay, 0);
      context.startTimer(JOIN_TIMER, new JoinDeadline(group().joinEpoch), delay);
      return;
    }
    completeJoin();
  }

  /**
   * Completes the join early when everyone has joined (never during the initial delay), and at once
   * when no member is left: Kafka's join then has a rebalance timeout of 0 and expires immediately.
   */
  void tryCompleteJoin() {
    if (group().is(ClassicGroup.Phase.PREPARING_REBALANCE) && !group().initialJoin
        && (group().hasAllMembersJoined() || group().members.isEmpty())) {
      completeJoin();
    }
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
      group().initialJoin = false;
      group().joinEpoch = context.nextEpoch();
      context.startTimer(JOIN_TIMER, new JoinDeadline(group().joinEpoch), group().rebalanceTimeoutMs());
      return;
    }
    context.cancelTimer(JOIN_TIMER);
    group().initialJoin = false;
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
        context.replyJoin(m.awaitingJoin, m.joinVersion, joinSuccess(group(), m.joinVersion, m.memberId, isLeader, group().leaderId, false));
        m.awaitingJoin = null;
      }
      scheduleSessionTimeout(m, m.sessionTimeoutMs);
      m.isNew = false;
      group().pendingSyncMembers.add(m.memberId);
    }
    context.startTimer(SYNC_TIMER, new SyncDeadline(group().generationId), group().rebalanceTimeoutMs());
  }

  /**
   * Members that got their JoinGroup response but never sent SyncGroup within the rebalance timeout
   * are removed. Nothing happens when the deadline is stale or everyone synced.
   */
  void onSyncDeadline(SyncDeadline c) {
    if (c.generationId() != group().generationId
        || !(group().is(ClassicGroup.Phase.COMPLETING_REBALANCE) || group().is(ClassicGroup.Phase.STABLE))
        || group().pendingSyncMembers.isEmpty()) {
      return;
    }
    for (var id : List.copyOf(group().pendingSyncMembers)) {
      var m = group().get(id);
      if (m != null) removeSilently(m);
    }
    prepareRebalance();
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
    context.cancelTimer(sessionTimerKey(m.memberId));
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

  /** Nothing happens when the timer is stale or the member is parked (alive). */
  void onSessionExpired(SessionExpired c) {
    var m = group().get(c.memberId());
    if (m == null || m.heartbeatEpoch != c.epoch()) return;
    // as Kafka: a known member parked in JoinGroup/SyncGroup is alive; its timer restarts when answered
    if (!m.isNew && (m.isAwaitingJoin() || m.awaitingSync != null)) return;
    context.log().info("Group {}: member {} session expired, removing it", context.groupId, c.memberId());
    removeMemberAndUpdateGroup(m);
  }

  void onPendingMemberExpired(PendingMemberExpired c) {
    group().pendingMembers.remove(c.memberId());
  }

  // ---------------------------------------------------------------- member timers

  void scheduleSessionTimeout(MemberMetadata m, long timeoutMs) {
    m.heartbeatEpoch = context.nextEpoch();
    context.startTimer(sessionTimerKey(m.memberId), new SessionExpired(m.memberId, m.heartbeatEpoch), timeoutMs);
  }

  void cancelSessionTimeout(String memberId) {
    context.cancelTimer(sessionTimerKey(memberId));
  }

  /** A member id handed out with MEMBER_ID_REQUIRED is forgotten unless the member joins with it in time. */
  void startPendingMemberTimeout(String memberId, long timeoutMs) {
    context.startTimer(pendingTimerKey(memberId), new PendingMemberExpired(memberId), timeoutMs);
  }

  void cancelPendingMemberTimeout(String memberId) {
    context.cancelTimer(pendingTimerKey(memberId));
  }

  private static String sessionTimerKey(String memberId) {
    return "session|" + memberId;
  }

  private static String pendingTimerKey(String memberId) {
    return "pending|" + memberId;
  }
}
