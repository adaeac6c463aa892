package io.tributary.group;

import static io.tributary.group.GroupReplies.joinSuccess;
import static io.tributary.group.GroupReplies.syncSuccess;

import io.tributary.group.GroupEntity.AssignmentsReceived;
import io.tributary.group.GroupEntity.Heartbeat;
import io.tributary.group.GroupEntity.Join;
import io.tributary.group.GroupEntity.Leave;
import io.tributary.group.GroupEntity.State;
import io.tributary.group.GroupEntity.StaticMemberReplaced;
import io.tributary.group.GroupEntity.Sync;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * The requests of group members: JoinGroup (new, pending, static and current members), SyncGroup,
 * Heartbeat and LeaveGroup, validated and answered as Kafka's GroupCoordinator does. Rebalances,
 * member removal and session timers are the {@link Rebalancer}'s; like it, this only changes the
 * command's copy of the group and fills the outbox of its {@link GroupContext}, and {@link
 * GroupEntity} persists and then commits the copy.
 */
final class MembershipRequests {
  private final GroupContext context;
  private final Rebalancer rebalancer;

  MembershipRequests(GroupContext context, Rebalancer rebalancer) {
    this.context = context;
    this.rebalancer = rebalancer;
  }

  private ClassicGroup group() {
    return context.group;
  }

  // ---------------------------------------------------------------- JoinGroup

  void onJoin(State s, Join c) {
    if (c.sessionTimeoutMs() < context.settings.minSessionTimeoutMs() || c.sessionTimeoutMs() > context.settings.maxSessionTimeoutMs()) {
      context.replyJoinError(c.replyTo(), c.apiVersion(), c.memberId(), Errors.INVALID_SESSION_TIMEOUT);
    } else if (!c.memberId().isEmpty() && !context.exists(s)) {
      context.replyJoinError(c.replyTo(), c.apiVersion(), c.memberId(), Errors.UNKNOWN_MEMBER_ID);
    } else if (!acceptJoiningMember(c.memberId())) {
      context.replyJoinError(c.replyTo(), c.apiVersion(), "", Errors.GROUP_MAX_SIZE_REACHED);
    } else if (c.memberId().isEmpty()) {
      newMemberJoin(c);
    } else {
      currentMemberJoin(c);
    }
  }

  private boolean acceptJoiningMember(String memberId) {
    return switch (group().phase) {
      case EMPTY, DEAD -> true;
      case PREPARING_REBALANCE -> (group().has(memberId) && group().get(memberId).isAwaitingJoin())
          || group().members.values().stream().filter(MemberMetadata::isAwaitingJoin).count() < context.settings.maxSize();
      default -> group().has(memberId) || group().members.size() < context.settings.maxSize();
    };
  }

  private void newMemberJoin(Join c) {
    if (!group().supportsProtocols(c.protocolType(), c.protocols())) {
      context.replyJoinError(c.replyTo(), c.apiVersion(), "", Errors.INCONSISTENT_GROUP_PROTOCOL);
      return;
    }
    var newMemberId = c.clientId() + "-" + UUID.randomUUID();
    if (c.groupInstanceId() != null) {
      var oldMemberId = group().staticMembers.get(c.groupInstanceId());
      if (oldMemberId != null) updateStaticMemberAndRebalance(oldMemberId, newMemberId, c);
      else addMemberAndRebalance(newMemberId, c);
    } else if (c.apiVersion() >= 4) {
      group().pendingMembers.add(newMemberId);
      rebalancer.startPendingMemberTimeout(newMemberId, c.sessionTimeoutMs());
      context.replyJoinError(c.replyTo(), c.apiVersion(), newMemberId, Errors.MEMBER_ID_REQUIRED);
    } else {
      addMemberAndRebalance(newMemberId, c);
    }
  }

  private void currentMemberJoin(Join c) {
    var memberId = c.memberId();
    if (!group().supportsProtocols(c.protocolType(), c.protocols())) {
      context.replyJoinError(c.replyTo(), c.apiVersion(), memberId, Errors.INCONSISTENT_GROUP_PROTOCOL);
      return;
    }
    if (group().pendingMembers.contains(memberId)) {
      if (c.groupInstanceId() != null) { // pending members are never static
        context.replyJoinError(c.replyTo(), c.apiVersion(), memberId, Errors.UNKNOWN_MEMBER_ID);
        return;
      }
      rebalancer.cancelPendingMemberTimeout(memberId);
      addMemberAndRebalance(memberId, c);
      return;
    }
    var error = group().validateCurrentMember(memberId, c.groupInstanceId());
    if (error != Errors.NONE) {
      context.replyJoinError(c.replyTo(), c.apiVersion(), memberId, error);
      return;
    }
    var m = group().get(memberId);
    switch (group().phase) {
      case PREPARING_REBALANCE -> updateMemberAndRebalance(m, c);
      case COMPLETING_REBALANCE -> {
        if (m.matches(c.protocols())) {
          // the member lost its JoinGroup response: send the current generation again
          context.replyJoin(c.replyTo(), c.apiVersion(), joinSuccess(group(), c.apiVersion(), memberId, group().isLeader(memberId), group().leaderId, false));
        } else {
          updateMemberAndRebalance(m, c);
        }
      }
      case STABLE -> {
        if (group().isLeader(memberId) || !m.matches(c.protocols())) {
          updateMemberAndRebalance(m, c); // a leader rejoin lets it react to metadata changes
        } else {
          context.replyJoin(c.replyTo(), c.apiVersion(), joinSuccess(group(), c.apiVersion(), memberId, false, group().leaderId, false));
        }
      }
      default -> context.replyJoinError(c.replyTo(), c.apiVersion(), memberId, Errors.UNKNOWN_MEMBER_ID);
    }
  }

