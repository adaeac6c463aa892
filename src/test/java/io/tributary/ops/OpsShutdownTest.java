package io.tributary.ops;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Leave;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.it.TestBrokers;
import io.tributary.node.BrokerNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metrics and probes across a node's stop and start. Once shutdown begins, {@code /ready} answers 503 (orchestrators stop routing to the node) while {@code
 * /health} still answers 200 (the process is alive, draining, and still an Up cluster member), until the HTTP server stops.
 * A node that leaves the cluster is DOWN.
 */
class OpsShutdownTest {
  @TempDir
  Path dataDir;

  @Test
  void readyTurns503WhenShutdownBeginsWhileHealthStaysUp() throws Exception {
    BrokerNode node = TestBrokers.start(dataDir, "tributary.http.port = 0");
    var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    String base = "http://127.0.0.1:" + node.httpPort();
    assertEquals(200, status(http, base + "/ready").get(30, TimeUnit.SECONDS));

    var readyDuringShutdown = new CompletableFuture<Integer>();
    var healthDuringShutdown = new CompletableFuture<Integer>();
    // runs after service-unbind (where the node turns not-ready) and before service-stop (where HTTP stops)
    CoordinatedShutdown.get(node.system()).addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "probe-ready",
        () -> status(http, base + "/ready")
            .thenCompose(ready -> {
              readyDuringShutdown.complete(ready);
              return status(http, base + "/health");
            })
            .handle((health, error) -> {
              if (error != null) {
                readyDuringShutdown.completeExceptionally(error);
                healthDuringShutdown.completeExceptionally(error);
              } else {
                healthDuringShutdown.complete(health);
              }
              return Done.getInstance();
            }));
    node.close();

    assertEquals(503, readyDuringShutdown.get(30, TimeUnit.SECONDS));
    assertEquals(200, healthDuringShutdown.get(30, TimeUnit.SECONDS));
  }

  /** A node that leaves the cluster (here told to by the cluster API, as an operator or another node would) is DOWN from then on. */
  @Test
  void healthIsDownOnceTheNodeLeavesTheCluster() throws Exception {
    BrokerNode node = TestBrokers.start(dataDir, "tributary.http.port = 0");
    var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    String health = "http://127.0.0.1:" + node.httpPort() + "/health";
    assertEquals(200, status(http, health).get(30, TimeUnit.SECONDS));

    var duringShutdown = new CompletableFuture<HttpResponse<String>>();
    // the node's shutdown starts when the cluster has moved it to Exiting; the HTTP server stops at service-stop
    CoordinatedShutdown.get(node.system()).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "probe-health",
        () -> http.sendAsync(HttpRequest.newBuilder(URI.create(health)).timeout(Duration.ofSeconds(20)).GET().build(),
                HttpResponse.BodyHandlers.ofString())
            .handle((response, error) -> {
              if (error != null) duringShutdown.completeExceptionally(error);
              else duringShutdown.complete(response);
              return Done.getInstance();
            }));
    var cluster = Cluster.get(node.system());
    cluster.manager().tell(Leave.create(cluster.selfMember().address()));
    try {
      var response = duringShutdown.get(60, TimeUnit.SECONDS);
      assertEquals(503, response.statusCode(), response.body());
      var body = new ObjectMapper().readTree(response.body());
      assertEquals("DOWN", body.get("status").asText());
      assertTrue(List.of("Leaving", "Exiting", "Removed").contains(body.get("member_status").asText()), response.body());
    } finally {
      node.close();
    }
  }

  @Test
  void groupLagIsScrapedAgainAfterARestart() throws Exception {
    BrokerNode node = TestBrokers.start(dataDir, "tributary.http.port = 0");
    try (var admin = Admin.create(TestBrokers.adminProps(node))) {
      admin.createTopics(List.of(new NewTopic("restart-lag", 1, (short) 1))).all().get();
    }
    try (var producer = new KafkaProducer<byte[], byte[]>(TestBrokers.producerProps(node))) {
      for (int i = 0; i < 12; i++) producer.send(new ProducerRecord<>("restart-lag", new byte[] {(byte) i})).get();
    }
    var props = TestBrokers.consumerProps(node);
    props.put("group.id", "restart-lag-g");
    try (var consumer = new KafkaConsumer<byte[], byte[]>(props)) {
      consumer.commitSync(Map.of(new TopicPartition("restart-lag", 0), new OffsetAndMetadata(4)));
    }
    node.close();

    // after the restart neither the group nor the partition has been used: the scrape must find both
    node = TestBrokers.start(dataDir, "tributary.http.port = 0");
    try {
      var http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      var url = URI.create("http://127.0.0.1:" + node.httpPort() + "/metrics");
      PrometheusText m = await("the lag of the group and partition unused since the restart").atMost(Duration.ofSeconds(30))
          .until(() -> PrometheusText.parse(
                  http.send(HttpRequest.newBuilder(url).GET().build(), HttpResponse.BodyHandlers.ofString()).body()),
              scraped -> scraped.has("tributary_group_lag", "group", "restart-lag-g"));
      assertEquals(4, m.value("tributary_group_committed_offset", "group", "restart-lag-g", "topic", "restart-lag", "partition", "0"));
      assertEquals(8, m.value("tributary_group_lag", "group", "restart-lag-g", "topic", "restart-lag", "partition", "0"));
    } finally {
      node.close();
    }
  }

  private static CompletableFuture<Integer> status(HttpClient http, String url) {
    return http.sendAsync(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).GET().build(),
        HttpResponse.BodyHandlers.discarding()).thenApply(HttpResponse::statusCode);
  }
}
