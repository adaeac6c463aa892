package io.tributary.partition;

import io.tributary.concurrent.AkkaFutures;
import io.tributary.concurrent.Failures;
import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.stream.Materializer;
import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.MetadataService;
import io.tributary.metadata.PartitionInfo;
import io.tributary.metadata.TopicInfo;
import io.tributary.storage.FileChannelOpener;
import io.tributary.storage.LogConfig;
import io.tributary.storage.Directories;
import io.tributary.storage.PartitionLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's partitions as the protocol layer sees them (Kafka's replica manager), of topics and of internal topics
 * ({@code __consumer_offsets}) alike: {@link #handle} returns the open
 * {@link PartitionHandle} of a partition this node leads, asking its sharded {@link PartitionEntity} (which starts
 * it, on this node) only when no open handle is known here; a partition led by another node is refused with
 * NOT_LEADER_OR_FOLLOWER. Handles live only in this node-local registry: no message carries one. It also follows metadata changes: a deleted topic's
 * logs are deleted, an altered config reaches the open logs. It also knows which partitions a failed
 * write or fsync took offline: those answer {@code KAFKA_STORAGE_ERROR} until the node restarts (or their
 * topic is deleted), while every other partition keeps working. Thread-safe.
 */
public final class Partitions {
  private static final Logger log = LoggerFactory.getLogger(Partitions.class);

  /** Settings from {@code tributary.partition}. */
  public record Settings(int appendQueueSize, int maxWriteBatch, Duration passivateIdleAfter,
                         Duration idleCheckInterval, Duration retentionCheckInterval, Duration askTimeout,
                         Duration openResendAfter, int stashCapacity, Duration replicaLagTimeMax,
                         Duration quorumCheckInterval) {}

  private record Open(PartitionHandle handle, TopicInfo topic) {}

  private final ActorSystem<?> system;
  private final int nodeId;
  private final MetadataService metadata;
  private final Path dataDir;
  private final LogConfig logDefaults;
  private final Executor io;
  private final FileChannelOpener channels;
  private final Settings settings;
  private final Materializer materializer;
  private final Map<TopicPartition, Open> open = new ConcurrentHashMap<>();
  /** High watermarks of partitions closed since the node started: unchanged until they open again. */
  private final Map<TopicPartition, ClosedPartition> closedHighWatermarks = new ConcurrentHashMap<>();

  private record ClosedPartition(Uuid topicId, long highWatermark) {}

  /** A partition taken offline by a storage failure, and why. */
  public record OfflinePartition(TopicPartition topicPartition, Uuid topicId, String reason) {}

  private final Map<TopicPartition, OfflinePartition> offline = new ConcurrentHashMap<>();
  private volatile MetadataImage lastImage;
  private volatile boolean draining;
  private final IsrUpdates isrUpdates;
  private final IsrChanges isrChanges;
  private volatile boolean quorumLost;

  /** {@code channels} opens the segment files ({@link FileChannelOpener#DEFAULT}: the file system's own). */
  public Partitions(ActorSystem<?> system, int nodeId, MetadataService metadata, Path dataDir, LogConfig logDefaults,
                    Executor io, Settings settings, FileChannelOpener channels) {
    this.system = system;
    this.nodeId = nodeId;
    this.metadata = metadata;
    this.dataDir = dataDir;
    this.logDefaults = logDefaults;
    this.io = io;
    this.channels = channels;
    this.settings = settings;
    this.materializer = Materializer.matFromSystem(system);
    this.lastImage = metadata.current();
    this.isrUpdates = new IsrUpdates(nodeId, metadata, settings.replicaLagTimeMax());
    this.isrChanges = new IsrChanges(nodeId);
  }

  /** Starts sharding for partitions, deletes logs of topics that no longer exist, follows metadata. */
  public void start() {
    PartitionEntity.init(system, this);
    deleteOrphans(metadata.current());
    metadata.subscribe(this::onMetadata);
    // Kafka checks every half of replica.lag.time.max.ms, so a follower is dropped at most 1.5 times it late
    var every = settings.replicaLagTimeMax().dividedBy(2);
    system.scheduler().scheduleWithFixedDelay(every, every, () -> isrUpdates.shrinkLagging(openPartitions()),
        system.executionContext());
    system.scheduler().scheduleWithFixedDelay(settings.quorumCheckInterval(), settings.quorumCheckInterval(),
        this::checkQuorum, system.executionContext());
  }

  /**
   * Whether this node still reaches a majority of the cluster; on a change every open partition learns it. A leader
   * cut off from the majority will be replaced by it (its ISR cannot change without the Controller, so it acknowledges
   * nothing new meanwhile): it turns its clients away at once rather than let them wait on it for the whole cut.
   */
  private void checkQuorum() {
    boolean lost = !metadata.reachesMajority();
    if (lost == quorumLost) return;
    quorumLost = lost;
    if (lost) {
      log.warn("Node {} no longer reaches a majority of the cluster: it stops serving clients the replicated "
          + "partitions it leads until it does again", nodeId);
    } else {
      log.info("Node {} reaches a majority of the cluster again", nodeId);
    }
    openPartitions().forEach(h -> h.quorumLost(lost));
  }

  /** Whether this node was cut off from the majority at the last check (new handles start with it). */
  boolean quorumLost() {
    return quorumLost;
  }

  /**
   * On the leader: follower {@code replica} fetched {@code handle}'s partition from {@code fetchOffset} and was
   * answered from the log as it ended at {@code leaderEndAtRead}; the high watermark may move, and a follower that
   * caught up is proposed for the ISR.
   */
  public void followerFetched(PartitionHandle handle, int replica, long fetchOffset, long leaderEndAtRead) {
    if (handle.followerFetched(replica, fetchOffset, leaderEndAtRead)) isrUpdates.expand(handle, replica, fetchOffset);
  }

  /**
   * The open partition, starting it if needed; fails with the Kafka error of the reason it cannot be opened:
   * UNKNOWN_TOPIC_OR_PARTITION when metadata does not have it, NOT_LEADER_OR_FOLLOWER when another node leads it
   * (clients then refresh their metadata and go to the leader; data requests are never proxied).
   */
  public CompletionStage<PartitionHandle> handle(TopicPartition tp) {
    TopicInfo topic = metadata.current().anyTopic(tp.topic()).orElse(null);
    if (topic == null || tp.partition() < 0 || tp.partition() >= topic.partitionCount()) {
      return CompletableFuture.failedFuture(new UnknownTopicOrPartitionException("This server does not host this topic-partition."));
    }
    int leader = topic.leader(tp.partition());
    if (leader != nodeId) {
      return CompletableFuture.failedFuture(new NotLeaderOrFollowerException(
          "Node " + nodeId + " is not the leader of " + tp + "; its leader is node " + leader + "."));
    }
    return openLocal(tp).thenApply(h -> {
      if (h.cutOffFromClients()) {
        throw new NotLeaderOrFollowerException("Node " + nodeId + " is cut off from the majority of the cluster, "
            + "which elects another leader of " + tp + ".");
      }
      return h;
    });
  }

  /** The partition's handle on this node, asking its entity to open the log unless it is open. */
  private CompletionStage<PartitionHandle> openLocal(TopicPartition tp) {
    var down = offline.get(tp);
    if (down != null) {
      return CompletableFuture.failedFuture(new KafkaStorageException(
          "Partition " + tp + " is offline after a storage failure: " + down.reason()));
    }
    Open o = open.get(tp);
    if (o != null && o.handle().isOpen()) {
      return CompletableFuture.completedFuture(o.handle());
    }
    return askOpen(tp, System.nanoTime() + settings.askTimeout().toNanos())
        .thenApply(reply -> {
          if (reply instanceof PartitionEntity.OpenFailed failed) throw failed.exception();
          var opened = (PartitionEntity.Opened) reply;
          Open now = open.get(tp);
          if (now == null || !now.handle().topicId().equals(opened.topicId())) {
            throw new NotLeaderOrFollowerException("Partition " + tp + " is not open on node " + nodeId + ".");
          }
          return now.handle();
        });
  }

  /**
   * Asks the partition's entity to open, again every {@code open-resend-after} without an answer (a request may be
   * lost while sharding still names a previous incarnation of this node as the shard's home), until {@code deadline}.
   */
  private CompletionStage<PartitionEntity.OpenReply> askOpen(TopicPartition tp, long deadline) {
    long left = deadline - System.nanoTime();
    Duration attempt = Duration.ofNanos(Math.max(1_000_000L, Math.min(left, settings.openResendAfter().toNanos())));
    return AkkaFutures.plain(ClusterSharding.get(system)
            .entityRefFor(PartitionEntity.ENTITY_KEY, PartitionEntity.entityId(tp, nodeId))
            .<PartitionEntity.OpenReply>ask(PartitionEntity.Open::new, attempt), system.executionContext())
        .handle((reply, failure) -> {
          if (failure == null) return CompletableFuture.completedFuture(reply);
          if (System.nanoTime() < deadline) return askOpen(tp, deadline);
          return CompletableFuture.<PartitionEntity.OpenReply>failedFuture(
              new TimeoutException("Partition " + tp + " did not open within " + settings.askTimeout(), Failures.unwrap(failure)));
        })
        .thenCompose(stage -> stage);
  }

  /**
   * The open log of a partition this node holds a replica of, leader or follower, starting it if needed (the replica
   * fetchers append to it); UNKNOWN_TOPIC_OR_PARTITION when this node holds no replica of it.
   */
  public CompletionStage<PartitionHandle> replicaHandle(TopicPartition tp) {
    TopicInfo topic = metadata.current().anyTopic(tp.topic()).orElse(null);
    if (topic == null || tp.partition() < 0 || tp.partition() >= topic.partitionCount()
        || !topic.replicas(tp.partition()).contains(nodeId)) {
      return CompletableFuture.failedFuture(new UnknownTopicOrPartitionException(
          "Node " + nodeId + " holds no replica of " + tp + "."));
    }
    return openLocal(tp);
  }

  /** Partitions a storage failure took offline since the node started (their topics still exist). */
  public List<OfflinePartition> offlinePartitions() {
    return List.copyOf(offline.values());
  }

  /** The ISR shrinks and expands of the partitions this node leads, since it started. */
  public IsrChanges isrChanges() {
    return isrChanges;
  }

  /** This node's replicas, leaders and under-replicated partitions as its metadata shows them now. */
  public ReplicaStatus replicaStatus() {
    // min.insync.replicas of a topic: the topic's override (validated when it was set), else this node's default
    return ReplicaStatus.of(metadata.current(), nodeId, t -> {
      String value = t.configs().get("min.insync.replicas");
      return value != null ? Integer.parseInt(value.trim()) : logDefaults.minInsyncReplicas();
    });
  }

  /** Partitions currently open on this node. */
  public List<PartitionHandle> openPartitions() {
    return open.values().stream().map(Open::handle).toList();
  }

  /**
   * The high watermark of a partition open on this node, or last seen when it closed (passivated), without
   * opening it; -1 if it has not been open since the node started.
   */
  public long knownHighWatermark(TopicPartition tp) {
    Open o = open.get(tp);
    var topic = lastImage.anyTopic(tp.topic());
    if (o != null) {
      boolean current = topic.isPresent() && topic.get().topicId().equals(o.handle().topicId());
      return current ? o.handle().peekHighWatermark() : -1L;
    }
    var closed = closedHighWatermarks.get(tp);
    boolean current = closed != null && topic.isPresent() && topic.get().topicId().equals(closed.topicId());
    return current ? closed.highWatermark() : -1L;
  }

  /** Shutdown has begun: waiting fetches are answered now, and new ones do not wait. */
  public void drain() {
    draining = true;
    open.values().forEach(o -> o.handle().wakeWaiters());
  }

  public boolean draining() {
    return draining;
  }

  /** Closes every open log (clean-shutdown markers), for node shutdown. */
  public CompletionStage<Done> closeAll() {
    var closing = new ArrayList<CompletableFuture<Done>>();
    for (var tp : List.copyOf(open.keySet())) {
      Open o = open.remove(tp);
      if (o != null) closedHighWatermarks.put(tp, new ClosedPartition(o.handle().topicId(), o.handle().peekHighWatermark()));
      if (o != null) closing.add(o.handle().close().toCompletableFuture().exceptionally(e -> {
        log.warn("Closing {} failed: {}", tp, e.getMessage());
        return Done.getInstance();
      }));
    }
    return CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).thenApply(x -> Done.getInstance());
  }

  MetadataService metadata() { return metadata; }

  /**
   * {@code tp}'s assignment in the node's current metadata, read on every use so that a handle opened before a
   * leader election answers with the new epoch and ISR at once; null once that incarnation of the topic is gone.
   */
  PartitionInfo partitionInfo(TopicPartition tp, Uuid topicId) {
    TopicInfo topic = metadata.current().anyTopic(tp.topic()).orElse(null);
    if (topic == null || !topic.topicId().equals(topicId) || tp.partition() >= topic.partitionCount()) {
      return null;
    }
    return topic.partition(tp.partition());
  }

  int nodeId() { return nodeId; }

  Path dataDir() { return dataDir; }
  LogConfig logDefaults() { return logDefaults; }
  Executor ioExecutor() { return io; }
  FileChannelOpener channels() { return channels; }
  Settings settings() { return settings; }

  AppendPipeline newPipeline(PartitionLog log, Runnable onWritten, Consumer<KafkaStorageException> onOffline) {
    return new AppendPipeline(log, settings.appendQueueSize(), settings.maxWriteBatch(), io, materializer, onWritten,
        onOffline);
  }

  /** Called once per partition, by its writer, when a write or fsync failed. */
  void markOffline(PartitionHandle handle, KafkaStorageException failure) {
    var tp = handle.topicPartition();
    log.error("Partition {} is offline: its produce and fetch requests get KAFKA_STORAGE_ERROR until the node restarts",
        tp, failure);
    offline.put(tp, new OfflinePartition(tp, handle.topicId(), failure.getMessage()));
  }

  void register(PartitionHandle handle, TopicInfo topic) {
    open.put(handle.topicPartition(), new Open(handle, topic));
    handle.quorumLost(quorumLost); // after the put: a change from now on reaches it through openPartitions()
    closedHighWatermarks.remove(handle.topicPartition());
    handle.assignmentChanged();
    // opened while a reassignment took this node off the partition: the metadata change has passed, delete it now
    if (removedHere(metadata.current(), handle.topicPartition())) {
      ClusterSharding.get(system).entityRefFor(PartitionEntity.ENTITY_KEY, PartitionEntity.entityId(handle.topicPartition(), nodeId))
          .tell(new PartitionEntity.Delete());
    }
  }

  void unregister(PartitionHandle handle) {
    open.computeIfPresent(handle.topicPartition(), (tp, o) -> {
      if (o.handle() != handle) return o;
      closedHighWatermarks.put(tp, new ClosedPartition(handle.topicId(), handle.peekHighWatermark()));
      return null;
    });
  }

  private synchronized void onMetadata(MetadataImage image) {
    // ordered by (controller epoch, version): after a takeover the new Controller's versions may repeat the old one's
    if (!image.isNewerThan(lastImage)) return;
    var previous = lastImage;
    lastImage = image;
    isrChanges.observe(previous, image);
    var sharding = ClusterSharding.get(system);
    for (var o : open.values()) {
      var tp = o.handle().topicPartition();
      var now = image.anyTopic(tp.topic());
      var ref = sharding.entityRefFor(PartitionEntity.ENTITY_KEY, PartitionEntity.entityId(tp, nodeId));
      if (now.isEmpty() || !now.get().topicId().equals(o.handle().topicId())) {
        ref.tell(new PartitionEntity.Delete());
      } else if (removedHere(image, tp)) {
        log.info("Node {} is no longer a replica of {} (reassigned to {}): deleting its log", nodeId, tp,
            now.get().replicas(tp.partition()));
        ref.tell(new PartitionEntity.Delete());
      } else {
        if (!now.get().configs().equals(o.topic().configs())) {
          ref.tell(new PartitionEntity.ConfigChanged());
          open.computeIfPresent(tp, (k, v) -> new Open(v.handle(), now.get()));
        }
        o.handle().assignmentChanged();
      }
    }
    closedHighWatermarks.entrySet().removeIf(e -> image.anyTopic(e.getKey().topic())
        .map(t -> !t.topicId().equals(e.getValue().topicId())).orElse(true));
    // a deleted topic's offline partitions go with it; a new topic of the same name starts online
    offline.entrySet().removeIf(e -> image.anyTopic(e.getKey().topic())
        .map(t -> !t.topicId().equals(e.getValue().topicId())).orElse(true));
    deleteRemovedReplicas(previous, image);
    boolean topicGone = Stream.concat(previous.topics().values().stream(), previous.internalTopics().values().stream())
        .anyMatch(t -> image.anyTopic(t.name()).map(n -> !n.topicId().equals(t.topicId())).orElse(true));
    if (topicGone) {
      io.execute(() -> deleteOrphans(image));
    }
  }

  /**
   * Whether metadata no longer names this node among {@code tp}'s replicas while the partition exists (a reassignment
   * moved it away): its log goes, as with Kafka's StopReplica with delete. Partitions stored before assignments
   * existed have no replicas and are kept.
   */
  private boolean removedHere(MetadataImage image, TopicPartition tp) {
    var topic = image.topic(tp.topic());
    if (topic.isEmpty() || tp.partition() >= topic.get().partitionCount()) return false;
    List<Integer> replicas = topic.get().replicas(tp.partition());
    return !replicas.isEmpty() && !replicas.contains(nodeId);
  }

  /**
   * The directories of partitions this node was a replica of in {@code previous} and is not in {@code image}, and that
   * are not open (open ones are deleted by their entity), are deleted off the caller's thread.
   */
  private void deleteRemovedReplicas(MetadataImage previous, MetadataImage image) {
    var removed = new ArrayList<TopicPartition>();
    for (TopicInfo before : previous.topics().values()) {
      var after = image.topic(before.name()).filter(t -> t.topicId().equals(before.topicId()));
      if (after.isEmpty()) continue;
      for (int p = 0; p < Math.min(before.partitionCount(), after.get().partitionCount()); p++) {
        var tp = new TopicPartition(before.name(), p);
        if (before.replicas(p).contains(nodeId) && removedHere(image, tp) && !open.containsKey(tp)) removed.add(tp);
      }
    }
    if (removed.isEmpty()) return;
    io.execute(() -> {
      for (var tp : removed) {
        Path dir = PartitionDirectory.of(dataDir, tp);
        // opened meanwhile: its entity deletes it (see register)
        if (open.containsKey(tp) || !Files.isDirectory(dir)) continue;
        try {
          log.info("Node {} is no longer a replica of {}: deleting {}", nodeId, tp, dir);
          Directories.deleteRecursively(dir);
        } catch (IOException e) {
          log.warn("Could not delete {}, which this node no longer replicates: {}", dir, e.getMessage());
        }
      }
    });
  }

  /** Deletes partition directories of topics (or topic incarnations) that metadata no longer has and that are not open. */
  private void deleteOrphans(MetadataImage image) {
    try (Stream<Path> dirs = Files.list(dataDir)) {
      for (Path dir : (Iterable<Path>) dirs::iterator) {
        var tp = PartitionDirectory.parse(dir.getFileName().toString());
        if (tp.isEmpty() || !Files.isDirectory(dir) || open.containsKey(tp.get())) continue;
        var id = PartitionDirectory.readTopicId(dir);
        var topic = image.anyTopic(tp.get().topic());
        boolean orphan = id.isPresent() && (topic.isEmpty() || !topic.get().topicId().equals(id.get())
            || tp.get().partition() >= topic.get().partitionCount());
        if (orphan) {
          log.info("Deleting {}: its topic no longer exists", dir);
          Directories.deleteRecursively(dir);
        }
      }
    } catch (IOException e) {
      log.warn("Could not clean up deleted topics' logs in {}: {}", dataDir, e.getMessage());
    }
  }
}
