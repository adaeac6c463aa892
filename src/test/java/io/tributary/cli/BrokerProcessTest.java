package io.tributary.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.ops.PrometheusText;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code broker} process as a supervisor sees it: configured through its environment or its flags, a
 * SIGTERM is a graceful stop, and a node that the cluster downs exits non-zero so that it is restarted.
 */
class BrokerProcessTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration START = Duration.ofSeconds(120);
  /** Exit status of a JVM that a SIGTERM ended (128 + 15), as before this command existed. */
  static final int SIGTERM_STATUS = 143;

  @TempDir
  Path dir;

  @Test
  void configuredOnlyThroughTheEnvironmentAndStoppedGracefullyBySigterm() throws Exception {
    int http = BrokerProcess.freePort();
    int kafka = BrokerProcess.freePort();
    Map<String, String> env = Map.of("TRIBUTARY_NODE_ID", "7", "TRIBUTARY_HOST", "127.0.0.1",
        "TRIBUTARY_PORT", Integer.toString(kafka), "TRIBUTARY_ADVERTISED_HOST", "localhost",
        "TRIBUTARY_CLUSTER_HOST", "127.0.0.1", "TRIBUTARY_CLUSTER_PORT", Integer.toString(BrokerProcess.freePort()),
        "TRIBUTARY_SEED_NODES", "", "TRIBUTARY_DATA_DIR", dir.resolve("data").toString(),
        "TRIBUTARY_HTTP_PORT", Integer.toString(http));
    try (var broker = BrokerProcess.start(dir.resolve("env.log"), env, List.of(), kafka, http, "--config", emptyConfig())) {
      broker.awaitReady(START);
      assertTrue(broker.tail().contains("Tributary node 7 ready"), broker.tail());
      assertTrue(broker.tail().contains("(advertised localhost:"), broker.tail());
      var health = broker.get("/health");
      assertEquals(200, health.statusCode(), health.body());
      assertEquals("Up", JSON.readTree(health.body()).get("member_status").asText());

      broker.signal("TERM");
      assertEquals(SIGTERM_STATUS, broker.awaitExit(Duration.ofSeconds(60)), broker.tail());
      assertFalse(broker.tail().contains("exiting with status"), broker.tail());
    }
  }

  /**
   * Two nodes, both seeds. The one with the higher address is frozen (SIGSTOP) until the other's split brain resolver
   * downs it and the cluster removes it; thawed, it learns that and its process exits with
   * {@link BrokerExit#REMOVED_FROM_CLUSTER}. On the way: /health is DOWN while a node waits for the other seed and UP
   * once it is an Up member, and the survivor's gauges count the unreachable member and then one member Up.
   */
  @Test
  void aNodeThatTheClusterDownsExitsNonZero() throws Exception {
    int clusterA = BrokerProcess.freePort();
    int clusterB = BrokerProcess.freePort();
    if (clusterB < clusterA) {
      int t = clusterA;
      clusterA = clusterB;
      clusterB = t;
    }
    String seeds = "127.0.0.1:" + clusterA + ",127.0.0.1:" + clusterB;
    // quick downing, so that the test waits seconds, not the production margin
    List<String> fastDowning = List.of("-Dtributary.cluster.downing-stable-after=4s");
    int httpA = BrokerProcess.freePort();
    int httpB = BrokerProcess.freePort();
    try (var a = node(1, clusterA, seeds, httpA, fastDowning); var b = nodeLater(2, clusterB, seeds, httpB, fastDowning, a)) {
      b.awaitReady(START);
      a.awaitReady(START);
      PrometheusText both = await("both nodes Up as node 1 sees them").atMost(Duration.ofSeconds(30))
          .until(() -> metrics(a), m -> m.value("tributary_cluster_members", "status", "Up") == 2);
      assertEquals(0, both.value("tributary_cluster_unreachable_members"));
      assertEquals(200, b.get("/health").statusCode());
      partitionsAreSpreadAndLedWhereDescribeSays(a, b);

      b.signal("STOP");
      await("node 1 to see node 2 unreachable").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
          .until(() -> metrics(a).value("tributary_cluster_unreachable_members") == 1);
      PrometheusText alone = await("node 1's resolver to down node 2 and the cluster to remove it").atMost(Duration.ofSeconds(60))
          .until(() -> metrics(a), m -> m.value("tributary_cluster_members", "status", "Up") == 1
              && m.value("tributary_cluster_unreachable_members") == 0);
      assertEquals(0, alone.value("tributary_cluster_members", "status", "Down"));

      b.signal("CONT");
      assertEquals(BrokerExit.REMOVED_FROM_CLUSTER, b.awaitExit(Duration.ofSeconds(90)), b.tail());
      assertTrue(b.tail().contains("tributary: the cluster downed this node")
          || b.tail().contains("tributary: this node was removed from the cluster"), b.tail());
      assertTrue(a.isAlive());
      var health = a.get("/health");
      assertEquals(200, health.statusCode(), health.body());
    }
  }

  /**
   * A topic of 4 partitions created through node 1 and described through node 2: {@code topics describe} names each
   * partition's leader, two on each node (round-robin), and each node's {@code tributary_partitions_led} agrees.
   */
  private static void partitionsAreSpreadAndLedWhereDescribeSays(BrokerProcess a, BrokerProcess b) throws Exception {
    var created = CliTest.raw("topics", "create", "spread", "--partitions", "4", "--bootstrap-server", a.bootstrapServers());
    assertEquals(0, created.exit(), created.err());
    // node 2 learns the new topic from the replicated metadata a moment after node 1's Controller wrote it (as a
    // Kafka broker learns it from the metadata log), so a describe through node 2 may not find it at first
    var described = await("node 2 to describe the topic created through node 1").atMost(Duration.ofSeconds(30))
        .until(() -> CliTest.raw("topics", "describe", "spread", "--bootstrap-server", b.bootstrapServers()), r -> r.exit() == 0);
    Map<Integer, Integer> led = new HashMap<>();
    var line = Pattern.compile("\tTopic: spread\tPartition: (\\d)\tLeader: (\\d+)\tReplicas: (\\d+)\tIsr: (\\d+)");
    for (String l : described.lines()) {
      var m = line.matcher(l);
      if (!m.matches()) continue;
      assertEquals(m.group(2), m.group(3), "one replica, the leader: " + l);
      assertEquals(m.group(2), m.group(4), "in sync: " + l);
      led.merge(Integer.parseInt(m.group(2)), 1, Integer::sum);
    }
    assertEquals(Map.of(1, 2, 2, 2), led, described.out());
    for (var node : List.of(a, b)) {
      await("each node's gauge of the partitions it leads").atMost(Duration.ofSeconds(30))
          .until(() -> metrics(node).value("tributary_partitions_led") == 2);
    }
  }

  /** Node 1 first: until the second seed is up it is not an Up member, so /health is DOWN. Then node 2. */
  private BrokerProcess nodeLater(int id, int clusterPort, String seeds, int http, List<String> jvm, BrokerProcess first)
      throws Exception {
    JsonNode waiting = await("node 1 answering /health while it waits for node 2").atMost(START)
        .ignoreExceptions().until(() -> JSON.readTree(first.get("/health").body()), h -> h.has("member_status"));
    assertEquals("DOWN", waiting.get("status").asText(), waiting.toString());
    assertEquals(503, first.get("/health").statusCode());
    return node(id, clusterPort, seeds, http, jvm);
  }

  private BrokerProcess node(int id, int clusterPort, String seeds, int http, List<String> jvm) throws Exception {
    int kafka = BrokerProcess.freePort();
    return BrokerProcess.start(dir.resolve("node-" + id + ".log"), Map.of(), jvm, kafka, http, "--config", emptyConfig(),
        "--node-id", Integer.toString(id), "--host", "127.0.0.1", "--port", Integer.toString(kafka),
        "--cluster-host", "127.0.0.1", "--cluster-port", Integer.toString(clusterPort), "--seed-nodes", seeds,
        "--data-dir", dir.resolve("data-" + id).toString(), "--http-port", Integer.toString(http));
  }

  private static PrometheusText metrics(BrokerProcess node) throws Exception {
    var r = node.get("/metrics");
    assertEquals(200, r.statusCode(), r.body());
    return PrometheusText.parse(r.body());
  }

  private String emptyConfig() throws Exception {
    return Files.writeString(dir.resolve("empty.conf"), "").toString();
  }
}