  private void addMemberAndRebalance(String memberId, Join c) {
    var m = new MemberMetadata(memberId, c.groupInstanceId(), c.clientId(), c.clientHost(), c.rebalanceTimeoutMs(),
        c.sessionTimeoutMs(), c.protocolType(), c.protocols());
    m.isNew = true;
    if (group().is(ClassicGroup.Phase.PREPARING_REBALANCE) && group().generationId == 0) group().newMemberAdded = true;
    group().add(m);
    m.awaitingJoin = c.replyTo();
    m.joinVersion = c.apiVersion();
    // a new member cannot heartbeat before its join completes; bound how long it may linger
    rebalancer.scheduleSessionTimeout(m, context.settings.newMemberJoinTimeoutMs());
    rebalancer.maybePrepareRebalance();
  }

  private void updateMemberAndRebalance(MemberMetadata m, Join c) {
    updateMember(m, c);
    rebalancer.maybePrepareRebalance();
  }

  private void updateMember(MemberMetadata m, Join c) {
    // a JoinGroup this one supersedes (its client gave up on it) is answered rather than left to time out
    if (m.awaitingJoin != null && !m.awaitingJoin.equals(c.replyTo())) {
      context.replyJoinError(m.awaitingJoin, m.joinVersion, m.memberId, Errors.REBALANCE_IN_PROGRESS);
    }
    m.protocols = List.copyOf(c.protocols());
    m.rebalanceTimeoutMs = c.rebalanceTimeoutMs();
    m.sessionTimeoutMs = c.sessionTimeoutMs();
    m.clientId = c.clientId();
    m.clientHost = c.clientHost();
    m.awaitingJoin = c.replyTo();
    m.joinVersion = c.apiVersion();
  }

  private void updateStaticMemberAndRebalance(String oldMemberId, String newMemberId, Join c) {
    var currentLeader = group().leaderId;
    var old = group().get(oldMemberId);
    // fence whatever the old incarnation has parked
    if (old.awaitingJoin != null) context.replyJoinError(old.awaitingJoin, old.joinVersion, oldMemberId, Errors.FENCED_INSTANCE_ID);
    if (old.awaitingSync != null) context.replySyncError(old.awaitingSync, Errors.FENCED_INSTANCE_ID);
    old.awaitingJoin = null;
    old.awaitingSync = null;
    rebalancer.cancelSessionTimeout(oldMemberId);
    var m = group().replaceStaticMember(c.groupInstanceId(), oldMemberId, newMemberId);
    rebalancer.scheduleSessionTimeout(m, m.sessionTimeoutMs);
    updateMember(m, c);
    switch (group().phase) {
      case STABLE -> {
        if (Objects.equals(group().protocolName, group().selectProtocol())) {
          // same protocol: no rebalance, just remember the new member id
          context.outboxEvents.add(new StaticMemberReplaced(oldMemberId, group().memberRecord(m)));
          var isLeader = group().isLeader(newMemberId);
          m.awaitingJoin = null;
          if (c.apiVersion() >= 9) {
            context.replyJoin(c.replyTo(), c.apiVersion(), joinSuccess(group(), c.apiVersion(), newMemberId, isLeader, group().leaderId, isLeader));
          } else {
            // before v9, answer with the old leader id so that a rejoining leader does not run the assignor
            context.replyJoin(c.replyTo(), c.apiVersion(), joinSuccess(group(), c.apiVersion(), newMemberId, false, currentLeader, false));
          }
        } else {
          rebalancer.maybePrepareRebalance();
        }
      }
      // the leader may be assigning for the old member id: start over
      case COMPLETING_REBALANCE -> rebalancer.prepareRebalance();
      default -> {} // PreparingRebalance: the member simply takes part
    }
  }

  // ---------------------------------------------------------------- SyncGroup, Heartbeat, LeaveGroup

