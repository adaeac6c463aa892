package io.tributary.group;

import akka.Done;
import io.tributary.group.GroupEntity.CommitOffsets;
import io.tributary.group.GroupEntity.CompleteTxnOffsets;
import io.tributary.group.GroupEntity.TxnCommitOffsets;
import io.tributary.group.GroupEntity.TxnOffsetsCompleted;
import io.tributary.group.GroupEntity.TxnOffsetsPending;
import io.tributary.group.GroupEntity.CommittedOffset;
import io.tributary.group.GroupEntity.DeleteOffsets;
import io.tributary.group.GroupEntity.FetchOffsets;
import io.tributary.group.GroupEntity.GroupDeleted;
import io.tributary.group.GroupEntity.OffsetsCommitted;
import io.tributary.group.GroupEntity.OffsetsDeleted;
import io.tributary.group.GroupEntity.RemoveTopicOffsets;
import io.tributary.group.GroupEntity.RetentionCheck;
import io.tributary.group.GroupEntity.State;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.Errors;

/**
 * A group's committed offsets: OffsetCommit, OffsetFetch, OffsetDelete, the removal of deleted
 * topics' offsets, and retention (Kafka's KIP-211 rules, checked on a timer), which may also forget
 * an empty group. The offsets themselves are the durable {@link State}; this reads them and the
 * command's copy of the group and fills the outbox of its {@link GroupContext}, and {@link
 * GroupEntity} persists (an offset commit is answered only once its event is persisted).
 */
final class GroupOffsets {
  private static final String RETENTION_TIMER = "retention";

  private final GroupContext context;
  private final Rebalancer rebalancer;

  GroupOffsets(GroupContext context, Rebalancer rebalancer) {
    this.context = context;
    this.rebalancer = rebalancer;
  }

  private ClassicGroup group() {
    return context.group;
  }

  /** Once recovered: the periodic retention check, and one at once for offsets that expired while the entity was not running. */
  void startRetentionChecks(State s) {
    context.timers().startTimerWithFixedDelay(RETENTION_TIMER, RetentionCheck.INSTANCE, Duration.ofMillis(context.settings.offsetsRetentionCheckIntervalMs()));
    if (!expiredOffsets(s, context.clock.getAsLong()).isEmpty()) context.self().tell(RetentionCheck.INSTANCE);
  }

  void onCommitOffsets(State s, CommitOffsets c) {
    var error = validateOffsetCommit(s, c);
    if (error == Errors.NONE) {
      switch (group().phase) {
        case COMPLETING_REBALANCE -> error = Errors.REBALANCE_IN_PROGRESS;
        case STABLE, PREPARING_REBALANCE -> {
          // a commit from a member also counts as a sign of life (a simple commit, accepted while no member is left, is none)
          var m = group().get(c.memberId());
          if (m != null) rebalancer.scheduleSessionTimeout(m, m.sessionTimeoutMs);
        }
        default -> {}
      }
    }
    var byTopic = new LinkedHashMap<String, OffsetCommitResponseData.OffsetCommitResponseTopic>();
    var committed = accepted(c.offsets(), error, (o, partitionError) ->
        byTopic.computeIfAbsent(o.topic(), t -> new OffsetCommitResponseData.OffsetCommitResponseTopic().setName(t))
            .partitions().add(new OffsetCommitResponseData.OffsetCommitResponsePartition()
                .setPartitionIndex(o.partition()).setErrorCode(partitionError.code())));
    if (!committed.isEmpty()) context.outboxEvents.add(new OffsetsCommitted(committed));
    context.reply(c.replyTo(), new OffsetCommitResponseData().setTopics(new ArrayList<>(byTopic.values())));
  }

  /**
   * The offsets of a commit that passed validation ({@code error} NONE) and whose metadata is not too large, stamped
   * with the commit time; {@code answer} gets each partition's error (the group's error, OFFSET_METADATA_TOO_LARGE or
   * NONE), in request order.
   */
  private Map<TopicPartition, CommittedOffset> accepted(List<GroupEntity.PartitionOffset> offsets, Errors error,
                                                       BiConsumer<GroupEntity.PartitionOffset, Errors> answer) {
    var now = context.clock.getAsLong();
    var accepted = new HashMap<TopicPartition, CommittedOffset>();
    for (var o : offsets) {
      var partitionError = error;
      if (error == Errors.NONE) {
        if (o.metadata() != null && o.metadata().length() > context.settings.offsetMetadataMaxBytes()) {
          partitionError = Errors.OFFSET_METADATA_TOO_LARGE;
        } else {
          accepted.put(new TopicPartition(o.topic(), o.partition()),
              new CommittedOffset(o.offset(), o.leaderEpoch(), o.metadata() == null ? "" : o.metadata(), now));
        }
      }
      answer.accept(o, partitionError);
    }
    return accepted;
  }

