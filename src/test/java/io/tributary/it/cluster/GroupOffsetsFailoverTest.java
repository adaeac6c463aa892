package io.tributary.it.cluster;

import static io.tributary.it.cluster.ClusterClients.awaitTopicOnEveryNode;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 13, "Group offsets fail over too": in a three-node cluster a group's events are stored in the replicated
 * __consumer_offsets topic (three replicas). The group commits through kafka-clients, its coordinator's node is killed
 * with {@code kill -9}, and the new coordinator (the new leader of the group's offsets partition) answers OffsetFetch
 * with the committed offsets, and a consumer of the group resumes exactly from them. The killed node is restarted,
 * takes its offsets partition back (preferred leader election) and serves the offsets committed while it was down,
 * which it only has from replication.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class GroupOffsetsFailoverTest {
  private static final String TOPIC = "failover-data";
  private static final String GROUP = "failover-group";
  private static final int PARTITIONS = 3;
  private static final int PER_PARTITION = 40;
  private static final int OFFSETS_PARTITIONS = 50;

  @RegisterExtension
  final TestCluster cluster = new TestCluster();

  private final List<AutoCloseable> clients = new ArrayList<>();

  @AfterEach
  void closeClients() throws Exception {
    for (var c : clients) c.close();
  }

  @Test
  void committedOffsetsSurviveTheCoordinatorsNodeAndComeBackWithIt() throws Exception {
    try (var admin = cluster.admin(1)) {
      admin.createTopics(List.of(new NewTopic(TOPIC, PARTITIONS, (short) 3))).all().get(60, TimeUnit.SECONDS);
    }
    awaitTopicOnEveryNode(cluster, TOPIC, PARTITIONS);
    produce(cluster.allBootstrap());

    // the group consumes everything, then commits a different position in each partition
    var committed = new HashMap<TopicPartition, OffsetAndMetadata>();
    for (int p = 0; p < PARTITIONS; p++) committed.put(new TopicPartition(TOPIC, p), new OffsetAndMetadata(10L + 7 * p, "before-kill"));
    try (var consumer = groupConsumer(cluster.allBootstrap(), "first")) {
      consumer.subscribe(List.of(TOPIC));
      var received = new ArrayList<String>();
      pollUntil(consumer, received, PARTITIONS * PER_PARTITION);
      consumer.commitSync(committed, Duration.ofSeconds(60));
    }

    int coordinator = coordinatorSeenBy(1);
    ClusterNode victim = cluster.node(coordinator);
    var survivors = cluster.nodes().stream().filter(n -> n != victim).toList();
    String survivorsBootstrap = survivors.stream().map(ClusterNode::bootstrap).collect(Collectors.joining(","));
    System.out.println("Coordinator of " + GROUP + " is node " + coordinator + " (offsets partition "
        + offsetsPartition() + "); kill -9");
    victim.kill();

    int survivor = survivors.get(0).nodeId;
    await("a surviving node coordinates " + GROUP).atMost(TestCluster.DEADLINE).pollInterval(Duration.ofMillis(500))
        .ignoreExceptions().until(() -> coordinatorSeenBy(survivor), c -> c != coordinator);
    int newCoordinator = coordinatorSeenBy(survivor);
    System.out.println("New coordinator: node " + newCoordinator);
    assertEquals(committed, awaitCommittedSeenBy(survivor, committed), "OffsetFetch on the new coordinator");

    // a consumer of the group resumes exactly where the group committed, then commits its own position
    var resumed = new HashMap<TopicPartition, OffsetAndMetadata>();
    try (var consumer = groupConsumer(survivorsBootstrap, "after-kill")) {
      consumer.subscribe(List.of(TOPIC));
      var received = new ArrayList<String>();
      long expected = committed.values().stream().mapToLong(o -> PER_PARTITION - o.offset()).sum();
      pollUntil(consumer, received, (int) expected);
      for (int p = 0; p < PARTITIONS; p++) {
        long from = committed.get(new TopicPartition(TOPIC, p)).offset();
        var values = new ArrayList<String>();
        for (long i = from; i < PER_PARTITION; i++) values.add(p + "-" + i);
        int partition = p;
        assertEquals(values, received.stream().filter(v -> v.startsWith(partition + "-")).toList(),
            "partition " + p + " resumed from its committed offset " + from + ", nothing before, nothing twice");
      }
      for (int p = 0; p < PARTITIONS; p++) resumed.put(new TopicPartition(TOPIC, p), new OffsetAndMetadata(PER_PARTITION, "after-kill"));
      consumer.commitSync(resumed, Duration.ofSeconds(60));
      assertEquals(resumed, consumer.committed(resumed.keySet(), Duration.ofSeconds(60)), "committed on the new coordinator");
    }

    cluster.restart(victim);
    // the restarted node is the preferred replica of the offsets partition it led: once in sync it leads it again
    try (var admin = cluster.admin(survivor)) {
      var offsetsPartition = new TopicPartition("__consumer_offsets", offsetsPartition());
      await("node " + coordinator + " coordinates " + GROUP + " again").atMost(TestCluster.DEADLINE)
          .pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() -> {
            admin.electLeaders(ElectionType.PREFERRED, Set.of(offsetsPartition)).partitions().get(30, TimeUnit.SECONDS);
            return coordinatorSeenBy(survivor) == coordinator;
          });
    }
    assertEquals(resumed, awaitCommittedSeenBy(coordinator, resumed),
        "the restarted node serves the offsets committed while it was down, from its replica of the offsets partition");
    var last = new HashMap<TopicPartition, OffsetAndMetadata>();
    for (int p = 0; p < PARTITIONS; p++) last.put(new TopicPartition(TOPIC, p), new OffsetAndMetadata(5L + p, "after-restart"));
    try (var consumer = groupConsumer(cluster.allBootstrap(), "after-restart")) {
      consumer.commitSync(last, Duration.ofSeconds(60));
      assertEquals(last, consumer.committed(last.keySet(), Duration.ofSeconds(60)), "commits work on the restarted node");
    }
    assertNotEquals(coordinator, newCoordinator);
  }

  /** {@code PER_PARTITION} records {@code <partition>-<i>} in each partition, acknowledged by all in-sync replicas. */
  private static void produce(String bootstrap) throws Exception {
    try (var producer = ClusterClients.producer(ClusterClients.producerProps(bootstrap))) {
      var sends = new ArrayList<java.util.concurrent.Future<?>>();
      for (int p = 0; p < PARTITIONS; p++) {
        for (int i = 0; i < PER_PARTITION; i++) sends.add(producer.send(new ProducerRecord<>(TOPIC, p, null, p + "-" + i)));
      }
      for (var send : sends) send.get(90, TimeUnit.SECONDS);
    }
  }

  private KafkaConsumer<String, String> groupConsumer(String bootstrap, String clientId) {
    var props = ClusterClients.consumerProps(bootstrap);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return ClusterClients.consumer(props);
  }

  /** Polls on this thread until {@code count} records arrived, keeping their values. */
  private static void pollUntil(KafkaConsumer<String, String> consumer, List<String> received, int count) {
    await("the consumer received " + count + " records").atMost(TestCluster.DEADLINE).pollInSameThread()
        .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).until(() -> {
          consumer.poll(Duration.ofMillis(200)).forEach(r -> received.add(r.value()));
          return received.size() >= count;
        });
    consumer.poll(Duration.ofMillis(500)).forEach(r -> received.add(r.value())); // anything extra would show here
  }

  private static int offsetsPartition() {
    return Utils.abs(GROUP.hashCode()) % OFFSETS_PARTITIONS;
  }

  /** The group's coordinator as node {@code nodeId} answers FindCoordinator (DescribeGroups). */
  private int coordinatorSeenBy(int nodeId) throws Exception {
    try (var admin = cluster.admin(nodeId)) {
      return admin.describeConsumerGroups(List.of(GROUP)).describedGroups().get(GROUP).get(30, TimeUnit.SECONDS)
          .coordinator().id();
    }
  }

  /** OffsetFetch through node {@code nodeId}, retried until it answers {@code expected} (or the deadline). */
  private Map<TopicPartition, OffsetAndMetadata> awaitCommittedSeenBy(int nodeId, Map<TopicPartition, OffsetAndMetadata> expected) {
    try (Admin admin = cluster.admin(nodeId)) {
      var seen = new TreeMap<String, OffsetAndMetadata>();
      return await("OffsetFetch of " + GROUP + " through node " + nodeId).atMost(TestCluster.DEADLINE)
          .pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            var offsets = admin.listConsumerGroupOffsets(GROUP).partitionsToOffsetAndMetadata().get(30, TimeUnit.SECONDS);
            seen.clear();
            offsets.forEach((tp, o) -> seen.put(tp.toString(), o));
            System.out.println("OffsetFetch through node " + nodeId + ": " + seen);
            return new HashMap<>(offsets);
          }, offsets -> offsets.equals(expected));
    }
  }
}
