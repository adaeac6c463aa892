package io.tributary.group;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Settings of the group coordinator, read from {@code tributary.group} (see reference.conf). The
 * Kafka-named settings keep Kafka's broker names: {@code tributary.group.initial.rebalance.delay.ms}
 * is Kafka's {@code group.initial.rebalance.delay.ms}, and so on. Immutable.
 */
public record GroupSettings(
    long initialRebalanceDelayMs,
    int minSessionTimeoutMs,
    int maxSessionTimeoutMs,
    int maxSize,
    long offsetsRetentionMs,
    long offsetsRetentionCheckIntervalMs,
    int offsetMetadataMaxBytes,
    long newMemberJoinTimeoutMs,
    int snapshotEvery,
    int keepSnapshots,
    Duration journalFailureMinBackoff,
    Duration journalFailureMaxBackoff,
    double journalFailureRandomFactor) {

  public static GroupSettings fromConfig(Config root) {
    var c = root.getConfig("tributary.group");
    return new GroupSettings(
        c.getLong("initial.rebalance.delay.ms"),
        c.getInt("min.session.timeout.ms"),
        c.getInt("max.session.timeout.ms"),
        c.getInt("max.size"),
        TimeUnit.MINUTES.toMillis(c.getLong("offsets.retention.minutes")),
        c.getLong("offsets.retention.check.interval.ms"),
        c.getInt("offset.metadata.max.bytes"),
        c.getLong("new.member.join.timeout.ms"),
        c.getInt("snapshot-every"),
        c.getInt("keep-snapshots"),
        c.getDuration("journal-failure-backoff.min"),
        c.getDuration("journal-failure-backoff.max"),
        c.getDouble("journal-failure-backoff.random-factor"));
  }

  /** Akka's path of the offsets-topic journal plugin (reference.conf). */
  public static final String OFFSETS_TOPIC_JOURNAL = "akka.persistence.journal.tributary-offsets-topic";
  /** Akka's path of the offsets-topic snapshot store plugin (reference.conf). */
  public static final String OFFSETS_TOPIC_SNAPSHOT_STORE = "akka.persistence.snapshot-store.tributary-offsets-topic";

  /**
   * Whether group events go to the replicated offsets topic: {@code tributary.group.journal} is {@code offsets-topic},
   * or {@code auto} on a node started with seed nodes (a cluster); a single node keeps the LevelDB journal.
   */
  public static boolean usesOffsetsTopicJournal(Config root) {
    String journal = root.getString("tributary.group.journal").trim();
    return switch (journal) {
      case "offsets-topic" -> true;
      case "leveldb" -> false;
      case "auto" -> !root.getString("tributary.cluster.seed-nodes").isBlank();
      default -> throw new ConfigException.BadValue("tributary.group.journal",
          "must be auto, leveldb or offsets-topic, not " + journal);
    };
  }

  /** The Akka Persistence plugin choice for {@link #usesOffsetsTopicJournal}; empty (tributary-akka.conf's) otherwise. */
  public static Config journalPlugins(Config root) {
    if (!usesOffsetsTopicJournal(root)) return ConfigFactory.empty();
    return ConfigFactory.parseMap(Map.of(
        "akka.persistence.journal.plugin", OFFSETS_TOPIC_JOURNAL,
        "akka.persistence.snapshot-store.plugin", OFFSETS_TOPIC_SNAPSHOT_STORE));
  }

  /**
   * The persistence settings a node puts on top of its config for data directory {@code dataDir}:
   * the LevelDB journal under {@code <dataDir>/__journal}, snapshots under {@code
   * <dataDir>/__snapshots}. It sets both {@code tributary.group.journal-dir}/{@code snapshot-dir}
   * and the Akka plugin paths, so it also works on top of an already resolved Config (where
   * reference.conf's {@code ${tributary.group.journal-dir}} substitution has been fixed already).
   * Use as {@code GroupSettings.persistenceConfig(dir).withFallback(config)}.
   */
  public static Config persistenceConfig(Path dataDir) {
    String journal = dataDir.resolve("__journal").toAbsolutePath().toString();
    String snapshots = dataDir.resolve("__snapshots").toAbsolutePath().toString();
    return ConfigFactory.parseMap(
        Map.of(
            "tributary.group.journal-dir", journal,
            "tributary.group.snapshot-dir", snapshots,
            "akka.persistence.journal.leveldb.dir", journal,
            "akka.persistence.snapshot-store.local.dir", snapshots));
  }
}
