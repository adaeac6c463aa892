package io.tributary.ops;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.MetadataService;
import io.tributary.metadata.PartitionInfo;
import io.tributary.metadata.TopicInfo;
import io.tributary.partition.FetcherLags;
import io.tributary.partition.PartitionHandle;
import io.tributary.partition.Partitions;
import io.tributary.partition.ReplicaStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * Kafka's replication metrics under the names the Prometheus JMX exporter's Kafka rules give Kafka's MBeans
 * ({@code kafka.server<type=ReplicaManager, name=UnderReplicatedPartitions>} becomes {@code
 * kafka_server_replicamanager_underreplicatedpartitions}, a {@code ...PerSec} meter becomes a {@code _total} counter),
 * so that dashboards and alerts written for Kafka work unchanged. Everything is read when Prometheus scrapes, from
 * state the node keeps anyway: its metadata (ISR, leaders, live nodes), the leader's record of its followers' fetches
 * and the follower's record of its leaders' answers; a scrape opens no partition and waits on no actor.
 */
final class ReplicationMetrics {
  private final int nodeId;
  private final Partitions partitions;
  private final FetcherLags fetcherLags;
  private final MetadataService metadata;
  private final MultiGauge consumerLag;
  private final MultiGauge replicaLag;
  /** The counts of the current scrape, read by the gauges. */
  private volatile ReplicaStatus status = new ReplicaStatus(0, 0, 0, 0, 0);
  private volatile int offlinePartitions;
  private volatile boolean activeController;

  ReplicationMetrics(MeterRegistry registry, int nodeId, Partitions partitions, FetcherLags fetcherLags,
                     MetadataService metadata) {
    this.nodeId = nodeId;
    this.partitions = partitions;
    this.fetcherLags = fetcherLags;
    this.metadata = metadata;
    gauge(registry, "kafka.server.replicamanager.partitioncount", s -> s.status.partitionCount(),
        "Partitions this node holds a replica of (Kafka's ReplicaManager PartitionCount)");
    gauge(registry, "kafka.server.replicamanager.leadercount", s -> s.status.leaderCount(),
        "Partitions this node leads (Kafka's ReplicaManager LeaderCount)");
    gauge(registry, "kafka.server.replicamanager.underreplicatedpartitions", s -> s.status.underReplicated(),
        "Partitions this node leads whose ISR lacks some of their replicas");
    gauge(registry, "kafka.server.replicamanager.underminisrpartitioncount", s -> s.status.underMinIsr(),
        "Partitions this node leads whose ISR is smaller than min.insync.replicas (acks=all is refused)");
    gauge(registry, "kafka.server.replicamanager.atminisrpartitioncount", s -> s.status.atMinIsr(),
        "Partitions this node leads whose ISR holds exactly min.insync.replicas replicas");
    var isr = partitions.isrChanges();
    FunctionCounter.builder("kafka.server.replicamanager.isrshrinks", isr, c -> c.shrinks())
        .description("ISR shrinks of partitions this node led (Kafka's IsrShrinksPerSec count)").register(registry);
    FunctionCounter.builder("kafka.server.replicamanager.isrexpands", isr, c -> c.expands())
        .description("ISR expands of partitions this node led (Kafka's IsrExpandsPerSec count)").register(registry);
    gauge(registry, "kafka.controller.kafkacontroller.offlinepartitionscount", s -> s.offlinePartitions,
        "On the node hosting the Controller: partitions with no live leader (0 on the other nodes, as in Kafka)");
    gauge(registry, "kafka.controller.kafkacontroller.activecontrollercount", s -> s.activeController ? 1 : 0,
        "1 on the node hosting the metadata Controller, else 0");
    Gauge.builder("kafka.server.replicafetchermanager.maxlag", fetcherLags, FetcherLags::max).tag("clientId", "Replica")
        .description("The largest follower lag (leader's high watermark minus fetch offset) over the partitions this node follows")
        .register(registry);
    consumerLag = MultiGauge.builder("kafka.server.fetcherlagmetrics.consumerlag")
        .description("Per partition this node follows: the leader's high watermark minus the offset it fetches next")
        .register(registry);
    replicaLag = MultiGauge.builder("tributary.partition.replica.lag")
        .description("Per partition this node leads and follower: the leader's log end minus the follower's, as of the"
            + " follower's last fetch (a follower that has not fetched since this node became leader is left out)")
        .register(registry);
  }

  private void gauge(MeterRegistry registry, String name, ToDoubleFunction<ReplicationMetrics> value, String description) {
    Gauge.builder(name, this, value).description(description).register(registry);
  }

  /** Reads the state the gauges show; called at each scrape, before the registry is written out. */
  void refresh(List<PartitionHandle> open) {
    status = partitions.replicaStatus();
    activeController = metadata.controllerId() == nodeId;
    offlinePartitions = activeController ? offlineCount(metadata.current(), metadata.liveBrokers().keySet()) : 0;
    List<MultiGauge.Row<?>> consumer = new ArrayList<>();
    fetcherLags.snapshot().forEach((tp, lag) -> consumer.add(MultiGauge.Row.of(Tags.of(
        "clientId", "ReplicaFetcherThread-0-" + lag.leaderId(), "topic", tp.topic(),
        "partition", Integer.toString(tp.partition())), lag.lag())));
    consumerLag.register(consumer, true);
    List<MultiGauge.Row<?>> replicas = new ArrayList<>();
    for (PartitionHandle h : open) {
      PartitionInfo info = h.isOpen() ? h.assignment() : null;
      if (info == null || info.leader() != nodeId) continue;
      for (int replica : info.replicas()) {
        long lag = replica == nodeId ? -1 : h.followerLag(replica);
        if (lag < 0) continue;
        replicas.add(MultiGauge.Row.of(Tags.of("topic", h.topicPartition().topic(),
            "partition", Integer.toString(h.topicPartition().partition()), "replica", Integer.toString(replica)), lag));
      }
    }
    replicaLag.register(replicas, true);
  }

  /** Partitions without a leader, or whose leader is not live (Kafka's OfflinePartitionsCount). */
  static int offlineCount(MetadataImage image, Set<Integer> live) {
    return offline(image.topics(), live) + offline(image.internalTopics(), live);
  }

  private static int offline(Map<String, TopicInfo> topics, Set<Integer> live) {
    int n = 0;
    for (TopicInfo t : topics.values()) {
      for (int p = 0; p < t.partitionCount(); p++) {
        PartitionInfo info = t.partition(p);
        if (!info.hasLeader() || !live.contains(info.leader())) n++;
      }
    }
    return n;
  }
}
