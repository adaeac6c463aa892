package io.tributary.metadata;

import io.tributary.concurrent.AkkaFutures;
import io.tributary.concurrent.Failures;
import akka.Done;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.AskPattern;
import akka.cluster.ddata.LWWRegister;
import akka.cluster.ddata.typed.javadsl.Replicator;
import io.tributary.metadata.Controller.Accepted;
import io.tributary.metadata.Controller.Rejected;
import io.tributary.metadata.Controller.Reply;
import io.tributary.metadata.Controller.Request;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node-local {@link MetadataService}: one per ActorSystem (an Akka extension).
 *
 * <p>{@link #start(ActorSystem)} starts, on this node, the metadata Replicator (durable, in
 * {@code tributary.metadata.ddata-dir}), the {@link ControllerSeat} (which runs the {@link Controller}
 * while this node is the oldest live member) and a subscriber that keeps {@link #current()} up to date with the Replicator. Replies of the
 * Controller carry its new state, which is applied right away, so a change made through this
 * node is visible in {@link #current()} when its stage completes. Of two images the one with the
 * higher version wins, whichever way it arrived.
 *
 * <p>Await {@link #ready()} before serving clients: until the first state arrives {@link
 * #current()} is an empty image with version 0 and no cluster id. Needs a cluster ActorSystem
 * whose member is (or becomes) Up.
 */
public final class ClusterMetadataService implements MetadataService, Extension, LocalWrites {

  private static final Logger log = LoggerFactory.getLogger(ClusterMetadataService.class);

  private static final MetadataImage NOT_LOADED = MetadataState.EMPTY.toImage();

  private static final ExtensionId<ClusterMetadataService> ID = new ExtensionId<>() {
    @Override
    public ClusterMetadataService createExtension(ActorSystem<?> system) {
      return new ClusterMetadataService(system);
    }
  };

  /** Starts the metadata service of this node, or returns it if already started. Thread-safe. */
  public static ClusterMetadataService start(ActorSystem<?> system) {
    return system.registerExtension(ID);
  }

  private final ActorSystem<?> system;
  private final MetadataSettings settings;
  private final Object lock = new Object();
  private final List<Consumer<MetadataImage>> listeners = new CopyOnWriteArrayList<>();
  private final CompletableFuture<MetadataImage> ready = new CompletableFuture<>();
  private volatile MetadataImage image = NOT_LOADED;
  /** A state this node's Controller is writing and a majority has not confirmed yet (guarded by lock). */
  private MetadataState unconfirmedWrite;
  /** This node's {@link ControllerSeat}: it runs the Controller here or passes requests to the node that does. */
  private final ActorRef<Controller.Request> controller;
  private final ActorRef<Replicator.Command> replicator;

  private ClusterMetadataService(ActorSystem<?> system) {
    this.system = system;
    this.settings = MetadataSettings.fromConfig(system.settings().config());
    if (settings.ddataDir().isEmpty()) {
      log.warn("tributary.metadata.ddata-dir is not set: metadata is stored under Akka's default lmdb directory, "
          + "which depends on the port; set it to <data-dir>/__metadata");
    }
    this.replicator = system.systemActorOf(MetadataStore.replicator(settings), MetadataStore.REPLICATOR_NAME, Props.empty());
    this.controller = system.systemActorOf(ControllerSeat.create(replicator, settings, this), ControllerSeat.NAME, Props.empty()).narrow();
    system.systemActorOf(StateSubscriber.create(replicator, this::offer), "tributaryMetadataSubscriber", Props.empty());
  }

  /** Completes with the first loaded image (version >= 1, cluster id set). */
  public CompletionStage<MetadataImage> ready() {
    return ready.minimalCompletionStage();
  }

  @Override
  public MetadataImage current() {
    return image;
  }

  @Override
  public CompletionStage<MetadataImage> latest() {
    CompletionStage<Replicator.GetResponse<LWWRegister<MetadataState>>> got;
    try {
      got = AkkaFutures.plain(AskPattern.ask(replicator,
          replyTo -> new Replicator.Get<>(MetadataStore.KEY, Replicator.readLocal(), replyTo), settings.askTimeout(),
          system.scheduler()), system.executionContext());
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(image);
    }
    // whatever the Replicator answers (or not), the answer is the best image this node has
    return got.handle((response, failure) -> {
      if (response instanceof Replicator.GetSuccess<LWWRegister<MetadataState>> found) {
        offer(found.get(MetadataStore.KEY).getValue());
      }
      return image;
    });
  }

  /** The cluster id; empty before {@link #ready()}. */
  public String clusterId() {
    return image.clusterId();
  }

  @Override
  public CompletionStage<TopicInfo> createTopic(String name, int partitions, int replicationFactor, List<List<Integer>> replicas,
                                                Map<String, String> configs, boolean validateOnly) {
    return ask(replyTo -> new Controller.CreateTopic(name, partitions, replicationFactor, replicas, orEmpty(configs), validateOnly, replyTo),
        reply -> ((Controller.TopicDone) reply).topic());
  }

  @Override
  public CompletionStage<TopicInfo> deleteTopic(String name) {
    return ask(replyTo -> new Controller.DeleteTopic(name, replyTo), reply -> ((Controller.TopicDone) reply).topic());
  }

  @Override
  public CompletionStage<TopicInfo> createPartitions(String name, int totalCount, List<List<Integer>> replicas, boolean validateOnly) {
    return ask(replyTo -> new Controller.CreatePartitions(name, totalCount, replicas, validateOnly, replyTo),
        reply -> ((Controller.TopicDone) reply).topic());
  }

  @Override
  public CompletionStage<TopicInfo> ensureOffsetsTopic(int partitions, int replicationFactor) {
    var existing = image.offsetsTopic();
    if (existing.isPresent()) return CompletableFuture.completedFuture(existing.get());
    return ask(replyTo -> new Controller.EnsureOffsetsTopic(partitions, replicationFactor, replyTo), reply -> ((Controller.TopicDone) reply).topic());
  }

  @Override
  public boolean reachesMajority() {
    return ClusterView.reachesMajority(system);
  }

  @Override
  public CompletionStage<TopicInfo> ensureInternalTopic(String name, int partitions, int replicationFactor) {
    var existing = image.internalTopics().get(name);
    if (existing != null) return CompletableFuture.completedFuture(existing);
    return ask(replyTo -> new Controller.EnsureInternalTopic(name, partitions, replicationFactor, replyTo),
        reply -> ((Controller.TopicDone) reply).topic());
  }

  @Override
  public Map<Integer, BrokerInfo> liveBrokers() {
    Set<String> live = ClusterView.liveAddresses(system);
    var out = new HashMap<Integer, BrokerInfo>();
    image.brokers().forEach((id, b) -> {
      if (live.contains(b.clusterAddress())) out.put(id, b);
    });
    return out;
  }

  /**
   * The node hosting the Controller as this node sees it ({@link ControllerSeat}) if it is live, or, while
   * that member is not registered yet, the lowest live node id. Every node takes admin requests and passes them to
   * the Controller, as in Kafka's KRaft mode. -1 when no node is live.
   */
  @Override
  public int controllerId() {
    Map<Integer, BrokerInfo> live = liveBrokers();
    var oldest = ClusterView.controllerHost(system);
    if (oldest.isPresent()) {
      String address = oldest.get().toString();
      for (BrokerInfo b : live.values()) {
        if (b.clusterAddress().equals(address)) return b.nodeId();
      }
    }
    return live.keySet().stream().min(Integer::compare).orElse(-1);
  }

  @Override
  public CompletionStage<TopicInfo> replaceTopicConfigs(String name, Map<String, String> configs, boolean validateOnly) {
    return ask(replyTo -> new Controller.ReplaceTopicConfigs(name, orEmpty(configs), validateOnly, replyTo),
        reply -> ((Controller.TopicDone) reply).topic());
  }

  @Override
  public CompletionStage<Long> allocateProducerIds(int count) {
    return ask(replyTo -> new Controller.AllocateProducerIds(count, replyTo),
        reply -> ((Controller.ProducerIdsAllocated) reply).firstId());
  }

  @Override
  public CompletionStage<PartitionInfo> alterPartition(String topic, Uuid topicId, int partition, int leaderId, int leaderEpoch,
                                                       int partitionEpoch, List<Integer> newIsr) {
    return ask(replyTo -> new Controller.AlterPartition(topic, topicId, partition, leaderId, leaderEpoch, partitionEpoch, newIsr, replyTo),
        reply -> ((Controller.PartitionAltered) reply).partition());
  }

  @Override
  public CompletionStage<List<Controller.TopicElections>> electLeaders(ElectionType type, List<Controller.ElectionTarget> partitions) {
    return ask(replyTo -> new Controller.ElectLeaders(type, partitions, replyTo), reply -> ((Controller.LeadersElected) reply).topics());
  }

  @Override
  public CompletionStage<List<Controller.TopicOutcomes>> alterPartitionReassignments(List<Controller.ReassignmentTarget> topics) {
    return ask(replyTo -> new Controller.AlterReassignments(topics, replyTo), reply -> ((Controller.ReassignmentsAltered) reply).topics());
  }

  @Override
  public CompletionStage<Done> registerBroker(BrokerInfo broker) {
    return ask(replyTo -> new Controller.RegisterBroker(broker, replyTo), reply -> Done.getInstance());
  }

  /**
   * Calls {@code listener} with the current image if one is loaded, then with every newer image,
   * in version order. Listeners run on the thread that delivers the image and must not block.
   */
  @Override
  public void subscribe(Consumer<MetadataImage> listener) {
    synchronized (lock) {
      listeners.add(listener);
      if (image.version() > 0) notify(listener, image);
    }
  }

  /** Applies {@code state} if it is newer than what this node shows. */
  @Override
  public void writing(MetadataState next) {
    synchronized (lock) {
      unconfirmedWrite = next;
    }
  }

  @Override
  public void settled(MetadataState next, boolean confirmed) {
    synchronized (lock) {
      if (unconfirmedWrite != null && sameWrite(unconfirmedWrite, next)) unconfirmedWrite = null;
    }
    if (confirmed) offer(next);
  }

  private static boolean sameWrite(MetadataState a, MetadataState b) {
    return a.controllerEpoch() == b.controllerEpoch() && a.version() == b.version();
  }

  void offer(MetadataState state) {
    MetadataImage next = state.toImage();
    synchronized (lock) {
      if (unconfirmedWrite != null && sameWrite(unconfirmedWrite, state)) return; // see LocalWrites
      if (!next.isNewerThan(image)) return;
      image = next;
      for (var listener : listeners) notify(listener, next);
    }
    ready.complete(next);
  }

  private <T> CompletionStage<T> ask(Function<ActorRef<Reply>, Request> request, Function<Reply, T> result) {
    var answer = new CompletableFuture<T>();
    ask(request, result, answer, System.nanoTime() + settings.askTimeout().toNanos());
    return answer;
  }

  /** One attempt; NOT_CONTROLLER (the Controller is moving) is tried again after a pause until {@code deadline}. */
  private <T> void ask(Function<ActorRef<Reply>, Request> request, Function<Reply, T> result, CompletableFuture<T> answer,
                       long deadline) {
    Duration left = Duration.ofNanos(deadline - System.nanoTime());
    CompletionStage<Reply> asked;
    try {
      asked = AkkaFutures.plain(AskPattern.ask(controller, request::apply, left.isNegative() ? Duration.ofMillis(1) : left,
          system.scheduler()), system.executionContext());
    } catch (RuntimeException e) {
      answer.completeExceptionally(e);
      return;
    }
    asked.whenComplete((reply, failure) -> {
      if (failure != null) {
        answer.completeExceptionally(translate(failure));
      } else if (reply instanceof Rejected rejected) {
        Duration backoff = settings.notControllerRetryBackoff();
        if (rejected.errorCode() == Errors.NOT_CONTROLLER.code() && System.nanoTime() + backoff.toNanos() < deadline) {
          system.scheduler().scheduleOnce(backoff, () -> ask(request, result, answer, deadline), system.executionContext());
        } else {
          answer.completeExceptionally(Errors.forCode(rejected.errorCode()).exception(rejected.message()));
        }
      } else {
        offer(((Accepted) reply).state());
        answer.complete(result.apply(reply));
      }
    });
  }

  private Throwable translate(Throwable failure) {
    Throwable cause = Failures.unwrap(failure);
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return new TimeoutException("The metadata controller did not answer within " + settings.askTimeout().toMillis() + " ms.", cause);
    }
    return cause;
  }

  private static void notify(Consumer<MetadataImage> listener, MetadataImage image) {
    try {
      listener.accept(image);
    } catch (RuntimeException e) {
      log.warn("Metadata listener {} failed on version {}", listener, image.version(), e);
    }
  }

  /** A null map is empty; a null value (Kafka's "use the default") leaves the key out. */
  private static Map<String, String> orEmpty(Map<String, String> configs) {
    if (configs == null) return Map.of();
    var copy = new HashMap<String, String>();
    configs.forEach((k, v) -> {
      if (k != null && v != null) copy.put(k, v);
    });
    return copy;
  }
}