  /** Kafka's validateOffsetCommit for a non-transactional commit. */
  private Errors validateOffsetCommit(State s, CommitOffsets c) {
    if (!context.exists(s)) {
      // an unknown group accepts only a simple commit, which creates it
      return c.generationId() < 0 ? Errors.NONE : Errors.ILLEGAL_GENERATION;
    }
    if (c.generationId() < 0 && group().is(ClassicGroup.Phase.EMPTY)) return Errors.NONE;
    if (c.generationId() >= 0 || !c.memberId().isEmpty() || c.groupInstanceId() != null) {
      var error = group().validateCurrentMember(c.memberId(), c.groupInstanceId());
      if (error != Errors.NONE) return error;
      return c.generationId() == group().generationId ? Errors.NONE : Errors.ILLEGAL_GENERATION;
    }
    return group().is(ClassicGroup.Phase.EMPTY) ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
  }

  /**
   * TxnOffsetCommit (Kafka's GroupCoordinator.doTxnCommitOffsets): a group that does not exist is created by it; a
   * member id that is given must be a member (static members are checked for fencing), a generation that is given
   * must be the current one. The offsets stay pending for the producer until its transaction completes.
   */
  void onTxnCommitOffsets(State s, TxnCommitOffsets c) {
    Errors error = Errors.NONE;
    if (!c.memberId().isEmpty() || c.groupInstanceId() != null) {
      error = group().validateCurrentMember(c.memberId(), c.groupInstanceId());
    }
    if (error == Errors.NONE && c.generationId() >= 0 && c.generationId() != group().generationId) {
      error = Errors.ILLEGAL_GENERATION;
    }
    var byTopic = new LinkedHashMap<String, TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic>();
    var pending = accepted(c.offsets(), error, (o, partitionError) ->
        byTopic.computeIfAbsent(o.topic(), t -> new TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic().setName(t))
            .partitions().add(new TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition()
                .setPartitionIndex(o.partition()).setErrorCode(partitionError.code())));
    if (!pending.isEmpty()) context.outboxEvents.add(new TxnOffsetsPending(c.producerId(), pending));
    context.reply(c.replyTo(), new TxnOffsetCommitResponseData().setTopics(new ArrayList<>(byTopic.values())));
  }

  /** The transaction's marker reached the group: its pending offsets are committed or dropped (idempotent). */
  void onCompleteTxnOffsets(State s, CompleteTxnOffsets c) {
    if (s.pendingTxnOffsets().containsKey(c.producerId())) {
      context.outboxEvents.add(new TxnOffsetsCompleted(c.producerId(), c.commit()));
    }
    context.reply(c.replyTo(), Done.getInstance());
  }

  void onFetchOffsets(State s, FetchOffsets c) {
    var byTopic = new TreeMap<String, OffsetFetchResponseTopics>();
    var wanted = c.partitions() != null ? c.partitions() : sorted(s.offsets().keySet());
    for (var tp : wanted) {
      var o = s.offsets().get(tp);
      var partition = new OffsetFetchResponsePartitions().setPartitionIndex(tp.partition());
      if (c.requireStable() && s.hasPendingTxnOffset(tp)) {
        // Kafka: the offset is not stable until the transaction that commits it completes; the consumer retries
        partition.setCommittedOffset(-1L).setCommittedLeaderEpoch(-1).setMetadata("")
            .setErrorCode(Errors.UNSTABLE_OFFSET_COMMIT.code());
      } else {
        partition.setCommittedOffset(o == null ? -1L : o.offset())
            .setCommittedLeaderEpoch(o == null ? -1 : o.leaderEpoch())
            .setMetadata(o == null ? "" : o.metadata())
            .setErrorCode(Errors.NONE.code());
      }
      byTopic.computeIfAbsent(tp.topic(), t -> new OffsetFetchResponseTopics().setName(t)).partitions().add(partition);
    }
    context.reply(c.replyTo(), new OffsetFetchResponseGroup().setGroupId(context.groupId).setTopics(new ArrayList<>(byTopic.values())));
  }

