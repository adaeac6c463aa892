package io.tributary.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.node.BrokerNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.NoReassignmentInProgressException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Partition reassignment between two nodes in one JVM, through kafka-clients' Admin: a partition moves from one node
 * to the other while an idempotent acks=all producer writes to it, and every acknowledged record is read back from
 * the new replica at the offset its acknowledgement named; the replication factor grows and shrinks; a replica added
 * after the leader's log start moved starts there; the errors are Kafka's. A reassignment held in progress (its
 * target node down) and its cancellation need a third node: the multi-process PartitionReassignmentClusterTest.
 */
class TwoNodeReassignmentTest {
  private static final Duration DEADLINE = Duration.ofSeconds(60);

  @TempDir static Path dir;
  private static BrokerNode one;
  private static BrokerNode two;
  private static Admin admin;

  @BeforeAll
  static void startCluster() throws Exception {
    var nodes = TwoNodes.start(dir);
    one = nodes.get(0);
    two = nodes.get(1);
    for (BrokerNode node : List.of(one, two)) {
      Awaitility.await().atMost(DEADLINE).until(() -> node.metadata().liveBrokers().keySet().equals(Set.of(1, 2)));
    }
    admin = Admin.create(Map.of("bootstrap.servers", one.bootstrapServers() + "," + two.bootstrapServers()));
  }

  @AfterAll
  static void stop() {
    if (admin != null) admin.close();
    if (two != null) two.close();
    if (one != null) one.close();
  }

