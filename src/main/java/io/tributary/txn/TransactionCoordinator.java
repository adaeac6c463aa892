package io.tributary.txn;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import io.tributary.concurrent.Failures;
import io.tributary.group.GroupRegistry;
import io.tributary.metadata.BrokerInfo;
import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.MetadataService;
import io.tributary.metadata.CoordinatorShards;
import io.tributary.metadata.TopicInfo;
import io.tributary.partition.BrokerConnection;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CoordinatorLoadInProgressException;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.errors.NotCoordinatorException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's front to its transaction coordinators, for the protocol handlers (Kafka's TransactionCoordinator with its
 * TransactionStateManager's placement and loading): which node coordinates a transactional id, asking an id's {@link
 * TransactionEntity} (NOT_COORDINATOR on another node, COORDINATOR_LOAD_IN_PROGRESS while this node loads the id's
 * partition, COORDINATOR_NOT_AVAILABLE when the entity does not answer in time), the registry of transactional ids,
 * and ListTransactions. Thread-safe.
 *
 * <p>Placement follows Kafka: id T belongs to partition {@code abs(hash(T)) % transaction.state.log.num.partitions} of
 * {@code __transaction_state} (an internal topic created over the live nodes on the first lookup, with
 * transaction.state.log.replication.factor replicas), and that partition's leader coordinates it. When this node
 * starts to lead such a partition it loads it: every registered id of the partition recovers (prepared transactions
 * complete, ongoing ones are watched for their timeout); until then the partition's requests get
 * COORDINATOR_LOAD_IN_PROGRESS. When it stops leading one, the entities of that partition running here stop.
 */
public final class TransactionCoordinator {
  private static final Logger log = LoggerFactory.getLogger(TransactionCoordinator.class);

  private final ActorSystem<?> system;
  private final int nodeId;
  private final MetadataService metadata;
  private final TransactionSettings settings;
  private final GroupRegistry registry;
  private final BrokerChannels channels;
  /** Partitions this node leads but has not loaded yet (Kafka's loadingPartitions). */
  private final Set<Integer> loading = ConcurrentHashMap.newKeySet();
  private final Object leadershipLock = new Object();
  private Set<Integer> ledPartitions = Set.of();

  private TransactionCoordinator(ActorSystem<?> system, int nodeId, MetadataService metadata, TransactionSettings settings,
                                 GroupRegistry registry, BrokerChannels channels) {
    this.system = system;
    this.nodeId = nodeId;
    this.metadata = metadata;
    this.settings = settings;
    this.registry = registry;
    this.channels = channels;
  }

  /**
   * Starts the coordinator entities' sharding, the id registry and the marker channels on this node, and watches the
   * metadata for the transaction-state partitions this node leads. Call once, after metadata is ready.
   */
  public static TransactionCoordinator start(ActorSystem<?> system, MetadataService metadata, int nodeId,
                                             TransactionEntity.ProducerIdSource producerIds,
                                             TransactionMarkers.GroupCompletion groups) {
    var settings = TransactionSettings.fromConfig(system.settings().config());
    var registry = GroupRegistry.start(system, "tributary.transaction.registry", "tributary-transactional-ids",
        "tributaryTransactionalIdRegistryReplicator");
    var channels = new BrokerChannels(system, nodeId, settings.markerConnectTimeout(), settings.markerRequestTimeout());
    var markers = new TransactionMarkers(system, metadata, groups, settings, channels);
    var coordinator = new TransactionCoordinator(system, nodeId, metadata, settings, registry, channels);
    TransactionEntity.init(system, settings, producerIds, markers);
    metadata.subscribe(coordinator::onMetadata);
    coordinator.onMetadata(metadata.current());
    return coordinator;
  }

  public TransactionSettings settings() {
    return settings;
  }

  /** Closes the channels to other nodes (node shutdown). */
  public void stop() {
    channels.close();
  }

  /**
   * The transaction state topic, created over the live nodes when it does not exist yet (as Kafka creates it on the
   * first FindCoordinator of a transactional id); failures become COORDINATOR_NOT_AVAILABLE, which clients retry.
   */
  public CompletionStage<TopicInfo> transactionTopic() {
    var existing = metadata.current().transactionStateTopic();
    if (existing.isPresent()) return CompletableFuture.completedFuture(existing.get());
    return metadata.ensureInternalTopic(MetadataImage.TRANSACTION_STATE_TOPIC, settings.partitions(),
        settings.replicationFactor()).handle((topic, error) -> {
          if (error == null) return topic;
          log.warn("The transaction state topic could not be created: {}", Failures.unwrap(error).toString());
          throw new CoordinatorNotAvailableException("The transaction state topic is not available yet.");
        });
  }

