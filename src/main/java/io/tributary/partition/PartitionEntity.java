package io.tributary.partition;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.StashBuffer;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.ClusterShardingSettings;
import akka.cluster.sharding.typed.ShardingEnvelope;
import akka.cluster.sharding.typed.ShardingMessageExtractor;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.actor.NoSerializationVerificationNeeded;
import io.tributary.concurrent.Failures;
import io.tributary.metadata.NodePinnedAllocation;
import io.tributary.metadata.TopicInfo;
import io.tributary.storage.LogConfig;
import io.tributary.storage.Directories;
import io.tributary.storage.PartitionLog;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One partition, as a sharded entity (one shard per partition, so placement is per partition).
 * It opens the partition's log off the actor (recovery may take a while; requests are stashed
 * meanwhile), owns the log's single writer ({@link AppendPipeline}), hands out a
 * {@link PartitionHandle} for reads and writes, runs retention on a timer, and passivates itself
 * when idle so that file handles are closed and a node can hold many thousands of partitions.
 */
public final class PartitionEntity {
  private static final Logger log = LoggerFactory.getLogger(PartitionEntity.class);

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "partition");

  /** Every message the entity receives; those that may come through sharding have a serializer (PartitionSerializer). */
  public sealed interface Command {}

  /**
   * Opens the partition's log (if it is not open) and answers {@link Opened} once its handle is in this node's
   * {@link Partitions}: the handle itself never travels in a message.
   */
  public record Open(ActorRef<OpenReply> replyTo) implements Command {}

  /** The topic was deleted (or recreated with another id): delete the log and stop. */
  public record Delete() implements Command {}

  /** The topic's config changed: apply what metadata now says. */
  public record ConfigChanged() implements Command {}

  /** Sent by sharding to stop the entity (passivation, rebalance, shutdown). */
  public enum Stop implements Command { INSTANCE }

  private enum Tick implements Command, NoSerializationVerificationNeeded { CHECK_IDLE, CHECK_RETENTION }

  private record LogOpened(PartitionHandle handle) implements Command, NoSerializationVerificationNeeded {}

  private record LogOpenFailed(Throwable cause) implements Command, NoSerializationVerificationNeeded {}

  private record Closed(Throwable failure) implements Command, NoSerializationVerificationNeeded {}

  public sealed interface OpenReply {}

  /** The log of this incarnation of the topic ({@code topicId}) is open, its handle registered on the entity's node. */
  public record Opened(Uuid topicId) implements OpenReply {}

  public record OpenFailed(short errorCode, String message) implements OpenReply {
    static OpenFailed of(Errors error, String message) {
      return new OpenFailed(error.code(), message);
    }

    public ApiException exception() {
      return Errors.forCode(errorCode).exception(message);
    }
  }

  /**
   * The entity of {@code tp} on node {@code nodeId} ({@code orders/3@2}): the node is part of the id, so that
   * {@link NodePinnedAllocation} starts it on that node, next to its files, and a partition led by another node is
   * another entity.
   */
  public static String entityId(TopicPartition tp, int nodeId) {
    return NodePinnedAllocation.shardId(tp.topic() + "/" + tp.partition(), nodeId);
  }

  static TopicPartition topicPartition(String entityId) {
    String key = NodePinnedAllocation.keyOf(entityId);
    int slash = key.lastIndexOf('/');
    return new TopicPartition(key.substring(0, slash), Integer.parseInt(key.substring(slash + 1)));
  }

  /** Registers the entity type with sharding on this node. */
  public static void init(ActorSystem<?> system, Partitions partitions) {
    ClusterSharding.get(system).init(
        Entity.of(ENTITY_KEY, ctx -> create(ctx.getEntityId(), ctx.getShard(), partitions))
            .withMessageExtractor(new OneShardPerPartition())
            .withAllocationStrategy(new NodePinnedAllocation(system))
            .withStopMessage(Stop.INSTANCE)
            // the entity passivates itself: its reads and writes bypass sharding once it has handed out its handle
            .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
  }

  public static Behavior<Command> create(String entityId, ActorRef<ClusterSharding.ShardCommand> shard, Partitions partitions) {
    return Behaviors.setup(ctx -> Behaviors.withStash(partitions.settings().stashCapacity(), stash -> Behaviors.withTimers(timers ->
        new PartitionEntity(ctx, stash, timers, topicPartition(entityId), shard, partitions).opening())));
  }

  private final ActorContext<Command> ctx;
  private final StashBuffer<Command> stash;
  private final TimerScheduler<Command> timers;
  private final TopicPartition tp;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final Partitions partitions;

  private PartitionEntity(ActorContext<Command> ctx, StashBuffer<Command> stash, TimerScheduler<Command> timers,
                          TopicPartition tp, ActorRef<ClusterSharding.ShardCommand> shard, Partitions partitions) {
    this.shard = shard;
    this.ctx = ctx;
    this.stash = stash;
    this.timers = timers;
    this.tp = tp;
    this.partitions = partitions;
  }

  private Behavior<Command> opening() {
    var topic = partitions.metadata().current().anyTopic(tp.topic())
        .filter(t -> tp.partition() >= 0 && tp.partition() < t.partitionCount());
    if (topic.isEmpty()) {
      return unknown();
    }
    ctx.pipeToSelf(CompletableFuture.supplyAsync(() -> openLog(topic.get()), partitions.ioExecutor()),
        (handle, error) -> error != null ? new LogOpenFailed(Failures.unwrap(error)) : new LogOpened(handle));
    return Behaviors.receive(Command.class)
        .onMessage(LogOpened.class, m -> {
          partitions.register(m.handle(), topic.get());
          timers.startTimerWithFixedDelay(Tick.CHECK_IDLE, partitions.settings().idleCheckInterval());
          timers.startTimerWithFixedDelay(Tick.CHECK_RETENTION, partitions.settings().retentionCheckInterval());
          return stash.unstashAll(active(m.handle()));
        })
        .onMessage(LogOpenFailed.class, m -> {
          ctx.getLog().error("Could not open the log of {}", tp, m.cause());
          var reply = OpenFailed.of(Errors.KAFKA_STORAGE_ERROR, "Could not open the log of " + tp + ": " + m.cause().getMessage());
          stash.forEach(c -> { if (c instanceof Open o) o.replyTo().tell(reply); });
          return Behaviors.stopped();
        })
        .onMessage(Stop.class, m -> Behaviors.stopped())
        .onAnyMessage(m -> {
          stash.stash(m);
          return Behaviors.same();
        })
        .build();
  }

  /** Runs on the I/O executor, off the actor: logs through the class logger, never the actor context's. */
  private PartitionHandle openLog(TopicInfo topic) {
    try {
      Path dir = PartitionDirectory.of(partitions.dataDir(), tp);
      var existingId = PartitionDirectory.readTopicId(dir);
      if (existingId.isPresent() && !existingId.get().equals(topic.topicId())) {
        log.info("Deleting {}: it belongs to an earlier topic of the same name ({})", dir, existingId.get());
        Directories.deleteRecursively(dir);
      }
      if (existingId.isEmpty() || !existingId.get().equals(topic.topicId())) {
        PartitionDirectory.writeTopicId(dir, topic.topicId());
      }
      var config = partitions.logDefaults().withOverrides(topic.configs());
      var partitionLog = PartitionLog.open(dir, config, System::currentTimeMillis, partitions.channels());
      return new PartitionHandle(tp, topic.topicId(), partitions.nodeId(), () -> partitions.partitionInfo(tp, topic.topicId()),
          partitionLog, partitions::newPipeline, partitions::markOffline);
    } catch (java.io.IOException e) {
      throw new KafkaStorageException("I/O error opening " + tp + ": " + e.getMessage(), e);
    }
  }

  /** The topic or partition does not exist (any more): answer so and stop. */
  private Behavior<Command> unknown() {
    var reply = OpenFailed.of(Errors.UNKNOWN_TOPIC_OR_PARTITION, new UnknownTopicOrPartitionException(
        "This server does not host this topic-partition.").getMessage());
    ctx.getSelf().tell(Stop.INSTANCE);
    return Behaviors.receive(Command.class)
        .onMessage(Open.class, o -> {
          o.replyTo().tell(reply);
          return Behaviors.same();
        })
        .onMessage(Stop.class, m -> Behaviors.stopped())
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  private Behavior<Command> active(PartitionHandle handle) {
    return Behaviors.receive(Command.class)
        .onMessage(Open.class, o -> {
          o.replyTo().tell(new Opened(handle.topicId()));
          return Behaviors.same();
        })
        .onMessageEquals(Tick.CHECK_IDLE, () -> {
          logFailure(handle.flushIfDue(), "The periodic fsync (flush.ms)");
          if (handle.idleNanos() > partitions.settings().passivateIdleAfter().toNanos()) {
            ctx.getLog().debug("Passivating idle {}", tp);
            shard.tell(new ClusterSharding.Passivate<>(ctx.getSelf()));
          }
          return Behaviors.same();
        })
        .onMessageEquals(Tick.CHECK_RETENTION, () -> {
          logFailure(handle.enforceRetention(), "Retention");
          return Behaviors.same();
        })
        .onMessage(ConfigChanged.class, m -> {
          applyConfig(handle);
          return Behaviors.same();
        })
        .onMessage(Stop.class, m -> closing(handle, false))
        .onMessage(Delete.class, m -> closing(handle, true))
        .build();
  }

  private Behavior<Command> closing(PartitionHandle handle, boolean delete) {
    timers.cancelAll();
    ctx.pipeToSelf(delete ? handle.closeAndDelete() : handle.close(), (d, e) -> new Closed(e));
    return Behaviors.receive(Command.class)
        .onMessage(Open.class, o -> {
          // the shard buffers messages that arrive after passivation; these few raced it
          o.replyTo().tell(OpenFailed.of(Errors.NOT_LEADER_OR_FOLLOWER, "Partition " + tp + " is being closed"));
          return Behaviors.same();
        })
        .onMessage(Closed.class, m -> {
          // only now: the directory must not look orphaned to the deleted-topic sweep while files are being written
          partitions.unregister(handle);
          if (m.failure() != null) ctx.getLog().error("Closing {} failed", tp, m.failure());
          return Behaviors.stopped();
        })
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  /** The topic's config as metadata now has it; an invalid one (it was validated when set) is logged and ignored. */
  private void applyConfig(PartitionHandle handle) {
    var topic = partitions.metadata().current().anyTopic(tp.topic()).filter(t -> t.topicId().equals(handle.topicId()));
    if (topic.isEmpty()) return;
    LogConfig config;
    try {
      config = partitions.logDefaults().withOverrides(topic.get().configs());
    } catch (RuntimeException e) {
      ctx.getLog().warn("Ignoring invalid config of topic {}: {}", tp.topic(), e.getMessage());
      return;
    }
    logFailure(handle.updateConfig(config), "Applying a changed topic config");
  }

  /**
   * Logs the failure of work the entity started for itself (no client waits for it). A storage failure is not
   * logged again here: it took the partition offline, and {@link Partitions#markOffline} reported that once.
   * Runs on whatever thread completes the stage, hence the class logger.
   */
  private void logFailure(CompletionStage<?> work, String what) {
    work.whenComplete((result, error) -> {
      if (error == null) return;
      Throwable cause = Failures.unwrap(error);
      // closing: the work is done again when the partition next opens
      if (cause instanceof NotLeaderOrFollowerException) return;
      if (!(cause instanceof KafkaStorageException)) log.warn("{} of {} failed", what, tp, cause);
    });
  }

  /** Shard id = entity id: each partition (on its node) is its own shard, placed alone. */
  static final class OneShardPerPartition extends ShardingMessageExtractor<ShardingEnvelope<Command>, Command> {
    @Override
    public String entityId(ShardingEnvelope<Command> envelope) {
      return envelope.entityId();
    }

    @Override
    public String shardId(String entityId) {
      return entityId;
    }

    @Override
    public Command unwrapMessage(ShardingEnvelope<Command> envelope) {
      return envelope.message();
    }
  }
}
