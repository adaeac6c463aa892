package io.tributary.it.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Partition reassignment on three broker JVMs: a reassignment whose target node is down stays in progress, shown by
 * ListPartitionReassignments (replicas, adding, removing) and by Metadata (the union of old and new replicas), and can
 * be cancelled; once the target node is back it catches up, joins the ISR, and the Controller completes the
 * reassignment, after which the old replica's log is gone and every record is read from the new one. Kafka's own
 * {@code kafka-reassign-partitions.sh} (ReassignPartitionsCommand) executes and verifies a reassignment.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class PartitionReassignmentClusterTest {
  private static final int RECORDS = 200;

  @RegisterExtension
  static final TestCluster cluster = new TestCluster();

  @Test
  void aReassignmentToADownNodeStaysInProgressCanBeCancelledAndCompletesWhenTheNodeIsBack() throws Exception {
    String topic = "held";
    var p0 = new TopicPartition(topic, 0);
    var p1 = new TopicPartition(topic, 1);
    try (Admin admin = cluster.admin(1)) {
      // the target is a node that does not host the metadata Controller, so that stopping it moves nothing else
      int controller = admin.describeCluster().controller().get(60, TimeUnit.SECONDS).id();
      int t = controller == 3 ? 2 : 3;
      ClusterNode third = cluster.node(t);
      admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1), 1, List.of(1))))).all().get(60, TimeUnit.SECONDS);
      produce(topic, 0);
      produce(topic, 1);

      third.kill();
      // node t is still registered: Kafka accepts it as a target, and the reassignment waits for it
      admin.alterPartitionReassignments(Map.of(
          p0, Optional.of(new NewPartitionReassignment(List.of(t))),
          p1, Optional.of(new NewPartitionReassignment(List.of(1, t))))).all().get(60, TimeUnit.SECONDS);
      Map<TopicPartition, PartitionReassignment> ongoing = admin.listPartitionReassignments().reassignments().get(60, TimeUnit.SECONDS);
      assertEquals(List.of(t, 1), ongoing.get(p0).replicas());
      assertEquals(List.of(t), ongoing.get(p0).addingReplicas());
      assertEquals(List.of(1), ongoing.get(p0).removingReplicas());
      assertEquals(List.of(1, t), ongoing.get(p1).replicas());
      assertEquals(List.of(t), ongoing.get(p1).addingReplicas());
      assertEquals(List.of(), ongoing.get(p1).removingReplicas());
      // Metadata shows every replica while it runs; the leader keeps serving
      await().atMost(TestCluster.DEADLINE).until(() -> replicas(admin, topic, 0), r -> r.equals(List.of(t, 1)));
      assertEquals(1, ClusterClients.describe(admin, topic).partitions().get(0).leader().id());
      produce(topic, 0);

      admin.alterPartitionReassignments(Map.of(p1, Optional.empty())).all().get(60, TimeUnit.SECONDS);
      assertEquals(Set.of(p0), admin.listPartitionReassignments().reassignments().get(60, TimeUnit.SECONDS).keySet());
      await().atMost(TestCluster.DEADLINE).until(() -> replicas(admin, topic, 1), r -> r.equals(List.of(1)));

      cluster.restart(third);
      await("the reassignment completes once node " + t + " caught up").atMost(TestCluster.DEADLINE).pollInterval(Duration.ofMillis(500))
          .ignoreExceptions()
          .until(() -> admin.listPartitionReassignments().reassignments().get(30, TimeUnit.SECONDS).isEmpty()
              && replicas(admin, topic, 0).equals(List.of(t))
              && ClusterClients.describe(admin, topic).partitions().get(0).leader().id() == t);
    }
    Path oldLog = cluster.node(1).dataDir().resolve(topic + "-0");
    await("node 1 deletes the log it no longer replicates").atMost(TestCluster.DEADLINE).until(() -> !Files.exists(oldLog));
    assertTrue(Files.exists(cluster.node(1).dataDir().resolve(topic + "-1")), "the cancelled partition stays on node 1");
    Map<Long, String> read = readAll(p0);
    assertEquals(2 * RECORDS, read.size());
    for (long offset = 0; offset < 2 * RECORDS; offset++) assertEquals("v" + (offset % RECORDS), read.get(offset));
  }

  @Test
  void kafkaReassignPartitionsToolExecutesAndVerifies() throws Exception {
    Optional<String> classpath = kafkaToolsClasspath();
    Assumptions.assumeTrue(classpath.isPresent(),
        "Kafka's tools classpath could not be resolved (../shared/bench/kafka-classpath.sh with KAFKA_VERSION=3.9.1): skipped");
    String topic = "tool";
    try (Admin admin = cluster.admin(2)) {
      admin.createTopics(List.of(new NewTopic(topic, Map.of(0, List.of(1), 1, List.of(2))))).all().get(60, TimeUnit.SECONDS);
      produce(topic, 0);
      produce(topic, 1);
      Path plan = Files.createTempFile("reassignment", ".json");
      Files.writeString(plan, """
          {"version":1,"partitions":[
            {"topic":"tool","partition":0,"replicas":[2,3],"log_dirs":["any","any"]},
            {"topic":"tool","partition":1,"replicas":[3],"log_dirs":["any"]}]}
          """);
      String execute = runTool(classpath.get(), "--execute", "--reassignment-json-file", plan.toString());
      assertTrue(execute.contains("Successfully started partition reassignments"), execute);
      await("kafka-reassign-partitions --verify reports both complete").atMost(TestCluster.DEADLINE).pollInterval(Duration.ofSeconds(1))
          .until(() -> runTool(classpath.get(), "--verify", "--preserve-throttles", "--reassignment-json-file", plan.toString()),
              out -> out.contains("Reassignment of partition tool-0 is completed")
                  && out.contains("Reassignment of partition tool-1 is completed"));
      assertEquals(List.of(2, 3), replicas(admin, topic, 0));
      assertEquals(List.of(3), replicas(admin, topic, 1));
    }
    Map<Long, String> read = readAll(new TopicPartition(topic, 1));
    assertEquals(RECORDS, read.size());
  }

  private static String runTool(String classpath, String... args) throws IOException, InterruptedException {
    var command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classpath,
        "org.apache.kafka.tools.reassign.ReassignPartitionsCommand", "--bootstrap-server", cluster.node(1).bootstrap()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(120, TimeUnit.SECONDS)) process.destroyForcibly();
    System.out.println("kafka-reassign-partitions " + String.join(" ", args) + ":\n" + out);
    return out;
  }

  /** The classpath ../shared/bench/kafka-classpath.sh resolves for Kafka 3.9.1 (cached after its first run), if any. */
  private static Optional<String> kafkaToolsClasspath() {
    Path script = Path.of("..", "shared", "bench", "kafka-classpath.sh").toAbsolutePath().normalize();
    if (!Files.isExecutable(script)) return Optional.empty();
    try {
      var builder = new ProcessBuilder(script.toString()).redirectError(ProcessBuilder.Redirect.DISCARD);
      builder.environment().put("KAFKA_VERSION", "3.9.1");
      Process process = builder.start();
      String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!process.waitFor(600, TimeUnit.SECONDS) || process.exitValue() != 0 || out.isEmpty()) return Optional.empty();
      String last = out.lines().reduce((a, b) -> b).orElse("");
      return last.contains("kafka-tools") ? Optional.of(last) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private static List<Integer> replicas(Admin admin, String topic, int partition) throws Exception {
    return ClusterClients.describe(admin, topic).partitions().get(partition).replicas().stream().map(Node::id).toList();
  }

  /** Values v0 .. v{RECORDS-1} into {@code partition}, each acknowledged with acks=all. */
  private static void produce(String topic, int partition) throws Exception {
    try (var producer = ClusterClients.producer(ClusterClients.producerProps(cluster.allBootstrap()))) {
      var sends = new ArrayList<Future<?>>();
      for (int i = 0; i < RECORDS; i++) sends.add(producer.send(new ProducerRecord<>(topic, partition, null, "v" + i)));
      for (var send : sends) send.get(60, TimeUnit.SECONDS);
    }
  }

  private static Map<Long, String> readAll(TopicPartition tp) {
    var read = new TreeMap<Long, String>();
    try (var consumer = ClusterClients.consumer(ClusterClients.consumerProps(cluster.allBootstrap()))) {
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(60)).get(tp);
      await().atMost(TestCluster.DEADLINE).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> read.put(r.offset(), r.value()));
        return consumer.position(tp) >= end;
      });
    }
    return read;
  }
}
