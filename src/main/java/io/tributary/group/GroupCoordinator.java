package io.tributary.group;

import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import io.tributary.metadata.CoordinatorShards;
import io.tributary.concurrent.Failures;
import io.tributary.metadata.BrokerInfo;
import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.MetadataService;
import io.tributary.metadata.TopicInfo;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's front to its consumer groups, for the protocol handlers: which node coordinates a
 * group, asking a group's {@link GroupEntity} (a timeout becomes Kafka's COORDINATOR_NOT_AVAILABLE),
 * the {@link GroupRegistry} of group ids kept in step with group creation and deletion, and the
 * removal of a deleted topic's offsets from every group. Thread-safe.
 *
 * <p>Coordinator placement follows Kafka: group G belongs to partition {@code abs(hash(G)) % partitions} of the
 * offsets topic ({@code __consumer_offsets}, an internal topic of the metadata created over the live nodes on the
 * first lookup, with offsets.topic.replication.factor replicas), and the leader of that partition coordinates it. Its
 * entity runs on that node only (a single node's LevelDB journal is on its disk; a cluster's journal is that replicated
 * partition, see {@link io.tributary.group.journal}); a group request that reaches another node gets NOT_COORDINATOR.
 * A node that stops leading an offsets partition unloads the groups of it that run here.
 *
 * <p>Registry consistency on this node: a request that may create a group (JoinGroup,
 * OffsetCommit) counts itself in flight for that group, then adds the id to the registry (durably)
 * and only then reaches the entity. DeleteGroups removes the id after the entity deleted the
 * group, then re-adds it when a creating request was in flight meanwhile. So a group that exists is
 * always in the registry; an id in the registry may name a group that no longer exists (readers
 * filter the "Dead" ones out).
 *
 * <p>Topic deletion: every metadata image is compared with the previous one; a topic whose name is
 * gone or whose id changed has its offsets removed from every registered group. When this node
 * starts to lead an offsets partition (at start, or on failover) its registered groups are loaded
 * and drop offsets of topics that no longer exist, which covers a deletion that happened while the
 * node was down or before its groups were told.
 */