  void onDeleteOffsets(State s, DeleteOffsets c) {
    var response = new OffsetDeleteResponseData();
    if (!context.exists(s)) {
      context.reply(c.replyTo(), response.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()));
      return;
    }
    var consumerGroup = ConsumerProtocol.PROTOCOL_TYPE.equals(group().protocolType);
    if (!group().is(ClassicGroup.Phase.EMPTY) && !consumerGroup) {
      context.reply(c.replyTo(), response.setErrorCode(Errors.NON_EMPTY_GROUP.code()));
      return;
    }
    var deletable = new ArrayList<TopicPartition>();
    for (var tp : c.partitions()) {
      var error = !group().is(ClassicGroup.Phase.EMPTY) && group().isSubscribedToTopic(tp.topic()) ? Errors.GROUP_SUBSCRIBED_TO_TOPIC : Errors.NONE;
      if (error == Errors.NONE && s.offsets().containsKey(tp)) deletable.add(tp);
      var topic = response.topics().find(tp.topic());
      if (topic == null) {
        topic = new OffsetDeleteResponseData.OffsetDeleteResponseTopic().setName(tp.topic());
        response.topics().add(topic);
      }
      topic.partitions().add(new OffsetDeleteResponseData.OffsetDeleteResponsePartition()
          .setPartitionIndex(tp.partition()).setErrorCode(error.code()));
    }
    if (!deletable.isEmpty()) context.outboxEvents.add(new OffsetsDeleted(deletable));
    context.reply(c.replyTo(), response);
  }

  void onRemoveTopicOffsets(State s, RemoveTopicOffsets c) {
    var gone = sorted(s.offsets().keySet()).stream().filter(tp -> c.topics().contains(tp.topic())).toList();
    if (!gone.isEmpty()) context.outboxEvents.add(new OffsetsDeleted(gone));
    context.reply(c.replyTo(), Done.getInstance());
  }

  void onRetentionCheck(State s) {
    var now = context.clock.getAsLong();
    var expired = expiredOffsets(s, now);
    if (!expired.isEmpty()) {
      context.log().info("Group {}: {} offsets expired", context.groupId, expired.size());
      context.outboxEvents.add(new OffsetsDeleted(expired));
    }
    // an empty group without offsets is forgotten, as Kafka's cleanup does
    if (group().is(ClassicGroup.Phase.EMPTY) && group().pendingMembers.isEmpty() && s.generationId() > 0
        && expired.size() == s.offsets().size()) {
      context.outboxEvents.add(new GroupDeleted(now));
      context.group = new ClassicGroup();
    }
  }

  /**
   * Kafka's retention rules: an Empty group that used group management loses all offsets once it
   * has been empty for the retention time; a group that never had members (simple commits) loses
   * each offset by its commit time; a consumer group with members loses offsets of topics it no
   * longer subscribes to by their commit time.
   */
  private List<TopicPartition> expiredOffsets(State s, long now) {
    var retention = context.settings.offsetsRetentionMs();
    var result = new ArrayList<TopicPartition>();
    for (var e : sorted(s.offsets().keySet())) {
      var o = s.offsets().get(e);
      boolean expired;
      if (group().is(ClassicGroup.Phase.EMPTY)) {
        var base = s.protocolType() != null && s.stateTimestamp() >= 0 ? s.stateTimestamp() : o.commitTimestamp();
        expired = base + retention <= now;
      } else if (ConsumerProtocol.PROTOCOL_TYPE.equals(group().protocolType) && group().subscribedTopics != null) {
        expired = !group().subscribedTopics.contains(e.topic()) && o.commitTimestamp() + retention <= now;
      } else {
        expired = false;
      }
      if (expired) result.add(e);
    }
    return result;
  }

  private static List<TopicPartition> sorted(Set<TopicPartition> partitions) {
    var list = new ArrayList<>(partitions);
    list.sort((a, b) -> a.topic().equals(b.topic()) ? Integer.compare(a.partition(), b.partition()) : a.topic().compareTo(b.topic()));
    return list;
  }
}
