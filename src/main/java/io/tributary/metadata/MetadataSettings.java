package io.tributary.metadata;

import com.typesafe.config.Config;
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
    boolean uncleanLeaderElection) {

  private static final String UNCLEAN_LEADER_ELECTION = "tributary.log.unclean.leader.election.enable";

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
        root.hasPath(UNCLEAN_LEADER_ELECTION) && root.getBoolean(UNCLEAN_LEADER_ELECTION));
  }

  /** How long the Controller waits for any Replicator answer; the Replicator itself answers within the read/write timeouts. */
  Duration replicatorAskTimeout() {
    return readTimeout.plus(writeTimeout).plus(replicatorAskMargin);
  }
}
