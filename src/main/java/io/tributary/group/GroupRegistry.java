package io.tributary.group;

import io.tributary.concurrent.AkkaFutures;
import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.ddata.Key;
import akka.cluster.ddata.ORSet;
import akka.cluster.ddata.ORSetKey;
import akka.cluster.ddata.SelfUniqueAddress;
import akka.cluster.ddata.typed.javadsl.Replicator;
import akka.cluster.ddata.typed.javadsl.ReplicatorSettings;
import akka.cluster.typed.Cluster;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The durable set of group ids that may exist, for ListGroups (a group entity only knows itself).
 * An Akka Distributed Data {@link ORSet} under key {@value #KEY_ID} in a Replicator of its own,
 * durable in LMDB under {@code tributary.group.registry.dir} ({@code <data-dir>/__groups}). The transaction
 * coordinator keeps its transactional ids in a registry of its own made the same way ({@link #start(ActorSystem,
 * String, String, String)}), for ListTransactions and for loading its entities when it takes over a partition.
 *
 * <p>It is a superset: an id is added (and on disk) before the first request that may create the
 * group reaches the entity, and removed after the group was deleted; a group that expired by
 * offset retention, or whose creating request failed, stays listed here until it is deleted, and
 * readers ask the entity (a group that does not exist reports state "Dead"). Thread-safe.
 */
public final class GroupRegistry {
  private static final Logger log = LoggerFactory.getLogger(GroupRegistry.class);

  /** Listed in {@code tributary.group.registry.replicator.durable.keys}. */
  static final String KEY_ID = "tributary-groups";

  private final Key<ORSet<String>> key;

  /** Actor name of the registry's Replicator, the same on every node. */
  static final String REPLICATOR_NAME = "tributaryGroupRegistryReplicator";

  private final ActorSystem<?> system;
  private final ActorRef<Replicator.Command> replicator;
  private final SelfUniqueAddress self;
  private final Duration writeTimeout;
  /** Ids known to be stored, so that only the first add of an id writes. */
  private final Set<String> stored = ConcurrentHashMap.newKeySet();

  private GroupRegistry(ActorSystem<?> system, ActorRef<Replicator.Command> replicator, Duration writeTimeout, String keyId) {
    this.system = system;
    this.key = ORSetKey.create(keyId);
    this.replicator = replicator;
    this.self = new SelfUniqueAddress(Cluster.get(system).selfMember().uniqueAddress());
    this.writeTimeout = writeTimeout;
  }

  /** Starts this node's registry Replicator. Call once per ActorSystem. */
  public static GroupRegistry start(ActorSystem<?> system) {
    return start(system, "tributary.group.registry", KEY_ID, REPLICATOR_NAME);
  }

  /**
   * Starts a registry of ids configured at {@code configPath} (dir, write-timeout, replicator, whose durable.keys
   * must list {@code keyId}) with a Replicator named {@code replicatorName}. Call once per ActorSystem and name.
   */
  public static GroupRegistry start(ActorSystem<?> system, String configPath, String keyId, String replicatorName) {
    Config root = system.settings().config();
    Config c = root.getConfig(configPath);
    String dir = c.getString("dir").trim();
    Config replicatorConfig = c.getConfig("replicator").withFallback(root.getConfig("akka.cluster.distributed-data"));
    if (!dir.isEmpty()) {
      replicatorConfig = replicatorConfig.withValue("durable.lmdb.dir", ConfigValueFactory.fromAnyRef(dir));
    } else {
      log.warn("{}.dir is not set: the registry is stored under Akka's default lmdb directory", configPath);
    }
    var replicator = system.systemActorOf(Replicator.behavior(ReplicatorSettings.create(replicatorConfig)),
        replicatorName, Props.empty());
    return new GroupRegistry(system, replicator, c.getDuration("write-timeout"), keyId);
  }

  /** Stores {@code groupId} (durably) unless this node already did. */
  public CompletionStage<Done> add(String groupId) {
    if (stored.contains(groupId)) return CompletableFuture.completedFuture(Done.getInstance());
    return update(set -> set.add(self, groupId)).thenApply(d -> {
      stored.add(groupId);
      return d;
    });
  }

  /** Removes {@code groupId}; the next {@link #add} of it writes again. */
  public CompletionStage<Done> remove(String groupId) {
    return update(set -> set.remove(self, groupId)).whenComplete((d, e) -> stored.remove(groupId));
  }

  /** The ids stored, as this node's replica has them. */
  public CompletionStage<Set<String>> groupIds() {
    CompletionStage<Replicator.GetResponse<ORSet<String>>> asked = AkkaFutures.plain(AskPattern.ask(replicator,
        replyTo -> new Replicator.Get<>(key, Replicator.readLocal(), replyTo), writeTimeout, system.scheduler()),
        system.executionContext());
    return asked.thenApply(response -> {
      if (response instanceof Replicator.GetSuccess<ORSet<String>> success) {
        return Set.copyOf(success.get(key).getElements());
      } else if (response instanceof Replicator.NotFound<ORSet<String>>) {
        return Set.<String>of();
      }
      throw new IllegalStateException("Reading the group registry failed: " + response);
    });
  }

  private CompletionStage<Done> update(java.util.function.Function<ORSet<String>, ORSet<String>> modify) {
    CompletionStage<Replicator.UpdateResponse<ORSet<String>>> asked = AkkaFutures.plain(AskPattern.ask(replicator,
        replyTo -> new Replicator.Update<>(key, ORSet.empty(), new Replicator.WriteMajority(writeTimeout), replyTo, modify::apply),
        writeTimeout.plusSeconds(1), system.scheduler()), system.executionContext());
    return asked.thenApply(response -> {
      if (response instanceof Replicator.UpdateSuccess<ORSet<String>>) return Done.getInstance();
      if (response instanceof Replicator.UpdateTimeout<ORSet<String>>) {
        // stored locally (and durably); it spreads to the other nodes by gossip
        return Done.getInstance();
      }
      throw new IllegalStateException("Updating the group registry failed: " + response);
    });
  }
}