  /** The live node that coordinates {@code transactionalId}; empty while the topic or its partition's leader is not there. */
  public Optional<BrokerInfo> coordinatorFor(String transactionalId, MetadataImage image) {
    return image.transactionStateTopic().flatMap(topic -> {
      int leader = topic.leader(TransactionEntity.partitionFor(transactionalId, topic.partitionCount()));
      return Optional.ofNullable(metadata.liveBrokers().get(leader));
    });
  }

  /**
   * Asks {@code transactionalId}'s entity, which runs here when this node coordinates the id; otherwise fails with
   * NOT_COORDINATOR, while the partition loads with COORDINATOR_LOAD_IN_PROGRESS, after {@code timeout} with
   * COORDINATOR_NOT_AVAILABLE.
   */
  public <R> CompletionStage<R> ask(String transactionalId, Function<ActorRef<R>, TransactionEntity.Command> command) {
    return transactionTopic().thenCompose(topic -> {
      int partition = TransactionEntity.partitionFor(transactionalId, topic.partitionCount());
      int leader = topic.leader(partition);
      if (leader != nodeId) {
        return CompletableFuture.<R>failedFuture(new NotCoordinatorException("This is not the correct coordinator for "
            + "transactional id " + transactionalId + ": node " + leader + " is."));
      }
      if (loading.contains(partition)) {
        return CompletableFuture.<R>failedFuture(new CoordinatorLoadInProgressException("The coordinator is loading "
            + "partition " + partition + " of " + MetadataImage.TRANSACTION_STATE_TOPIC));
      }
      return askEntity(transactionalId, command);
    });
  }

  /** {@link #ask} for InitProducerId, which may create the id's state: the id is registered (durably) first. */
  public <R> CompletionStage<R> askCreating(String transactionalId, Function<ActorRef<R>, TransactionEntity.Command> command) {
    return registry.add(transactionalId).handle((done, error) -> {
      if (error != null) {
        log.warn("Cannot register transactional id {}: {}", transactionalId, Failures.unwrap(error).toString());
        throw new CoordinatorNotAvailableException("The transactional id registry is not available");
      }
      return done;
    }).thenCompose(done -> ask(transactionalId, command));
  }

  private <R> CompletionStage<R> askEntity(String transactionalId, Function<ActorRef<R>, TransactionEntity.Command> command) {
    Duration timeout = settings.askTimeout();
    return CoordinatorShards.ask(system, TransactionEntity.ENTITY_KEY, TransactionEntity.entityId(transactionalId, nodeId),
        command, timeout, () -> {
          log.warn("The coordinator of transactional id {} did not answer within {}", transactionalId, timeout);
          return new CoordinatorNotAvailableException("The coordinator of " + transactionalId + " did not answer in time");
        });
  }

  /**
   * KIP-890 part 1, for Produce: whether {@code partitions} are in producer ({@code producerId}, {@code epoch})'s
   * ongoing transaction of {@code transactionalId}, as the id's coordinator answers a verify-only AddPartitionsToTxn:
   * asked directly when this node coordinates the id, else with that request (v4) over the Kafka protocol, as Kafka's
   * AddPartitionsToTxnManager does. Completes with the coordinator's error per partition (NONE when verified); a
   * coordinator that cannot be reached or asked fails the whole answer with its error.
   */
  public CompletionStage<Map<TopicPartition, Errors>> verify(String transactionalId, long producerId, short epoch,
                                                             Collection<TopicPartition> partitions) {
    return transactionTopic().thenCompose(topic -> {
      int leader = topic.leader(TransactionEntity.partitionFor(transactionalId, topic.partitionCount()));
      if (leader == nodeId) {
        CompletionStage<TransactionEntity.Verification> asked = ask(transactionalId, replyTo ->
            new TransactionEntity.VerifyPartitions(producerId, epoch, List.copyOf(partitions), replyTo));
        return asked.thenApply(v -> {
          var errors = new HashMap<TopicPartition, Errors>();
          v.errors().forEach((tp, code) -> errors.put(tp, Errors.forCode(code)));
          return (Map<TopicPartition, Errors>) errors;
        });
      }
      BrokerInfo coordinator = metadata.liveBrokers().get(leader);
      if (coordinator == null) {
        return CompletableFuture.<Map<TopicPartition, Errors>>failedFuture(
            new CoordinatorNotAvailableException("The coordinator of " + transactionalId + " is not available"));
      }
      return RemoteVerification.ask(channels.to(leader), BrokerConnection.addressOf(coordinator), transactionalId,
          producerId, epoch, partitions);
    });
  }

