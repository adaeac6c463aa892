package io.tributary.it.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.tributary.it.TestBrokers;
import io.tributary.node.BrokerNode;
import io.tributary.protocol.TwoNodes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * kcat (librdkafka), kafka-python and KafkaJS against a two-node cluster, each knowing one node only (its
 * bootstrap). The script's {@code cluster} scenario lists the brokers and the topic's leaders, produces keyed
 * records with acks=all to a topic of several partitions, replication factor 2, led by both nodes (kafka-python
 * and KafkaJS create it through the controller; for kcat, which cannot, the Java Admin does), and consumes them
 * back in a group coordinated by the node it was not told about, then commits. The script prints what it saw;
 * this test holds that against what the nodes store (read by a Java consumer) and the group's committed offsets
 * (read by the Java Admin).
 */
class NonJavaClientsClusterTest {
  private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final int PARTITIONS = 4;
  private static final short REPLICATION_FACTOR = 2;
  /** Records the script produces, valued value-<i>, keyed key-<i % KEYS>: enough keys to reach every partition. */
  private static final int RECORDS = 200;
  private static final int KEYS = 50;

  @TempDir static Path dir;
  private static List<BrokerNode> nodes;
  private static Admin admin;

  @BeforeAll
  static void startCluster() throws Exception {
    nodes = TwoNodes.start(dir);
    for (BrokerNode node : nodes) {
      Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> node.metadata().liveBrokers().keySet().equals(Set.of(1, 2)));
    }
    admin = Admin.create(TestBrokers.adminProps(nodes.get(0)));
  }

  @AfterAll
  static void stopCluster() {
    if (admin != null) admin.close();
    if (nodes != null) {
      nodes.get(1).close();
      nodes.get(0).close();
    }
  }

  /** A record as the test compares it: where it is and what it holds. */
  record Stored(int partition, long offset, String key, String value) {
    static Stored parse(String[] fields) {
      return new Stored(Integer.parseInt(fields[1]), Long.parseLong(fields[2]), fields[3], fields[4]);
    }
  }

  /** What a cluster scenario printed beside its PASS line. */
  record Reported(Map<Integer, String> brokers, Map<Integer, Integer> leaders, List<Stored> produced, List<Stored> consumed) {
    static Reported parse(List<String> stdout) {
      var reported = new Reported(new TreeMap<>(), new TreeMap<>(), new ArrayList<>(), new ArrayList<>());
      for (String line : stdout) {
        String[] f = line.split(" ");
        switch (f[0]) {
          case "BROKER" -> reported.brokers.put(Integer.parseInt(f[1]), f[2]);
          case "LEADER" -> reported.leaders.put(Integer.parseInt(f[1]), Integer.parseInt(f[2]));
          case "PRODUCED" -> reported.produced.add(Stored.parse(f));
          case "CONSUMED" -> reported.consumed.add(Stored.parse(f));
          default -> { } // PASS/FAIL and anything a client prints on its own
        }
      }
      return reported;
    }
  }

  @ParameterizedTest
  @EnumSource(value = ClientScript.class, names = {"KCAT", "KAFKA_PYTHON", "KAFKAJS"})
  void aClientThatKnowsOneNodeProducesToAndConsumesFromBoth(ClientScript client) throws Exception {
    ExternalClients.require(List.of(client.requirement));
    // the clients alternate between the nodes, so that "the other node" is node 2 for some and node 1 for others
    BrokerNode bootstrap = nodes.get(client.ordinal() % 2);
    BrokerNode other = nodes.get(1 - client.ordinal() % 2);
    String topic = client.name().toLowerCase().replace('_', '-') + "-" + System.nanoTime();
    if (client == ClientScript.KCAT) createTopic(topic);
    String group = groupCoordinatedBy(other, topic + "-group-");

    var result = client.run(List.of("cluster"), Map.of(
        "BOOTSTRAP", bootstrap.bootstrapServers(),
        "TOPIC", topic,
        "PARTITIONS", String.valueOf(PARTITIONS),
        "REPLICATION_FACTOR", String.valueOf(REPLICATION_FACTOR),
        "GROUP", group,
        "RECORDS", String.valueOf(RECORDS),
        "KEYS", String.valueOf(KEYS)), SCRIPT_TIMEOUT);
    String printed = client + " printed:\n" + String.join("\n", result.stdout()) + "\nstderr:\n" + result.stderr();
    assertEquals(Map.of("cluster", "PASS cluster"), ClientScript.outcomes(result), printed);
    assertEquals(0, result.exitCode(), printed);
    var reported = Reported.parse(result.stdout());

    assertEquals(Map.of(1, nodes.get(0).bootstrapServers(), 2, nodes.get(1).bootstrapServers()), reported.brokers(),
        "brokers in the client's metadata");
    Map<Integer, Integer> leaders = leaders(topic);
    assertEquals(Set.of(1, 2), Set.copyOf(leaders.values()), "the topic's partitions are led by both nodes");
    assertEquals(leaders, reported.leaders(), "leaders in the client's metadata");

    Map<Integer, List<Stored>> stored = readEveryPartition(topic);
    assertEachRecordStoredOnceInOrder(stored);
    // kafka-python reports each record's acknowledged offset (kcat cannot, KafkaJS acknowledges per partition)
    if (client == ClientScript.KAFKA_PYTHON) {
      assertEquals(byPartition(reported.produced()), stored, "where the acknowledgements said each record is");
    }
    assertEquals(stored, byPartition(reported.consumed()), "what the group consumer received, per partition");
    Map<TopicPartition, Long> ends = new HashMap<>();
    stored.forEach((p, records) -> ends.put(new TopicPartition(topic, p), (long) records.size()));
    Map<TopicPartition, Long> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata()
        .get(30, TimeUnit.SECONDS).entrySet().stream()
        .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().offset()));
    assertEquals(ends, committed, "the group's committed offsets");
  }

  /** For kcat, which cannot create topics; returns once both nodes know the topic, as the scripts' admin clients wait. */
  private static void createTopic(String topic) throws Exception {
    admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, REPLICATION_FACTOR))).all().get(30, TimeUnit.SECONDS);
    for (BrokerNode node : nodes) {
      Awaitility.await().atMost(WAIT).until(() -> node.metadata().current().topic(topic).isPresent());
    }
  }

  /** A fresh group name that {@code node} coordinates (the leader of its offsets-topic partition). */
  private static String groupCoordinatedBy(BrokerNode node, String prefix) throws Exception {
    int id = node.settings().nodeId();
    for (int i = 0; i < 100; i++) {
      String group = prefix + i;
      var described = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get(30, TimeUnit.SECONDS);
      if (described.coordinator().id() == id) return group;
    }
    return fail("no group of 100 is coordinated by node " + id);
  }

  /** Partition -> leader, with each partition's replica count checked. */
  private static Map<Integer, Integer> leaders(String topic) throws Exception {
    TopicDescription description = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
    Map<Integer, Integer> leaders = new TreeMap<>();
    for (TopicPartitionInfo p : description.partitions()) {
      assertEquals(REPLICATION_FACTOR, p.replicas().size(), "replicas of partition " + p.partition());
      leaders.put(p.partition(), p.leader().id());
    }
    assertEquals(PARTITIONS, leaders.size(), "partitions of " + topic);
    return leaders;
  }

  /** Every record the nodes store, read from the leaders by a Java consumer. */
  private static Map<Integer, List<Stored>> readEveryPartition(String topic) {
    var partitions = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(topic, p)).toList();
    List<Stored> records = new ArrayList<>();
    try (var consumer = new KafkaConsumer<byte[], byte[]>(TestBrokers.consumerProps(nodes.get(0)))) {
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> ends = consumer.endOffsets(partitions);
      Awaitility.await().atMost(WAIT).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> records.add(new Stored(r.partition(), r.offset(),
            new String(r.key(), StandardCharsets.UTF_8), new String(r.value(), StandardCharsets.UTF_8))));
        return partitions.stream().allMatch(tp -> consumer.position(tp) >= ends.get(tp));
      });
    }
    return byPartition(records);
  }

  /**
   * Each record the script produced is stored once, under the key it was sent with; a key's records share one
   * partition; a partition holds its records in the order they were sent, at offsets 0, 1, 2, ...; and every
   * partition got some (so the client sent to the leaders on both nodes).
   */
  private static void assertEachRecordStoredOnceInOrder(Map<Integer, List<Stored>> stored) {
    assertEquals(PARTITIONS, stored.size(), "partitions holding records: " + stored.keySet());
    List<Integer> sequence = new ArrayList<>();
    Map<String, Integer> partitionOfKey = new HashMap<>();
    stored.forEach((partition, records) -> {
      for (int i = 0; i < records.size(); i++) {
        Stored r = records.get(i);
        assertEquals(i, r.offset(), "offsets of partition " + partition);
        int n = Integer.parseInt(r.value().substring("value-".length()));
        assertEquals("key-" + n % KEYS, r.key(), "key of " + r.value());
        assertEquals(partition, partitionOfKey.computeIfAbsent(r.key(), k -> partition), "partition of " + r.key());
        if (i > 0) {
          String previous = records.get(i - 1).value();
          assertTrue(n > Integer.parseInt(previous.substring("value-".length())),
              "partition " + partition + " holds " + r.value() + " after " + previous);
        }
        sequence.add(n);
      }
    });
    sequence.sort(Comparator.naturalOrder());
    assertEquals(IntStream.range(0, RECORDS).boxed().toList(), sequence, "the records stored, each once");
  }

  private static Map<Integer, List<Stored>> byPartition(List<Stored> records) {
    return records.stream().collect(Collectors.groupingBy(Stored::partition, TreeMap::new, Collectors.toList()));
  }
}
