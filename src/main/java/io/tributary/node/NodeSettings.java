package io.tributary.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import io.tributary.partition.Partitions;
import io.tributary.partition.ReplicaFetcher;
import io.tributary.protocol.FetchSessions;
import io.tributary.protocol.KafkaServer;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The node's settings, read once from the {@code tributary} config section. Immutable.
 *
 * @param defaultReplicationFactor Kafka's default.replication.factor ({@code tributary.default.replication.factor}),
 *     at least 1 (the Kafka API handlers read it from the config; it is checked here so that a bad value stops the
 *     node at start)
 */
public record NodeSettings(int nodeId, String rack, Path dataDir, Duration shutdownDrainTimeout, Duration startupTimeout,
                           Duration terminationTimeout, KafkaServer.Settings kafka, String advertisedHost,
                           int advertisedPort, boolean autoCreateTopics, int defaultPartitions, int defaultReplicationFactor,
                           Partitions.Settings partition, FetchSessions.Settings fetchSessions, int producerIdBlockSize,
                           ReplicaFetcher.Settings replication, int fetchReadChunkBytes) {

  public NodeSettings {
    if (defaultReplicationFactor < 1 || defaultReplicationFactor > Short.MAX_VALUE) {
      throw new ConfigException.BadValue("tributary.default.replication.factor",
          "must be between 1 and " + Short.MAX_VALUE + ", not " + defaultReplicationFactor);
    }
  }

  public static NodeSettings from(Config config) {
    Config t = config.getConfig("tributary");
    Config node = t.getConfig("node");
    Config kafka = t.getConfig("kafka");
    Config partition = t.getConfig("partition");
    var server = new KafkaServer.Settings(
        kafka.getString("host"),
        kafka.getInt("port"),
        kafka.getInt("socket.request.max.bytes"),
        kafka.getInt("max-in-flight-per-connection"),
        kafka.getInt("max-connections"),
        Duration.ofMillis(kafka.getLong("connections.max.idle.ms")),
        kafka.getInt("listen-backlog"));
    return new NodeSettings(
        node.getInt("id"),
        node.getString("rack").isBlank() ? null : node.getString("rack"),
        Path.of(node.getString("data-dir")).toAbsolutePath().normalize(),
        node.getDuration("shutdown-drain-timeout"),
        node.getDuration("startup-timeout"),
        node.getDuration("termination-timeout"),
        server,
        kafka.getString("advertised-host"),
        kafka.getInt("advertised-port"),
        t.getBoolean("auto.create.topics.enable"),
        t.getInt("num.partitions"),
        t.getInt("default.replication.factor"),
        new Partitions.Settings(
            partition.getInt("append-queue-size"),
            partition.getInt("max-write-batch"),
            partition.getDuration("passivate-idle-after"),
            partition.getDuration("idle-check-interval"),
            Duration.ofMillis(t.getLong("log.retention.check.interval.ms")),
            partition.getDuration("ask-timeout"),
            partition.getDuration("open-resend-after"),
            partition.getInt("stash-capacity"),
            t.getDuration("replication.replica-lag-time-max"),
            partition.getDuration("quorum-check-interval")),
        new FetchSessions.Settings(kafka.getInt("max.incremental.fetch.session.cache.slots"),
            kafka.getDuration("fetch-session-evictable-after")),
        t.getInt("producer-id-block-size"),
        replication(t.getConfig("replication")),
        kafka.getInt("fetch-read-chunk-bytes"));
  }

  private static ReplicaFetcher.Settings replication(Config r) {
    return new ReplicaFetcher.Settings(
        r.getDuration("fetch-max-wait"),
        r.getInt("fetch-min-bytes"),
        r.getInt("fetch-response-max-bytes"),
        r.getInt("fetch-max-bytes"),
        r.getDuration("fetch-backoff"),
        r.getDuration("connect-timeout"),
        r.getDuration("request-timeout"),
        r.getInt("fetch-response-max-bytes") + 1024 * 1024,
        r.getDuration("replica-lag-time-max"));
  }
}