  /**
   * The states of the transactional ids this node coordinates (ListTransactions); the flag is false when some id did not
   * answer. Ids that do not exist (any more) are left out.
   */
  public CompletionStage<Listing> list() {
    if (!loading.isEmpty()) {
      return CompletableFuture.failedFuture(new CoordinatorLoadInProgressException("The coordinator is loading "
          + "partitions " + Set.copyOf(loading) + " of " + MetadataImage.TRANSACTION_STATE_TOPIC));
    }
    if (metadata.current().transactionStateTopic().isEmpty()) {
      return CompletableFuture.completedFuture(new Listing(Map.of(), true));
    }
    return registry.groupIds().thenCompose(ids -> {
      var asks = new ArrayList<CompletableFuture<Map.Entry<String, TransactionEntity.State>>>();
      for (String id : ids) {
        if (!coordinatesHere(id, metadata.current())) continue;
        CompletionStage<TransactionEntity.State> asked = ask(id, TransactionEntity.Describe::new);
        asks.add(asked.toCompletableFuture().thenApply(s -> Map.entry(id, s)).exceptionally(e -> null));
      }
      return CompletableFuture.allOf(asks.toArray(CompletableFuture[]::new)).thenApply(x -> {
        var states = new java.util.TreeMap<String, TransactionEntity.State>();
        boolean complete = true;
        for (var a : asks) {
          var e = a.join();
          if (e == null) complete = false;
          else if (e.getValue().exists()) states.put(e.getKey(), e.getValue());
        }
        return new Listing(states, complete);
      });
    });
  }

  /** Existing transactional ids with their states, and whether every registered id answered. */
  public record Listing(Map<String, TransactionEntity.State> states, boolean complete) {}

  private boolean coordinatesHere(String transactionalId, MetadataImage image) {
    return image.transactionStateTopic()
        .map(t -> t.leader(TransactionEntity.partitionFor(transactionalId, t.partitionCount())) == nodeId).orElse(false);
  }

  // ---------------------------------------------------------------- leadership

  private void onMetadata(MetadataImage image) {
    Set<Integer> ledAnew = new HashSet<>();
    Set<Integer> resigned = new HashSet<>();
    synchronized (leadershipLock) {
      Set<Integer> led = new HashSet<>();
      image.transactionStateTopic().ifPresent(t -> {
        for (int p = 0; p < t.partitionCount(); p++) if (t.leader(p) == nodeId) led.add(p);
      });
      led.stream().filter(p -> !ledPartitions.contains(p)).forEach(ledAnew::add);
      ledPartitions.stream().filter(p -> !led.contains(p)).forEach(resigned::add);
      ledPartitions = Set.copyOf(led);
      loading.addAll(ledAnew);
      loading.removeAll(resigned);
    }
    if (!ledAnew.isEmpty()) load(Set.copyOf(ledAnew));
    if (!resigned.isEmpty()) unload(Set.copyOf(resigned));
  }

  /**
   * Kafka's loadTransactionsForTxnTopicPartition: the registered ids of the partitions recover here (an entity in
   * PrepareCommit/PrepareAbort writes its markers again on recovery), then the partitions take requests.
   */
  private void load(Set<Integer> partitions) {
    registry.groupIds().whenComplete((ids, error) -> {
      if (error != null) {
        log.warn("Transactional id registry not readable; partitions {} take requests without loading their ids: {}",
            partitions, error.toString());
        loading.removeAll(partitions);
        return;
      }
      var topic = metadata.current().transactionStateTopic();
      if (topic.isEmpty()) return;
      var here = ids.stream()
          .filter(id -> partitions.contains(TransactionEntity.partitionFor(id, topic.get().partitionCount()))).toList();
      var recovered = new ArrayList<CompletableFuture<?>>();
      for (String id : here) {
        CompletionStage<TransactionEntity.State> asked = askEntity(id, TransactionEntity.Describe::new);
        recovered.add(asked.toCompletableFuture().exceptionally(e -> {
          log.warn("Transactional id {} did not load: {}", id, Failures.unwrap(e).toString());
          return null;
        }));
      }
      CompletableFuture.allOf(recovered.toArray(CompletableFuture[]::new)).whenComplete((x, e) -> {
        loading.removeAll(partitions);
        log.info("Loaded transaction state partitions {}: {} transactional id(s)", partitions, here.size());
      });
    });
  }

  /** Kafka's onResignation: the entities of partitions this node no longer leads stop. */
  private void unload(Set<Integer> partitions) {
    CoordinatorShards.unload(system, TransactionEntity.ENTITY_KEY, nodeId, partitions, TransactionEntity.Unload::new,
        settings.askTimeout(), log);
  }

  /** For tests and handlers: the ids registered (a superset of those that exist). */
  public CompletionStage<Set<String>> registeredIds() {
    return registry.groupIds();
  }

  List<Integer> ledPartitions() {
    synchronized (leadershipLock) {
      return List.copyOf(ledPartitions);
    }
  }
}