  @Test
  void aPartitionMovesToTheOtherNodeWhileAcksAllProducesAndNoAcknowledgedRecordIsLost() throws Exception {
    String topic = "moving";
    var tp = new TopicPartition(topic, 0);
    createTopic(topic, List.of(1));
    var acked = new ConcurrentHashMap<String, Long>();
    var failures = new ConcurrentLinkedQueue<Exception>();
    var stop = new AtomicBoolean();
    var props = Map.<String, Object>of("bootstrap.servers", one.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
        ProducerConfig.LINGER_MS_CONFIG, "2", ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000");
    try (var producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      Thread writer = new Thread(() -> {
        for (int i = 0; !stop.get(); i++) {
          String value = "v" + i;
          producer.send(new ProducerRecord<>(topic, 0, null, value), (metadata, e) -> {
            if (e != null) failures.add(e);
            else acked.put(value, metadata.offset());
          });
          if (i % 50 == 49) producer.flush(); // a steady stream, never far ahead of the acknowledgements
        }
        producer.flush();
      }, "reassignment-writer");
      writer.start();
      Awaitility.await().atMost(DEADLINE).until(() -> acked.size() >= 500);

      admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(2))))).all()
          .get(30, TimeUnit.SECONDS);
      Awaitility.await().atMost(DEADLINE).until(() -> admin.listPartitionReassignments().reassignments().get(30, TimeUnit.SECONDS).isEmpty()
          && replicas(describe(topic), 0).equals(List.of(2)) && describe(topic).partitions().get(0).leader().id() == 2);
      int atCompletion = acked.size();
      // the producer goes on against the new leader
      Awaitility.await().atMost(DEADLINE).until(() -> acked.size() >= atCompletion + 500);
      stop.set(true);
      writer.join(DEADLINE.toMillis());
    }
    assertTrue(failures.isEmpty(), "every send acknowledged: " + failures);

    // the old replica stopped and deleted its log; the new one holds every acknowledged record where it was acknowledged
    Path oldLog = one.settings().dataDir().resolve(topic + "-0");
    Awaitility.await().atMost(DEADLINE).until(() -> !Files.exists(oldLog));
    Map<Long, String> read = readAll(two, tp);
    acked.forEach((value, offset) -> assertEquals(value, read.get(offset), "record acknowledged at offset " + offset));
    assertEquals(acked.size(), read.size(), "one record per acknowledgement, nothing duplicated");
    assertEquals(List.of(2), describe(topic).partitions().get(0).isr().stream().map(Node::id).toList());
  }

  @Test
  void theReplicationFactorGrowsFromOneToTwoAndShrinksBackOnTheOtherNode() throws Exception {
    String topic = "growing";
    var tp = new TopicPartition(topic, 0);
    createTopic(topic, List.of(1));
    produce(topic, 0, 200);

    admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(1, 2))))).all()
        .get(30, TimeUnit.SECONDS);
    Awaitility.await().atMost(DEADLINE).until(() -> replicas(describe(topic), 0).equals(List.of(1, 2))
        && describe(topic).partitions().get(0).isr().size() == 2
        && admin.listPartitionReassignments(Set.of(tp)).reassignments().get(30, TimeUnit.SECONDS).isEmpty());
    assertEquals(1, describe(topic).partitions().get(0).leader().id(), "the leader stays where it was");
    var follower = two.partitions().replicaHandle(tp).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(200, follower.logEndOffset(), "the new replica copied the log");

    // 2 -> 1, keeping the replica that was added: the leader is removed, so node 2 leads, at once (it is in sync)
    admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(2))))).all()
        .get(30, TimeUnit.SECONDS);
    Awaitility.await().atMost(DEADLINE).until(() -> replicas(describe(topic), 0).equals(List.of(2))
        && describe(topic).partitions().get(0).leader().id() == 2);
    Path oldLog = one.settings().dataDir().resolve(topic + "-0");
    Awaitility.await().atMost(DEADLINE).until(() -> !Files.exists(oldLog));
    produce(topic, 200, 50);
    Map<Long, String> read = readAll(two, tp);
    assertEquals(250, read.size());
    for (long offset = 0; offset < 250; offset++) assertEquals("v" + offset, read.get(offset));
  }

  @Test
  void aReplicaAddedAfterTheLeadersLogStartMovedStartsThere() throws Exception {
    String topic = "trimmed";
    var tp = new TopicPartition(topic, 0);
    createTopic(topic, List.of(1));
    produce(topic, 0, 100);
    admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(60))).all().get(30, TimeUnit.SECONDS);

    admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(1, 2))))).all()
        .get(30, TimeUnit.SECONDS);
    Awaitility.await().atMost(DEADLINE).until(() -> describe(topic).partitions().get(0).isr().size() == 2
        && admin.listPartitionReassignments(Set.of(tp)).reassignments().get(30, TimeUnit.SECONDS).isEmpty());
    var added = two.partitions().replicaHandle(tp).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(60, added.logStartOffset(), "the new replica starts at the leader's log start");
    assertEquals(100, added.logEndOffset());

    admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(2))))).all()
        .get(30, TimeUnit.SECONDS);
    Awaitility.await().atMost(DEADLINE).until(() -> describe(topic).partitions().get(0).leader().id() == 2);
    Map<Long, String> read = readAll(two, tp);
    assertEquals(60L, read.keySet().iterator().next());
    assertEquals(40, read.size());
  }

  @Test
  void errorsAreKafkasForEachPartition() throws Exception {
    String topic = "refused";
    createTopic(topic, List.of(1));
    var unknownTopic = new TopicPartition("no-such-topic", 0);
    var unknownPartition = new TopicPartition(topic, 3);
    var unregistered = new TopicPartition(topic, 0);
    var result = admin.alterPartitionReassignments(Map.of(
        unknownTopic, Optional.of(new NewPartitionReassignment(List.of(1))),
        unknownPartition, Optional.of(new NewPartitionReassignment(List.of(1))),
        unregistered, Optional.of(new NewPartitionReassignment(List.of(1, 7))))).values();
    assertFails(UnknownTopicOrPartitionException.class, "Unable to find a topic named no-such-topic.", result.get(unknownTopic));
    assertFails(UnknownTopicOrPartitionException.class, "Unable to find partition refused:3.", result.get(unknownPartition));
    assertFails(InvalidReplicaAssignmentException.class,
        "The manual partition assignment includes broker 7, but no such broker is registered.", result.get(unregistered));
    var cancel = admin.alterPartitionReassignments(Map.of(unregistered, Optional.empty())).values().get(unregistered);
    assertFails(NoReassignmentInProgressException.class, null, cancel);
    assertEquals(List.of(1), replicas(describe(topic), 0), "nothing changed");
  }

  private static void assertFails(Class<? extends Exception> type, String message,
                                  org.apache.kafka.common.KafkaFuture<Void> future) throws Exception {
    try {
      future.get(30, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      assertInstanceOf(type, e.getCause());
      if (message != null) assertEquals(message, e.getCause().getMessage());
      return;
    }
    throw new AssertionError("expected " + type.getSimpleName());
  }

  private static void createTopic(String topic, List<Integer> replicas) throws Exception {
    admin.createTopics(List.of(new NewTopic(topic, Map.of(0, replicas)))).all().get(30, TimeUnit.SECONDS);
    for (BrokerNode node : List.of(one, two)) {
      Awaitility.await().atMost(DEADLINE).until(() -> node.metadata().current().topic(topic).isPresent());
    }
  }

  private static TopicDescription describe(String topic) throws Exception {
    return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
  }

  private static List<Integer> replicas(TopicDescription description, int partition) {
    return description.partitions().get(partition).replicas().stream().map(Node::id).toList();
  }

  /** Values v{@code first} .. acknowledged with acks=all. */
  private static void produce(String topic, int first, int count) throws Exception {
    var props = Map.<String, Object>of("bootstrap.servers", one.bootstrapServers() + "," + two.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    try (var producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      var sends = new ArrayList<java.util.concurrent.Future<?>>();
      for (int i = first; i < first + count; i++) sends.add(producer.send(new ProducerRecord<>(topic, 0, null, "v" + i)));
      for (var send : sends) send.get(60, TimeUnit.SECONDS);
    }
  }

  /** Every record of {@code tp} by offset, read from the beginning through {@code node}. */
  private static Map<Long, String> readAll(BrokerNode node, TopicPartition tp) {
    var props = Map.<String, Object>of("bootstrap.servers", node.bootstrapServers(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    var read = new TreeMap<Long, String>();
    try (var consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long end = consumer.endOffsets(List.of(tp), Duration.ofSeconds(30)).get(tp);
      Awaitility.await().atMost(DEADLINE).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> read.put(r.offset(), r.value()));
        return consumer.position(tp) >= end;
      });
    }
    return read;
  }
}