public final class GroupCoordinator {
  private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);


  private final ActorSystem<?> system;
  /** This node's id: it coordinates the groups of the offsets-topic partitions it leads. */
  private final int nodeId;
  private final GroupRegistry registry;
  private final MetadataService metadata;
  private final Duration askTimeout;
  private final long initialRebalanceDelayMs;
  private final Duration syncAskTimeout;
  /** Kafka's offsets.topic.num.partitions: the coordinator key space. */
  private final int offsetsPartitions;
  /** Kafka's offsets.topic.replication.factor, capped at the live nodes when the topic is created. */
  private final int offsetsReplicationFactor;
  private final int deletedTopicAttempts;
  /** Groups a housekeeping pass (deleted topics) asks at the same time. */
  private final int housekeepingParallelism;
  private final Map<String, AtomicInteger> creating = new ConcurrentHashMap<>();
  private final CompletableFuture<Void> draining = new CompletableFuture<>();
  private final Set<CompletableFuture<?>> parked = ConcurrentHashMap.newKeySet();
  private final Object topicsLock = new Object();
  private Map<String, Uuid> lastTopics;
  /** The offsets partitions this node led in the last image seen: those it leads anew load their groups. */
  private Set<Integer> ledOffsetsPartitions = Set.of();

  private GroupCoordinator(ActorSystem<?> system, int nodeId, GroupRegistry registry, MetadataService metadata) {
    this.system = system;
    this.nodeId = nodeId;
    this.registry = registry;
    this.metadata = metadata;
    var config = system.settings().config().getConfig("tributary.group");
    this.askTimeout = config.getDuration("ask-timeout");
    this.syncAskTimeout = config.getDuration("sync-ask-timeout");
    this.initialRebalanceDelayMs = config.getLong("initial.rebalance.delay.ms");
    this.offsetsPartitions = config.getInt("offsets.topic.num.partitions");
    this.offsetsReplicationFactor = config.getInt("offsets.topic.replication.factor");
    this.deletedTopicAttempts = config.getInt("deleted-topic-offsets.attempts");
    this.housekeepingParallelism = config.getInt("deleted-topic-offsets.parallelism");
  }

  /**
   * Starts group sharding ({@link GroupEntity#init}) and the registry on this node, and watches
   * {@code metadata} for deleted topics. Call once, after metadata is ready.
   */
  public static GroupCoordinator start(ActorSystem<?> system, MetadataService metadata, int nodeId) {
    var coordinator = new GroupCoordinator(system, nodeId, GroupRegistry.start(system), metadata);
    GroupEntity.init(system, coordinator.offsetsPartitions);
    metadata.subscribe(coordinator::onMetadata);
    return coordinator;
  }

  public GroupRegistry registry() {
    return registry;
  }

  /** Default ask timeout for commands the entity answers at once (or after one journal write). */
  public Duration askTimeout() {
    return askTimeout;
  }

  /** How long a JoinGroup may be parked: the rebalance timeout plus the initial delay, plus the ask timeout as margin. */
  public Duration joinTimeout(int rebalanceTimeoutMs) {
    return Duration.ofMillis(Math.max(rebalanceTimeoutMs, 0) + initialRebalanceDelayMs).plus(askTimeout);
  }

  /** How long a SyncGroup may be parked (the entity answers it within the group's rebalance timeout). */
  public Duration syncTimeout() {
    return syncAskTimeout;
  }

  /** Kafka's partitionFor: the partition of {@code offsetsTopic} that {@code groupId} belongs to. */
  public static int partitionFor(String groupId, TopicInfo offsetsTopic) {
    return Utils.abs(groupId.hashCode()) % offsetsTopic.partitionCount();
  }

  /**
   * The live node that coordinates {@code groupId}: the leader of its offsets-topic partition. Empty while the
   * offsets topic does not exist (see {@link #offsetsTopic}) or its leader is not live (COORDINATOR_NOT_AVAILABLE).
   */
  public Optional<BrokerInfo> coordinatorFor(String groupId, MetadataImage image) {
    return image.offsetsTopic().flatMap(topic -> {
      int leader = topic.leader(partitionFor(groupId, topic));
      return Optional.ofNullable(metadata.liveBrokers().get(leader));
    });
  }

  /**
   * The offsets topic, created over the live nodes when it does not exist yet (as Kafka creates it on the first
   * FindCoordinator); failures become COORDINATOR_NOT_AVAILABLE, which clients retry.
   */
  public CompletionStage<TopicInfo> offsetsTopic() {
    var existing = metadata.current().offsetsTopic();
    if (existing.isPresent()) return CompletableFuture.completedFuture(existing.get());
    return metadata.ensureOffsetsTopic(offsetsPartitions, offsetsReplicationFactor).handle((topic, error) -> {
      if (error == null) return topic;
      log.warn("The offsets topic could not be created: {}", Failures.unwrap(error).toString());
      throw new CoordinatorNotAvailableException("The offsets topic is not available yet.");
    });
  }

  /** Whether this node leads {@code groupId}'s offsets partition in {@code image}. */
  private boolean coordinatesHere(String groupId, MetadataImage image) {
    return image.offsetsTopic().map(t -> t.leader(partitionFor(groupId, t)) == nodeId).orElse(false);
  }

  /**
   * Completes when graceful shutdown starts: handlers answer their parked JoinGroup/SyncGroup then
   * (COORDINATOR_NOT_AVAILABLE, so clients look for a coordinator again) instead of holding up
   * the shutdown for a whole rebalance timeout.
   */
  public CompletionStage<Void> draining() {
    return draining;
  }

  public void drain() {
    draining.complete(null);
    for (var p : parked) p.completeExceptionally(new CoordinatorNotAvailableException("The broker is shutting down"));
  }

  /**
   * {@code stage}, answered with {@link CoordinatorNotAvailableException} as soon as graceful
   * shutdown starts if it has not completed by then (for parked JoinGroup/SyncGroup requests).
   */
  public <T> CompletionStage<T> parked(CompletionStage<T> stage) {
    var out = new CompletableFuture<T>();
    parked.add(out);
    stage.whenComplete((value, error) -> {
      if (error != null) out.completeExceptionally(error);
      else out.complete(value);
    });
    out.whenComplete((v, e) -> parked.remove(out));
    if (draining.isDone()) out.completeExceptionally(new CoordinatorNotAvailableException("The broker is shutting down"));
    return out;
  }

  /**
   * Asks group {@code groupId}'s entity, which runs on this node when this node coordinates the group; a group
   * coordinated elsewhere fails with {@link NotCoordinatorException} (clients then look for the coordinator again),
   * a timeout with {@link CoordinatorNotAvailableException}.
   */
  public <R> CompletionStage<R> ask(String groupId, Function<ActorRef<R>, GroupEntity.Command> command, Duration timeout) {
    return offsetsTopic().thenCompose(topic -> {
      int leader = topic.leader(partitionFor(groupId, topic));
      if (leader != nodeId) {
        return CompletableFuture.<R>failedFuture(new NotCoordinatorException(
            "This is not the correct coordinator for group " + groupId + ": node " + leader + " is."));
      }
      return askEntity(groupId, command, timeout);
    });
  }

  private <R> CompletionStage<R> askEntity(String groupId, Function<ActorRef<R>, GroupEntity.Command> command, Duration timeout) {
    return CoordinatorShards.ask(system, GroupEntity.ENTITY_KEY, GroupEntity.entityId(groupId, nodeId), command, timeout, () -> {
      log.warn("Group {} did not answer within {}", groupId, timeout);
      return new CoordinatorNotAvailableException("The coordinator of group " + groupId + " did not answer in time");
    });
  }

  /**
   * The transaction coordinator's marker for group {@code groupId} (Kafka writes it to the group's offsets partition,
   * whose coordinator then completes the producer's pending offsets): the group's entity is asked wherever its
   * coordinator runs, this node or another (through sharding; the messages are serialized). Fails while the offsets
   * topic or the partition's leader is not available; the caller retries.
   */
  public CompletionStage<Void> completeTransaction(String groupId, long producerId, short producerEpoch, boolean commit) {
    return offsetsTopic().thenCompose(topic -> {
      int leader = topic.leader(partitionFor(groupId, topic));
      if (leader < 0) {
        return CompletableFuture.<Void>failedFuture(new CoordinatorNotAvailableException("No coordinator for group " + groupId));
      }
      CompletionStage<Done> asked = CoordinatorShards.ask(system, GroupEntity.ENTITY_KEY, GroupEntity.entityId(groupId, leader),
          replyTo -> new GroupEntity.CompleteTxnOffsets(producerId, producerEpoch, commit, replyTo), askTimeout,
          () -> new CoordinatorNotAvailableException("The coordinator of group " + groupId + " did not answer in time"));
      return asked.thenApply(d -> (Void) null);
    });
  }

  /** {@link #ask} for a command that may create the group: the id is registered first. */
  public <R> CompletionStage<R> askCreating(String groupId, Function<ActorRef<R>, GroupEntity.Command> command, Duration timeout) {
    var counter = creating.computeIfAbsent(groupId, k -> new AtomicInteger());
    counter.incrementAndGet();
    CompletionStage<R> result = registry.add(groupId)
        .handle((done, error) -> {
          if (error != null) {
            log.warn("Cannot register group {}: {}", groupId, Failures.unwrap(error).toString());
            throw new CoordinatorNotAvailableException("The group registry is not available");
          }
          return done;
        })
        .thenCompose(done -> ask(groupId, command, timeout));
    return result.whenComplete((r, e) -> {
      if (counter.decrementAndGet() == 0) creating.remove(groupId, counter);
    });
  }

  /** DeleteGroups for one group: the entity decides, then the registry forgets the id. */
  public CompletionStage<DeletableGroupResult> delete(String groupId) {
    CompletionStage<DeletableGroupResult> asked = ask(groupId, GroupEntity.DeleteGroup::new, askTimeout);
    return asked.thenCompose(result -> {
      if (result.errorCode() != Errors.NONE.code()) return CompletableFuture.completedFuture(result);
      return registry.remove(groupId)
          .thenCompose(d -> {
            var inFlight = creating.get(groupId);
            return inFlight != null && inFlight.get() > 0 ? registry.add(groupId) : CompletableFuture.completedFuture(d);
          })
          .handle((d, error) -> {
            if (error != null) log.warn("Group {} deleted, but the registry was not updated: {}", groupId, Failures.unwrap(error).toString());
            return result;
          });
    });
  }

  /** The ListGroups lines of the existing groups this node coordinates; the flag is false when some group did not answer. */
  public CompletionStage<Listing> list() {
    // no offsets topic yet: no group has been looked up, so this node coordinates none (listing does not create it)
    if (metadata.current().offsetsTopic().isEmpty()) {
      return CompletableFuture.completedFuture(new Listing(List.of(), true));
    }
    return registry.groupIds().thenCompose(ids -> {
      MetadataImage image = metadata.current();
      var asks = new ArrayList<CompletableFuture<ListedGroup>>();
      for (String id : ids) {
        if (!coordinatesHere(id, image)) continue;
        CompletionStage<ListedGroup> asked = ask(id, GroupEntity.GetOverview::new, askTimeout);
        // a group that does not answer makes the listing incomplete (the caller reports it); a timeout was logged by ask
        asks.add(asked.toCompletableFuture().exceptionally(e -> {
          if (!(Failures.unwrap(e) instanceof CoordinatorNotAvailableException)) log.warn("Group {} did not answer ListGroups: {}", id, Failures.unwrap(e).toString());
          return null;
        }));
      }
      return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).thenApply(x -> {
        var groups = new ArrayList<ListedGroup>();
        boolean complete = true;
        for (var a : asks) {
          ListedGroup g = a.join();
          if (g == null) complete = false;
          else if (!"Dead".equals(g.groupState())) groups.add(g);
        }
        groups.sort((a, b) -> a.groupId().compareTo(b.groupId()));
        return new Listing(groups, complete);
      });
    });
  }

  /** Existing groups (not "Dead") and whether every registered group answered. */
  public record Listing(List<ListedGroup> groups, boolean complete) {}

  // ---------------------------------------------------------------- deleted topics

  private void onMetadata(MetadataImage image) {
    Set<String> deleted = new HashSet<>();
    Set<Integer> ledAnew = new HashSet<>();
    Set<Integer> resigned = new HashSet<>();
    synchronized (topicsLock) {
      Set<Integer> led = offsetsPartitionsLedHere(image);
      led.stream().filter(p -> !ledOffsetsPartitions.contains(p)).forEach(ledAnew::add);
      ledOffsetsPartitions.stream().filter(p -> !led.contains(p)).forEach(resigned::add);
      ledOffsetsPartitions = led;
      var now = new HashMap<String, Uuid>();
      image.topics().forEach((name, topic) -> now.put(name, topic.topicId()));
      if (lastTopics != null) {
        lastTopics.forEach((name, id) -> {
          if (!id.equals(now.get(name))) deleted.add(name);
        });
      }
      lastTopics = now;
    }
    if (!deleted.isEmpty()) removeTopicOffsets(Set.copyOf(deleted));
    if (!ledAnew.isEmpty()) loadGroups(Set.copyOf(ledAnew));
    if (!resigned.isEmpty()) unloadGroups(Set.copyOf(resigned));
  }

  /**
   * When this node stops leading offsets partitions (Kafka's onResignation): the group entities of those partitions
   * running here stop ({@link GroupEntity.Unload}), so that none answers later from a state the next coordinator has
   * moved past. Entities that are not running are not started for this.
   */
  private void unloadGroups(Set<Integer> resigned) {
    CoordinatorShards.unload(system, GroupEntity.ENTITY_KEY, nodeId, resigned, GroupEntity.Unload::new, askTimeout, log);
  }

  private Set<Integer> offsetsPartitionsLedHere(MetadataImage image) {
    var led = new HashSet<Integer>();
    image.offsetsTopic().ifPresent(t -> {
      for (int p = 0; p < t.partitionCount(); p++) {
        if (t.leader(p) == nodeId) led.add(p);
      }
    });
    return Set.copyOf(led);
  }

  private void removeTopicOffsets(Set<String> topics) {
    registry.groupIds().whenComplete((ids, error) -> {
      if (error != null) {
        log.warn("Topics {} deleted but the group registry cannot be read; their offsets go when their offsets partitions are next loaded: {}", topics, error.toString());
        return;
      }
      var image = metadata.current();
      var here = ids.stream().filter(id -> coordinatesHere(id, image)).toList();
      log.info("Topics {} deleted: removing their offsets from the {} groups this node coordinates", topics, here.size());
      inBatches(here.iterator(), id -> removeTopicOffsets(id, topics, deletedTopicAttempts));
    });
  }

  private CompletionStage<Done> removeTopicOffsets(String groupId, Set<String> topics, int attempts) {
    CompletionStage<Done> asked = ask(groupId, replyTo -> new GroupEntity.RemoveTopicOffsets(topics, replyTo), askTimeout);
    return asked.handle((d, error) -> {
      if (error == null) return CompletableFuture.completedFuture(d);
      if (attempts > 1 && !system.whenTerminated().isCompleted()) return removeTopicOffsets(groupId, topics, attempts - 1);
      log.warn("Offsets of deleted topics {} not removed from group {} (retried when its offsets partition is next loaded): {}", topics, groupId, Failures.unwrap(error).toString());
      return CompletableFuture.completedFuture(Done.getInstance());
    }).thenCompose(Function.identity());
  }

  /**
   * When this node starts to lead offsets partitions (at start, or when it takes them over), as Kafka's coordinator
   * loads an offsets partition on election: their registered groups recover here, so their lag is scraped before
   * any client uses them, and each drops the offsets of topics metadata no longer has (deleted while the node was
   * down, or before the group was told).
   */
  private void loadGroups(Set<Integer> offsetsPartitionsLedAnew) {
    registry.groupIds().whenComplete((ids, error) -> {
      if (error != null) {
        log.warn("Group registry not readable; the groups of offsets partitions {} are not loaded ahead of use and not swept for deleted topics: {}",
            offsetsPartitionsLedAnew, error.toString());
        return;
      }
      var topic = metadata.current().offsetsTopic();
      if (topic.isEmpty()) return;
      var here = ids.stream().filter(id -> offsetsPartitionsLedAnew.contains(partitionFor(id, topic.get()))).toList();
      inBatches(here.iterator(), id -> {
        CompletionStage<OffsetFetchResponseGroup> offsets = ask(id, replyTo -> new GroupEntity.FetchOffsets(null, replyTo), askTimeout);
        return offsets.thenCompose(group -> {
          var topics = metadata.current().topics();
          var gone = new HashSet<String>();
          group.topics().forEach(t -> {
            if (!topics.containsKey(t.name())) gone.add(t.name());
          });
          return gone.isEmpty() ? CompletableFuture.completedFuture(Done.getInstance()) : removeTopicOffsets(id, gone, deletedTopicAttempts);
        }).exceptionally(e -> {
          log.warn("Group {}: offsets not checked for deleted topics on load (checked again at the next load): {}", id, Failures.unwrap(e).toString());
          return Done.getInstance();
        });
      });
    });
  }

  /**
   * Runs {@code task} for every id, a few at a time, so that a node with many groups is not flooded.
   * A task handles its own failures; one that fails anyway is logged with its group, and the others go on.
   */
  private void inBatches(Iterator<String> ids, Function<String, CompletionStage<Done>> task) {
    var batch = new ArrayList<CompletableFuture<Done>>();
    while (ids.hasNext() && batch.size() < housekeepingParallelism) {
      var id = ids.next();
      CompletableFuture<Done> run;
      try {
        run = task.apply(id).toCompletableFuture();
      } catch (RuntimeException e) {
        run = CompletableFuture.failedFuture(e);
      }
      batch.add(run.whenComplete((d, e) -> {
        if (e != null) log.warn("Group {}: housekeeping task failed: {}", id, Failures.unwrap(e).toString());
      }));
    }
    if (batch.isEmpty()) return;
    CompletableFuture.allOf(batch.toArray(CompletableFuture[]::new)).whenComplete((x, e) -> inBatches(ids, task));
  }
}