  void onSync(State s, Sync c) {
    var error = context.exists(s) ? group().validateCurrentMember(c.memberId(), c.groupInstanceId()) : Errors.UNKNOWN_MEMBER_ID;
    if (error == Errors.NONE) {
      if (c.generationId() != group().generationId) error = Errors.ILLEGAL_GENERATION;
      else if (c.protocolType() != null && !c.protocolType().equals(group().protocolType)) error = Errors.INCONSISTENT_GROUP_PROTOCOL;
      else if (c.protocolName() != null && !c.protocolName().equals(group().protocolName)) error = Errors.INCONSISTENT_GROUP_PROTOCOL;
    }
    if (error != Errors.NONE) {
      context.replySyncError(c.replyTo(), error);
      return;
    }
    var m = group().get(c.memberId());
    switch (group().phase) {
      case EMPTY -> context.replySyncError(c.replyTo(), Errors.UNKNOWN_MEMBER_ID);
      case PREPARING_REBALANCE -> context.replySyncError(c.replyTo(), Errors.REBALANCE_IN_PROGRESS);
      case COMPLETING_REBALANCE -> {
        if (m.awaitingSync != null && !m.awaitingSync.equals(c.replyTo())) context.replySyncError(m.awaitingSync, Errors.REBALANCE_IN_PROGRESS);
        m.awaitingSync = c.replyTo();
        group().pendingSyncMembers.remove(c.memberId());
        // assignments from a follower are ignored, as Kafka does; only the leader's count
        if (group().isLeader(c.memberId())) {
          var assignments = new LinkedHashMap<String, byte[]>();
          for (var id : group().members.keySet()) assignments.put(id, c.assignments().getOrDefault(id, new byte[0]));
          context.outboxEvents.add(new AssignmentsReceived(group().generationId, assignments));
          for (var member : group().members.values()) {
            member.assignment = assignments.get(member.memberId);
            if (member.awaitingSync != null) {
              context.reply(member.awaitingSync, syncSuccess(group(), member.assignment));
              member.awaitingSync = null;
              rebalancer.scheduleSessionTimeout(member, member.sessionTimeoutMs);
            }
          }
          group().phase = ClassicGroup.Phase.STABLE;
        }
      }
      case STABLE -> {
        group().pendingSyncMembers.remove(c.memberId());
        context.reply(c.replyTo(), syncSuccess(group(), m.assignment));
        rebalancer.scheduleSessionTimeout(m, m.sessionTimeoutMs);
      }
      default -> context.replySyncError(c.replyTo(), Errors.COORDINATOR_NOT_AVAILABLE);
    }
  }

  void onHeartbeat(State s, Heartbeat c) {
    var error = context.exists(s) ? group().validateCurrentMember(c.memberId(), c.groupInstanceId()) : Errors.UNKNOWN_MEMBER_ID;
    if (error == Errors.NONE && c.generationId() != group().generationId) error = Errors.ILLEGAL_GENERATION;
    if (error == Errors.NONE) {
      var m = group().get(c.memberId());
      switch (group().phase) {
        case EMPTY -> error = Errors.UNKNOWN_MEMBER_ID;
        case PREPARING_REBALANCE -> {
          rebalancer.scheduleSessionTimeout(m, m.sessionTimeoutMs);
          error = Errors.REBALANCE_IN_PROGRESS;
        }
        case COMPLETING_REBALANCE, STABLE -> rebalancer.scheduleSessionTimeout(m, m.sessionTimeoutMs);
        default -> error = Errors.COORDINATOR_NOT_AVAILABLE;
      }
    }
    context.reply(c.replyTo(), new HeartbeatResponseData().setErrorCode(error.code()));
  }

  void onLeave(State s, Leave c) {
    var response = new LeaveGroupResponseData();
    var exists = context.exists(s);
    for (var lm : c.members()) {
      Errors error;
      if (!exists) {
        error = Errors.UNKNOWN_MEMBER_ID;
      } else if (lm.memberId() == null || lm.memberId().isEmpty()) {
        // administrative removal by group instance id
        var current = lm.groupInstanceId() == null ? null : group().staticMembers.get(lm.groupInstanceId());
        if (current != null) {
          rebalancer.removeMemberAndUpdateGroup(group().get(current));
          error = Errors.NONE;
        } else {
          error = Errors.UNKNOWN_MEMBER_ID;
        }
      } else if (group().pendingMembers.remove(lm.memberId())) {
        rebalancer.cancelPendingMemberTimeout(lm.memberId());
        error = Errors.NONE;
      } else {
        error = group().validateCurrentMember(lm.memberId(), lm.groupInstanceId());
        if (error == Errors.NONE) rebalancer.removeMemberAndUpdateGroup(group().get(lm.memberId()));
      }
      response.members().add(new LeaveGroupResponseData.MemberResponse()
          .setMemberId(lm.memberId()).setGroupInstanceId(lm.groupInstanceId()).setErrorCode(error.code()));
    }
    context.reply(c.replyTo(), response);
  }
}
