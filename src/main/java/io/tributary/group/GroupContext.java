package io.tributary.group;

import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.TimerScheduler;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;

/**
 * What the parts of one {@link GroupEntity} share while they handle its commands: the live group,
 * the outbox of events and replies, and the entity's timers, clock and settings. One per entity
 * incarnation, confined to its actor like the entity itself.
 */
final class GroupContext {
  final String groupId;
  final GroupSettings settings;
  /** Clock (ms) for the timestamps in events and for offset retention. */
  final LongSupplier clock;
  final TimerScheduler<GroupEntity.Command> timers;
  private final ActorContext<GroupEntity.Command> actor;

  /** Live group, rebuilt from the durable state when recovery completes; replaced when the group is deleted. */
  ClassicGroup group = new ClassicGroup();

  /** What the command being handled wants persisted, and what to do once it is (see GroupEntity's flush). */
  final List<GroupEntity.Event> outboxEvents = new ArrayList<>();
  final List<Runnable> outboxActions = new ArrayList<>();

  GroupContext(String groupId, GroupSettings settings, LongSupplier clock, ActorContext<GroupEntity.Command> actor,
      TimerScheduler<GroupEntity.Command> timers) {
    this.groupId = groupId;
    this.settings = settings;
    this.clock = clock;
    this.actor = actor;
    this.timers = timers;
  }

  Logger log() {
    return actor.getLog();
  }

  ActorRef<GroupEntity.Command> self() {
    return actor.getSelf();
  }

  /** Replies go out after this command's events are persisted (immediately when there are none). */
  <T> void reply(ActorRef<T> to, T message) {
    outboxActions.add(() -> to.tell(message));
  }

  void replyJoinError(ActorRef<JoinGroupResponseData> to, short version, String memberId, Errors error) {
    reply(to, GroupReplies.joinError(version, memberId, error));
  }

  void replySyncError(ActorRef<SyncGroupResponseData> to, Errors error) {
    reply(to, GroupReplies.syncError(error));
  }

  /** Kafka keeps a group while it has members, pending members, offsets or a generation. */
  boolean exists(GroupEntity.State s) {
    return s.generationId() > 0 || group.generationId > 0 || !s.offsets().isEmpty()
        || !group.members.isEmpty() || !group.pendingMembers.isEmpty();
  }
}
