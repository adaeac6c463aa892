package io.tributary.group;

import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.TimerScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;

/**
 * What the parts of one {@link GroupEntity} share while they handle its commands: the live group,
 * the outbox of events, replies and timer changes, and the entity's timers, clock and settings. One
 * per entity incarnation, confined to its actor like the entity itself.
 *
 * <p>A command works on {@link #group}, a copy of the {@link #committed} group made by {@link
 * #begin}; the handlers only change that copy and fill the outbox. {@link GroupEntity} persists the
 * outbox's events and, once they are persisted, {@link #commit}s the copy and runs the outbox's
 * actions (replies and timers) in order. If the persist fails, the copy and the actions are dropped
 * and the replies are sent in their failed form instead.
 */
final class GroupContext {
  final String groupId;
  final GroupSettings settings;
  /** Clock (ms) for the timestamps in events and for offset retention. */
  final LongSupplier clock;
  private final TimerScheduler<GroupEntity.Command> timers;
  private final ActorContext<GroupEntity.Command> actor;

  /** The live group as of the last persisted command; rebuilt from the durable state when recovery completes. */
  ClassicGroup committed = new ClassicGroup();
  /** The group the command being handled changes: a copy of {@link #committed}, which it replaces on success. */
  ClassicGroup group = committed;

  /** What the command being handled wants persisted. */
  final List<GroupEntity.Event> outboxEvents = new ArrayList<>();
  /** What to do once they are persisted (replies and timer changes, in order). */
  final List<Runnable> outboxActions = new ArrayList<>();
  /** The replies among the actions, with what to send instead if the persist fails. */
  final List<PendingReply<?>> outboxReplies = new ArrayList<>();

  /** Source of timer epochs; never reset, so a timer message of an earlier incarnation or command cannot match. */
  private long epochs;

  /** A reply to send once the events are persisted, and its form for a failed persist. */
  record PendingReply<T>(ActorRef<T> to, T message, Function<Errors, T> failed) {
    void sendFailed(Errors error) {
      T reply = failed.apply(error);
      if (!(reply instanceof akka.Done)) to.tell(reply); // Done has no error form: the asker's timeout tells it
    }
  }

  GroupContext(String groupId, GroupSettings settings, LongSupplier clock, ActorContext<GroupEntity.Command> actor,
      TimerScheduler<GroupEntity.Command> timers) {
    this.groupId = groupId;
    this.settings = settings;
    this.clock = clock;
    this.actor = actor;
    this.timers = timers;
  }

  /** Before each command: a fresh copy of the committed group and an empty outbox. */
  void begin() {
    group = committed.copy();
    outboxEvents.clear();
    outboxActions.clear();
    outboxReplies.clear();
  }

  /** Once the command's events are persisted (or it had none): its group becomes the live one. */
  void commit(ClassicGroup next) {
    committed = next;
    group = next;
  }

  /** After recovery: the group rebuilt from the durable state, nothing in the outbox. */
  void reset(ClassicGroup recovered) {
    commit(recovered);
    outboxEvents.clear();
    outboxActions.clear();
    outboxReplies.clear();
  }

  Logger log() {
    return actor.getLog();
  }

  ActorRef<GroupEntity.Command> self() {
    return actor.getSelf();
  }

  long nextEpoch() {
    return ++epochs;
  }

  /** Replies go out after this command's events are persisted (at once when there are none). */
  <T> void reply(ActorRef<T> to, T message) {
    reply(to, message, error -> GroupReplies.failed(message, error));
  }

  private <T> void reply(ActorRef<T> to, T message, Function<Errors, T> failed) {
    outboxActions.add(() -> to.tell(message));
    outboxReplies.add(new PendingReply<>(to, message, failed));
  }

  /** A JoinGroup reply; its failed form depends on the request version. */
  void replyJoin(ActorRef<JoinGroupResponseData> to, short version, JoinGroupResponseData message) {
    reply(to, message, error -> GroupReplies.joinError(version, message.memberId(), error));
  }

  void replyJoinError(ActorRef<JoinGroupResponseData> to, short version, String memberId, Errors error) {
    replyJoin(to, version, GroupReplies.joinError(version, memberId, error));
  }

  void replySyncError(ActorRef<SyncGroupResponseData> to, Errors error) {
    reply(to, GroupReplies.syncError(error));
  }

  /**
   * Starts (or restarts) timer {@code key} once the command's events are persisted. Never 0 ms: a
   * timer is always at least 1 ms in the future, so that it fires after the command that started it.
   */
  void startTimer(String key, GroupEntity.Command message, long delayMs) {
    outboxActions.add(() -> timers.startSingleTimer(key, message, Duration.ofMillis(Math.max(delayMs, 1))));
  }

  void cancelTimer(String key) {
    outboxActions.add(() -> timers.cancel(key));
  }

  /** The timers themselves, for the entity's own set-up after recovery (not for command handlers). */
  TimerScheduler<GroupEntity.Command> timers() {
    return timers;
  }

  /** Kafka keeps a group while it has members, pending members, offsets or a generation. */
  boolean exists(GroupEntity.State s) {
    return s.generationId() > 0 || group.generationId > 0 || !s.offsets().isEmpty() || !s.pendingTxnOffsets().isEmpty()
        || !group.members.isEmpty() || !group.pendingMembers.isEmpty();
  }
}
