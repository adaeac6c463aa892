package io.tributary.metadata;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.sharding.ShardRegion;
import akka.cluster.sharding.typed.GetShardRegionState;
import akka.cluster.sharding.typed.ShardingEnvelope;
import akka.cluster.sharding.typed.ShardingMessageExtractor;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import io.tributary.concurrent.AkkaFutures;
import io.tributary.concurrent.Failures;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;

/**
 * What the sharded coordinators have in common (group entities on the leaders of {@code __consumer_offsets}
 * partitions, transaction coordinators on those of {@code __transaction_state}): Kafka's placement of a key in an
 * internal-topic partition, shards that are such partitions on a node ({@code 17@2}, placed by {@link
 * NodePinnedAllocation}), asking an entity with Kafka's answer to a timeout, and unloading the entities of partitions a
 * node no longer leads. Stateless.
 */
public final class CoordinatorShards {
  private CoordinatorShards() {}

  /** Kafka's partitionFor: the internal-topic partition of {@code key} among {@code partitions}. */
  public static int partitionFor(String key, int partitions) {
    return Utils.abs(key.hashCode()) % partitions;
  }

  /** Shard = the entity key's partition on the node its entity id names ({@code <key>@<node>}). */
  public static final class ByKeyPartition<M> extends ShardingMessageExtractor<ShardingEnvelope<M>, M> {
    private final int partitions;

    public ByKeyPartition(int partitions) {
      this.partitions = partitions;
    }

    @Override
    public String entityId(ShardingEnvelope<M> envelope) {
      return envelope.entityId();
    }

    @Override
    public String shardId(String entityId) {
      int partition = partitionFor(NodePinnedAllocation.keyOf(entityId), partitions);
      return NodePinnedAllocation.shardId(String.valueOf(partition), NodePinnedAllocation.nodeOf(entityId));
    }

    @Override
    public M unwrapMessage(ShardingEnvelope<M> envelope) {
      return envelope.message();
    }
  }

  /**
   * Asks entity {@code entityId} of {@code type}; an answer that does not come within {@code timeout} fails with
   * {@code onTimeout}'s exception (Kafka's COORDINATOR_NOT_AVAILABLE, so that clients look for the coordinator again).
   */
  public static <M, R> CompletionStage<R> ask(ActorSystem<?> system, EntityTypeKey<M> type, String entityId,
                                              Function<ActorRef<R>, M> command, Duration timeout,
                                              Supplier<RuntimeException> onTimeout) {
    CompletionStage<R> asked;
    try {
      asked = AkkaFutures.plain(ClusterSharding.get(system).entityRefFor(type, entityId).ask(command::apply, timeout),
          system.executionContext());
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
    return asked.handle((reply, error) -> {
      if (error == null) return reply;
      Throwable cause = Failures.unwrap(error);
      if (cause instanceof TimeoutException) throw onTimeout.get();
      throw cause instanceof CompletionException c ? c : new CompletionException(cause);
    });
  }

  /**
   * When node {@code nodeId} stops leading {@code partitions} (Kafka's onResignation): the entities of those partitions
   * running on it get {@code unload} (and stop), so that none answers later from a state the next coordinator has
   * moved past. Entities that are not running are not started for this.
   */
  public static <M> void unload(ActorSystem<?> system, EntityTypeKey<M> type, int nodeId, Set<Integer> partitions,
                                Supplier<M> unload, Duration timeout, Logger log) {
    var sharding = ClusterSharding.get(system);
    CompletionStage<ShardRegion.CurrentShardRegionState> asked = AskPattern.ask(sharding.shardState(),
        replyTo -> new GetShardRegionState(type, replyTo), timeout, system.scheduler());
    asked.whenComplete((state, error) -> {
      if (error != null) {
        log.warn("{} entities of partitions {} not unloaded: {}", type.name(), partitions, Failures.unwrap(error).toString());
        return;
      }
      int unloaded = 0;
      for (ShardRegion.ShardState shard : state.getShards()) {
        if (NodePinnedAllocation.nodeOf(shard.shardId()) != nodeId) continue;
        if (!partitions.contains(Integer.parseInt(NodePinnedAllocation.keyOf(shard.shardId())))) continue;
        for (String entityId : shard.getEntityIds()) {
          sharding.entityRefFor(type, entityId).tell(unload.get());
          unloaded++;
        }
      }
      if (unloaded > 0) log.info("No longer leading partitions {}: unloaded {} {} entities", partitions, unloaded, type.name());
    });
  }
}
