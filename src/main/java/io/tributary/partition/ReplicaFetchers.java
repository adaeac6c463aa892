package io.tributary.partition;

import akka.actor.typed.ActorSystem;
import io.tributary.metadata.BrokerInfo;
import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.MetadataService;
import io.tributary.metadata.PartitionInfo;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's follower side (Kafka's replica fetcher manager): it watches the metadata and keeps one
 * {@link ReplicaFetcher} per leader node, fetching exactly the partitions this node follows from it. A partition
 * whose leader moves goes to that leader's fetcher; a fetcher left with nothing to fetch stops and closes its
 * connection. Thread-safe.
 */
public final class ReplicaFetchers {
  private static final Logger log = LoggerFactory.getLogger(ReplicaFetchers.class);

  private final ActorSystem<?> system;
  private final int nodeId;
  private final MetadataService metadata;
  private final Partitions partitions;
  private final ReplicaFetcher.Settings settings;
  private final BrokerConnection.Factory connections;
  private final FetcherLags lags = new FetcherLags();
  private final Map<Integer, ReplicaFetcher> fetchers = new HashMap<>(); // guarded by this
  private boolean stopped; // guarded by this

  public ReplicaFetchers(ActorSystem<?> system, int nodeId, MetadataService metadata, Partitions partitions,
                         ReplicaFetcher.Settings settings) {
    this.system = system;
    this.nodeId = nodeId;
    this.metadata = metadata;
    this.partitions = partitions;
    this.settings = settings;
    this.connections = BrokerConnection.factory(system, "tributary-replica-" + nodeId, settings.connectTimeout(),
        settings.requestTimeout(), settings.maxResponseBytes());
  }

  /** How far this node is behind the leaders it follows (Kafka's fetcher lag metrics). */
  public FetcherLags lags() {
    return lags;
  }

  public void start() {
    metadata.subscribe(this::onMetadata);
    onMetadata(metadata.current());
  }

  /** Stops every fetcher (node shutdown). */
  public synchronized void stop() {
    stopped = true;
    fetchers.values().forEach(ReplicaFetcher::stop);
    fetchers.clear();
  }

  private synchronized void onMetadata(MetadataImage image) {
    if (stopped) return;
    Map<Integer, Map<TopicPartition, ReplicaFetcher.Target>> byLeader = new HashMap<>();
    // internal topics too: the offsets topic's partitions are replicated like any topic's
    for (var topic : java.util.stream.Stream.concat(image.topics().values().stream(), image.internalTopics().values().stream()).toList()) {
      for (int p = 0; p < topic.partitionCount(); p++) {
        PartitionInfo info = topic.partition(p);
        if (info.leader() < 0 || info.leader() == nodeId || !info.replicas().contains(nodeId)) continue;
        byLeader.computeIfAbsent(info.leader(), l -> new HashMap<>())
            .put(new TopicPartition(topic.name(), p), new ReplicaFetcher.Target(topic.topicId(), info.leaderEpoch()));
      }
    }
    var fetched = new java.util.HashSet<TopicPartition>();
    byLeader.forEach((leader, partitionsOfLeader) -> {
      if (image.brokers().containsKey(leader)) fetched.addAll(partitionsOfLeader.keySet());
    });
    lags.retain(fetched);
    for (var it = fetchers.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!byLeader.containsKey(e.getKey()) || !image.brokers().containsKey(e.getKey())) {
        log.debug("Node {} no longer follows anything led by node {}", nodeId, e.getKey());
        e.getValue().stop();
        it.remove();
      }
    }
    byLeader.forEach((leader, followed) -> {
      var broker = image.brokers().get(leader);
      if (broker == null) return;
      var fetcher = fetchers.computeIfAbsent(leader, l -> {
        log.info("Node {} follows {} partition(s) led by node {} at {}", nodeId, followed.size(), l, replicationAddress(broker));
        return new ReplicaFetcher(nodeId, l, partitions, connections, settings, this::after, lags);
      });
      fetcher.assign(followed, replicationAddress(broker));
      fetcher.start();
    });
  }

  static String replicationAddress(BrokerInfo broker) {
    return BrokerConnection.addressOf(broker);
  }

  private CompletableFuture<Void> after(Duration delay) {
    var done = new CompletableFuture<Void>();
    system.scheduler().scheduleOnce(delay, () -> done.complete(null), system.executionContext());
    return done;
  }
}
