package io.tributary.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.tributary.metadata.NodeRoles;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How a node joins its cluster, from {@code tributary.cluster.*}: the seed nodes as Akka addresses, this node's
 * role (which carries its node id, so that the sharding allocation and the duplicate-id check can find a node by
 * its id), and the number of members that must be up before the cluster serves (a majority of the seeds).
 */
final class ClusterJoin {
  /** The actor system's name: part of every cluster address. */
  static final String SYSTEM_NAME = "tributary";

  private ClusterJoin() {}

  /** The Akka settings derived from the resolved {@code config}; goes above it. */
  static Config akkaSettings(Config config) {
    int nodeId = config.getInt("tributary.node.id");
    List<String> seeds = seedAddresses(config.getString("tributary.cluster.seed-nodes"));
    return ConfigFactory.parseMap(Map.of(
        "akka.cluster.seed-nodes", ConfigValueFactory.fromIterable(seeds),
        "akka.cluster.roles", ConfigValueFactory.fromIterable(List.of(NodeRoles.roleOf(nodeId))),
        // one seed: a cluster of one; n seeds: a majority must be up before members are Up (and the controller starts)
        "akka.cluster.min-nr-of-members", seeds.isEmpty() ? 1 : seeds.size() / 2 + 1));
  }

  /** {@code "h1:p1, h2:p2"} as Akka addresses; empty for a blank list. */
  static List<String> seedAddresses(String seedNodes) {
    var addresses = new ArrayList<String>();
    for (String seed : seedNodes.split(",")) {
      String s = seed.trim();
      if (s.isEmpty()) continue;
      int colon = s.lastIndexOf(':');
      if (colon <= 0 || colon == s.length() - 1) {
        throw new IllegalArgumentException("Seed node '" + s + "' is not host:port (tributary.cluster.seed-nodes)");
      }
      try {
        Integer.parseInt(s.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("Seed node '" + s + "' has no numeric port (tributary.cluster.seed-nodes)");
      }
      addresses.add("akka://" + SYSTEM_NAME + "@" + s);
    }
    return addresses;
  }
}
