package io.tributary.ops;

import akka.actor.typed.ActorSystem;
import akka.cluster.Member;
import akka.cluster.typed.Cluster;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheus.PrometheusConfig;
import io.micrometer.prometheus.PrometheusMeterRegistry;
import io.tributary.group.CommittedOffsetsView;
import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.MetadataService;
import io.tributary.metadata.TopicInfo;
import io.tributary.partition.PartitionHandle;
import io.tributary.partition.Partitions;
import io.tributary.protocol.BrokerMetrics;
import io.tributary.concurrent.Failures;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntSupplier;
import java.util.function.ToDoubleFunction;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * The node's metrics in a Micrometer {@link PrometheusMeterRegistry}.
 *
 * Hot path ({@link BrokerMetrics}): one cached {@link Timer} per API key (an array slot) and four
 * cached counters per topic (one map lookup), so a request costs two {@code nanoTime} calls and a
 * few atomic adds. Everything else — partition offsets and sizes, consumer-group lag, connections,
 * cluster members — is read when Prometheus scrapes, from state the node keeps anyway (group lag from
 * the {@link CommittedOffsetsView}, so a scrape wakes no group and opens no partition).
 */
public final class NodeMetrics implements BrokerMetrics, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeMetrics.class);

  private static final String[] MEMBER_STATUSES = {
      "Joining", "WeaklyUp", "Up", "Leaving", "Exiting", "Down", "Removed", "PreparingForShutdown", "ReadyForShutdown"};

  private record TopicMeters(Counter bytesIn, Counter recordsIn, Counter bytesOut, Counter recordsOut) {}

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Timer[] requestTimers;
  /** Latency buckets of the per-API request histogram. */
  private final Duration[] latencyBuckets;
  private final Counter[] requestFailures;
  private final Map<String, TopicMeters> topics = new ConcurrentHashMap<>();
  private final MultiGauge logEndOffset;
  private final MultiGauge logStartOffset;
  private final MultiGauge logSize;
  private final MultiGauge groupCommitted;
  private final MultiGauge groupLag;
  private final MultiGauge groupLagSum;
  private final JvmGcMetrics gc;
  private volatile Partitions partitions;
  private volatile CommittedOffsetsView groupOffsets;
  /** Partitions opened by a scrape to learn their high watermark. */
  private final java.util.Set<TopicPartition> opening = ConcurrentHashMap.newKeySet();
  /** Partitions whose open for a scrape failed, and when (nanoTime). */
  private final Map<TopicPartition, Long> failedOpens = new ConcurrentHashMap<>();
  private final int opensPerScrape;
  private final long retryFailedOpenNanos;
  private volatile IntSupplier connections = () -> 0;
  private volatile ReplicationMetrics replication;
  private final int nodeId;

  public NodeMetrics(ActorSystem<?> system, int nodeId, boolean jvm) {
    this.nodeId = nodeId;
    registry.config().commonTags("node", Integer.toString(nodeId));
    int maxId = 0;
    for (ApiKeys api : ApiKeys.values()) maxId = Math.max(maxId, api.id);
    var lagConfig = system.settings().config().getConfig("tributary.metrics.group-lag");
    latencyBuckets = system.settings().config().getDurationList("tributary.metrics.request-latency-buckets")
        .toArray(Duration[]::new);
    opensPerScrape = lagConfig.getInt("opens-per-scrape");
    retryFailedOpenNanos = lagConfig.getDuration("retry-failed-open-after").toNanos();
    requestTimers = new Timer[maxId + 1];
    requestFailures = new Counter[maxId + 1];
    logEndOffset = MultiGauge.builder("tributary.partition.log.end.offset")
        .description("Next offset to be written (log end offset) of each partition open on this node")
        .register(registry);
    logStartOffset = MultiGauge.builder("tributary.partition.log.start.offset")
        .description("First offset still in the log of each partition open on this node")
        .register(registry);
    logSize = MultiGauge.builder("tributary.partition.size").baseUnit("bytes")
        .description("Size on disk of each partition open on this node")
        .register(registry);
    groupCommitted = MultiGauge.builder("tributary.group.committed.offset")
        .description("Committed offset of each partition of each consumer group coordinated on this node")
        .register(registry);
    groupLag = MultiGauge.builder("tributary.group.lag")
        .description("High watermark minus committed offset, per group and partition (a partition not open"
            + " since the node started appears from the scrape after the one that opened it)")
        .register(registry);
    groupLagSum = MultiGauge.builder("tributary.group.lag.sum")
        .description("Sum of tributary_group_lag over the group's partitions")
        .register(registry);
    Gauge.builder("tributary.kafka.connections.active", this, m -> m.connections.getAsInt())
        .description("Open Kafka client connections").register(registry);
    var cluster = Cluster.get(system);
    for (String status : MEMBER_STATUSES) {
      Gauge.builder("tributary.cluster.members", cluster, c -> countMembers(c, status))
          .tag("status", status).description("Akka cluster members by status, as this node sees them").register(registry);
    }
    Gauge.builder("tributary.cluster.unreachable.members", cluster, c -> c.state().getUnreachable().size())
        .description("Cluster members that some member's failure detector marks unreachable, as this node sees them")
        .register(registry);
    if (jvm) {
      new JvmMemoryMetrics().bindTo(registry);
      gc = new JvmGcMetrics();
      gc.bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new ClassLoaderMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      new UptimeMetrics().bindTo(registry);
    } else {
      gc = null;
    }
  }

  private static double countMembers(Cluster cluster, String status) {
    int n = 0;
    for (Member m : cluster.state().getMembers()) {
      if (m.status().toString().equals(status)) n++;
    }
    return n;
  }

  /** The parts of the node that exist only once it has started. */
  public void bind(Partitions partitions, IntSupplier openConnections, CommittedOffsetsView groupOffsets,
                   MetadataService metadata) {
    this.partitions = partitions;
    this.connections = openConnections;
    this.groupOffsets = groupOffsets;
    metadata.subscribe(this::forgetDeletedTopics);
    Gauge.builder("tributary.partitions.offline", partitions, p -> p.offlinePartitions().size())
        .description("Partitions a failed write or fsync took offline since the node started (KAFKA_STORAGE_ERROR)")
        .register(registry);
    Gauge.builder("tributary.partitions.led", metadata, m -> partitionsLed(m.current(), nodeId))
        .description("Partitions of topics (not of the internal offsets topic) whose leader is this node, in its metadata")
        .register(registry);
  }

  /** Kafka's replication metrics, from this node's partitions and its followers' fetcher lags. */
  public void bindReplication(Partitions partitions, io.tributary.partition.FetcherLags fetcherLags, MetadataService metadata) {
    replication = new ReplicationMetrics(registry, nodeId, partitions, fetcherLags, metadata);
  }

  /** How many partitions of {@code image}'s topics {@code nodeId} leads. */
  static int partitionsLed(MetadataImage image, int nodeId) {
    int led = 0;
    for (TopicInfo topic : image.topics().values()) {
      for (int p = 0; p < topic.partitionCount(); p++) {
        if (topic.leader(p) == nodeId) led++;
      }
    }
    return led;
  }

  /** A deleted topic's counters leave the scrape (a topic created again under that name starts at zero). */
  private void forgetDeletedTopics(MetadataImage image) {
    for (String topic : List.copyOf(topics.keySet())) {
      if (image.topic(topic).isPresent()) continue;
      // removed from the registry inside the map's lock for the key, so that a concurrent meters(topic)
      // either sees the old meters before they go or registers new ones after
      topics.computeIfPresent(topic, (t, m) -> {
        registry.remove(m.bytesIn());
        registry.remove(m.recordsIn());
        registry.remove(m.bytesOut());
        registry.remove(m.recordsOut());
        return null;
      });
    }
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The Prometheus text exposition (format 0.0.4) of every metric, partition gauges refreshed first. */
  public synchronized String scrape() {
    var p = partitions;
    if (p != null) {
      List<PartitionHandle> open = p.openPartitions();
      logEndOffset.register(rows(open, PartitionHandle::logEndOffset), true);
      logStartOffset.register(rows(open, PartitionHandle::logStartOffset), true);
      logSize.register(rows(open, PartitionHandle::sizeInBytes), true);
      var r = replication;
      if (r != null) r.refresh(open);
      var offsets = groupOffsets;
      if (offsets != null) registerGroupLag(p, offsets.snapshot());
    }
    return registry.scrape();
  }

  private void registerGroupLag(Partitions p, Map<String, Map<TopicPartition, Long>> groups) {
    List<MultiGauge.Row<?>> committedRows = new ArrayList<>();
    List<MultiGauge.Row<?>> lagRows = new ArrayList<>();
    List<MultiGauge.Row<?>> sumRows = new ArrayList<>();
    int[] opens = {0};
    long now = System.nanoTime();
    failedOpens.values().removeIf(at -> now - at > retryFailedOpenNanos);
    groups.forEach((group, offsets) -> {
      long sum = 0;
      boolean any = false;
      for (var e : offsets.entrySet()) {
        var tp = e.getKey();
        Tags tags = Tags.of("group", group, "topic", tp.topic(), "partition", Integer.toString(tp.partition()));
        committedRows.add(MultiGauge.Row.of(tags, e.getValue()));
        long hw = p.knownHighWatermark(tp);
        if (hw < 0) {
          // not open since the node started: open it once (it passivates again when idle, and its high
          // watermark stays known), so its lag appears from a later scrape; a few per scrape
          if (opens[0] < opensPerScrape && !p.draining() && !failedOpens.containsKey(tp) && opening.add(tp)) {
            opens[0]++;
            p.handle(tp).whenComplete((h, error) -> {
              if (error != null) {
                failedOpens.put(tp, System.nanoTime());
                log.warn("Could not open {} to learn its group lag (not tried again for {} s): {}", tp,
                    java.util.concurrent.TimeUnit.NANOSECONDS.toSeconds(retryFailedOpenNanos), Failures.unwrap(error).toString());
              }
              opening.remove(tp);
            });
          }
          continue;
        }
        long lag = Math.max(0, hw - e.getValue());
        lagRows.add(MultiGauge.Row.of(tags, lag));
        sum += lag;
        any = true;
      }
      if (any) sumRows.add(MultiGauge.Row.of(Tags.of("group", group), sum));
    });
    groupCommitted.register(committedRows, true);
    groupLag.register(lagRows, true);
    groupLagSum.register(sumRows, true);
  }

  private static List<MultiGauge.Row<?>> rows(List<PartitionHandle> open, ToDoubleFunction<PartitionHandle> value) {
    List<MultiGauge.Row<?>> rows = new ArrayList<>(open.size());
    for (PartitionHandle h : open) {
      var tp = h.topicPartition();
      rows.add(MultiGauge.Row.of(Tags.of("topic", tp.topic(), "partition", Integer.toString(tp.partition())), h,
          handle -> {
            try {
              return handle.isOpen() ? value.applyAsDouble(handle) : Double.NaN;
            } catch (RuntimeException e) {
              return Double.NaN; // closed under us (passivation): the next scrape drops it
            }
          }));
    }
    return rows;
  }

  @Override
  public void requestCompleted(ApiKeys api, long nanos, boolean failed) {
    Timer timer = requestTimers[api.id];
    if (timer == null) {
      timer = Timer.builder("tributary.kafka.requests")
          .description("Kafka protocol requests handled, by API, and how long they took")
          .tag("api", api.name)
          .serviceLevelObjectives(latencyBuckets)
          .register(registry);
      requestTimers[api.id] = timer; // a racing writer registers the same meter: the registry returns one instance
    }
    timer.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    if (failed) {
      Counter c = requestFailures[api.id];
      if (c == null) {
        c = Counter.builder("tributary.kafka.request.failures").tag("api", api.name)
            .description("Requests whose handler failed (answered with the API's error response)").register(registry);
        requestFailures[api.id] = c;
      }
      c.increment();
    }
  }

  @Override
  public void produced(String topic, int bytes, int records) {
    TopicMeters m = meters(topic);
    m.bytesIn.increment(bytes);
    m.recordsIn.increment(records);
  }

  @Override
  public void fetched(String topic, int bytes, int records) {
    TopicMeters m = meters(topic);
    m.bytesOut.increment(bytes);
    m.recordsOut.increment(records);
  }

  private TopicMeters meters(String topic) {
    TopicMeters m = topics.get(topic);
    return m != null ? m : topics.computeIfAbsent(topic, t -> new TopicMeters(
        counter("tributary.topic.bytes.in", t, "Bytes of record batches appended (produce)"),
        counter("tributary.topic.records.in", t, "Records appended (produce)"),
        counter("tributary.topic.bytes.out", t, "Bytes of record batches sent to consumers (fetch)"),
        counter("tributary.topic.records.out", t, "Records sent to consumers (fetch)")));
  }

  private Counter counter(String name, String topic, String description) {
    return Counter.builder(name).tag("topic", topic).description(description).register(registry);
  }

  @Override
  public void close() {
    if (gc != null) gc.close();
    registry.close();
  }
}
