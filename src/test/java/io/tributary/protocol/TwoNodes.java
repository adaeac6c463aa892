package io.tributary.protocol;

import com.typesafe.config.ConfigFactory;
import io.tributary.it.TestBrokers;
import io.tributary.node.BrokerNode;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Two nodes in one JVM as one cluster (both seeds, every message serialized as if it crossed nodes). Public for
 * the tests of other packages that need a cluster with real Kafka listeners (the clients outside the JVM).
 */
public final class TwoNodes {
  private TwoNodes() {}

  /**
   * Starts nodes 1 and 2 under {@code dir} together and returns them in that order once both are ready; {@code
   * settings} (HOCON lines) apply to both.
   */
  public static List<BrokerNode> start(Path dir, String... settings) throws Exception {
    int p1 = freePort();
    int p2 = freePort();
    String seeds = "127.0.0.1:" + p1 + ",127.0.0.1:" + p2;
    // a majority of the two seeds (both) must be up before either serves: start them together
    var first = CompletableFuture.supplyAsync(() -> BrokerNode.start(node(1, p1, seeds, dir.resolve("n1"), settings)));
    var second = CompletableFuture.supplyAsync(() -> BrokerNode.start(node(2, p2, seeds, dir.resolve("n2"), settings)));
    return List.of(first.get(120, TimeUnit.SECONDS), second.get(120, TimeUnit.SECONDS));
  }

  /**
   * Node {@code id} of a cluster {@link #start} began under {@code dir}, started again after {@code closed} (its
   * earlier incarnation) was closed: on its data directory, cluster port and seeds, so it rejoins the other node.
   */
  public static BrokerNode restart(Path dir, int id, BrokerNode closed, String... settings) {
    var config = closed.system().settings().config();
    return BrokerNode.start(node(id, config.getInt("tributary.cluster.port"), config.getString("tributary.cluster.seed-nodes"),
        dir.resolve("n" + id), settings));
  }

  public static com.typesafe.config.Config node(int id, int clusterPort, String seeds, Path data, String... settings) {
    return ConfigFactory.parseMap(Map.of(
        "tributary.node.id", id,
        "tributary.cluster.port", clusterPort,
        "tributary.cluster.seed-nodes", seeds,
        "akka.actor.serialize-messages", "on"))
        .withFallback(TestBrokers.config(data, settings).withoutPath("akka.remote.artery.canonical.port"));
  }

  public static int freePort() throws IOException {
    try (var socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
