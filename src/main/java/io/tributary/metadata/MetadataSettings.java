package io.tributary.metadata;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueFactory;
import java.time.Duration;

/**
 * Settings of this package, read from {@code tributary.metadata} (see reference.conf).
 *
 * @param replicatorConfig the settings of the metadata's own Replicator: {@code
 *     tributary.metadata.replicator} over {@code akka.cluster.distributed-data}, with {@code
 *     durable.lmdb.dir} set from {@code tributary.metadata.ddata-dir} when that is not empty
 * @param uncleanLeaderElection the broker default of {@code unclean.leader.election.enable} ({@code
 *     tributary.log.unclean.leader.election.enable}), which a topic's override replaces
 * @param autoLeaderRebalance Kafka's {@code auto.leader.rebalance.enable} ({@code tributary.auto.leader.rebalance.enable})
 * @param leaderImbalanceCheckInterval Kafka's {@code leader.imbalance.check.interval.seconds}, at least one second
 * @param leaderImbalancePerBrokerPercentage Kafka's {@code leader.imbalance.per.broker.percentage}, at least 0 (above
 *     100 no broker is ever imbalanced enough)
 * @param leaderUnreachableGrace how long a partition's leader whose node is unreachable keeps its leadership
 */
public record MetadataSettings(
    String ddataDir,
    Duration readTimeout,
    Duration writeTimeout,
    Duration askTimeout,
    Duration notControllerRetryBackoff,
    int stashCapacity,
    Duration replicatorAskMargin,
    Duration restartMinBackoff,
    Duration restartMaxBackoff,
    double restartRandomFactor,
    Config replicatorConfig,
    boolean uncleanLeaderElection,
    boolean autoLeaderRebalance,
    Duration leaderImbalanceCheckInterval,
    int leaderImbalancePerBrokerPercentage,
    Duration leaderUnreachableGrace) {

  private static final String UNCLEAN_LEADER_ELECTION = "tributary.log.unclean.leader.election.enable";
  private static final String AUTO_LEADER_REBALANCE = "tributary.auto.leader.rebalance.enable";
  private static final String IMBALANCE_CHECK_INTERVAL = "tributary.leader.imbalance.check.interval.seconds";
  private static final String IMBALANCE_PERCENTAGE = "tributary.leader.imbalance.per.broker.percentage";

  public static MetadataSettings fromConfig(Config root) {
    Config c = root.getConfig("tributary.metadata");
    String dir = c.getString("ddata-dir").trim();
    Config replicator = c.getConfig("replicator").withFallback(root.getConfig("akka.cluster.distributed-data"));
    if (!dir.isEmpty()) {
      replicator = replicator.withValue("durable.lmdb.dir", ConfigValueFactory.fromAnyRef(dir));
    }
    return new MetadataSettings(
        dir,
        c.getDuration("read-timeout"),
        c.getDuration("write-timeout"),
        c.getDuration("ask-timeout"),
        c.getDuration("not-controller-retry-backoff"),
        c.getInt("stash-capacity"),
        c.getDuration("replicator-ask-margin"),
        c.getDuration("restart-backoff.min"),
        c.getDuration("restart-backoff.max"),
        c.getDouble("restart-backoff.random-factor"),
        replicator,
        root.hasPath(UNCLEAN_LEADER_ELECTION) && root.getBoolean(UNCLEAN_LEADER_ELECTION),
        root.getBoolean(AUTO_LEADER_REBALANCE),
        // at most what Akka's scheduler accepts as a delay (about 248 days)
        Duration.ofSeconds(inRange(root, IMBALANCE_CHECK_INTERVAL, 1, Integer.MAX_VALUE / 100)),
        (int) inRange(root, IMBALANCE_PERCENTAGE, 0, Integer.MAX_VALUE),
        c.getDuration("leader-unreachable-grace"));
  }

  /** The integer at {@code path}, refused (as Kafka's config validators refuse theirs) outside {@code min..max}. */
  private static long inRange(Config root, String path, long min, long max) {
    long value = root.getLong(path);
    if (value < min || value > max) {
      throw new ConfigException.BadValue(path, "must be between " + min + " and " + max + ", not " + value);
    }
    return value;
  }

  /** How long the Controller waits for any Replicator answer; the Replicator itself answers within the read/write timeouts. */
  Duration replicatorAskTimeout() {
    return readTimeout.plus(writeTimeout).plus(replicatorAskMargin);
  }
}
