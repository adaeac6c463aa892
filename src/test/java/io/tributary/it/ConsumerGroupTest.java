package io.tributary.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.node.BrokerNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.clients.consumer.RoundRobinAssignor;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 3's "done when" with real kafka-clients consumers against a real BrokerNode: partitions
 * split and move on join, close and crash (for three assignors), and committed offsets survive a
 * graceful restart and a kill -9 of the broker.
 */
class ConsumerGroupTest {
  /** Kafka-named settings are nested HOCON paths: a quoted "initial.rebalance.delay.ms" key would be ignored. */
  static final String NO_DELAY = "tributary.group.initial.rebalance.delay.ms = 0";
  static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path dataDir;

  static Properties memberProps(String bootstrap, String group, String assignor) {
    var p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, assignor);
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
    p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "20000");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return p;
  }

  static void createTopic(BrokerNode node, String topic, int partitions) throws Exception {
    try (Admin admin = Admin.create(TestBrokers.adminProps(node))) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    }
  }

  /** Each of the topic's partitions is owned by exactly one member, and the members own {@code sizes} partitions each. */
  static boolean split(int partitions, List<Set<TopicPartition>> assignments, int... sizes) {
    var union = new HashSet<TopicPartition>();
    int total = 0;
    var actual = new ArrayList<Integer>();
    for (var a : assignments) {
      union.addAll(a);
      total += a.size();
      actual.add(a.size());
    }
    var expected = new ArrayList<Integer>();
    for (int s : sizes) expected.add(s);
    actual.sort(Integer::compare);
    expected.sort(Integer::compare);
    return union.size() == partitions && total == partitions && actual.equals(expected);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(classes = {RangeAssignor.class, RoundRobinAssignor.class, CooperativeStickyAssignor.class})
  void membersSplitPartitionsAndTakeOverOnJoinLeaveAndCrash(Class<?> assignor) throws Exception {
    try (BrokerNode node = TestBrokers.start(dataDir, NO_DELAY)) {
      String topic = "split";
      String group = "g-" + assignor.getSimpleName();
      createTopic(node, topic, 6);
      var props = memberProps(node.bootstrapServers(), group, assignor.getName());
      try (var m1 = new GroupMember(props, List.of(topic), "m1"); var m2 = new GroupMember(props, List.of(topic), "m2")) {
        await("two members with 3 partitions each").atMost(WAIT).until(() -> split(6, List.of(m1.assignment(), m2.assignment()), 3, 3));

        var m3 = new GroupMember(props, List.of(topic), "m3");
        await("three members with 2 partitions each").atMost(WAIT).until(() -> split(6, List.of(m1.assignment(), m2.assignment(), m3.assignment()), 2, 2, 2));

        m3.close();
        await("the other two take the closed member's partitions").atMost(WAIT).until(() -> split(6, List.of(m1.assignment(), m2.assignment()), 3, 3));

        var childAssigned = new AtomicInteger(-1);
        Process child = ChildProcesses.start(ChildConsumer.class, line -> {
          if (line.startsWith("ASSIGNED ")) childAssigned.set(Integer.parseInt(line.substring(9).trim()));
        }, node.bootstrapServers(), topic, group, assignor.getName());
        try {
          await("a member in a child JVM gets 2 partitions").atMost(WAIT).until(() -> childAssigned.get() == 2 && m1.assignment().size() == 2 && m2.assignment().size() == 2
                  && disjoint(m1.assignment(), m2.assignment()));
          long killedAt = System.nanoTime();
          ChildProcesses.kill(child);
          await("survivors take the killed member's partitions after its session timeout").atMost(WAIT).until(() -> split(6, List.of(m1.assignment(), m2.assignment()), 3, 3));
          long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
          assertTrue(tookMs < 6000 + 15000, "took " + tookMs + " ms");
        } finally {
          child.destroyForcibly();
        }
      }
    }
  }

  static boolean disjoint(Set<TopicPartition> a, Set<TopicPartition> b) {
    var both = new HashSet<>(a);
    both.retainAll(b);
    return both.isEmpty();
  }

  static void produce(String bootstrap, String topic, int partitions, int from, int count) throws Exception {
    var props = new Properties();
    props.put("bootstrap.servers", bootstrap);
    props.put("key.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
    props.put("value.serializer", org.apache.kafka.common.serialization.ByteArraySerializer.class.getName());
    try (var producer = new KafkaProducer<byte[], byte[]>(props)) {
      for (int i = from; i < from + count; i++) {
        producer.send(new ProducerRecord<>(topic, i % partitions, null, ("v" + i).getBytes(StandardCharsets.UTF_8)));
      }
      producer.flush();
    }
  }

  /** Consumes at least {@code atLeast} records in group {@code group} and commits exactly what it consumed. */
  static Map<TopicPartition, Long> consumeAndCommit(String bootstrap, String group, String topic, int atLeast, Set<String> seen)
      throws Exception {
    var props = memberProps(bootstrap, group, RangeAssignor.class.getName());
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "7");
    try (var consumer = new KafkaConsumer<byte[], byte[]>(props)) {
      consumer.subscribe(List.of(topic));
      var positions = new HashMap<TopicPartition, Long>();
      long deadline = System.nanoTime() + WAIT.toNanos();
      int n = 0;
      while (n < atLeast) {
        if (System.nanoTime() > deadline) throw new AssertionError("consumed only " + n);
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          assertTrue(seen.add(new String(r.value(), StandardCharsets.UTF_8)), "duplicate " + r);
          positions.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
          n++;
        }
      }
      var commit = new HashMap<TopicPartition, OffsetAndMetadata>();
      positions.forEach((tp, offset) -> commit.put(tp, new OffsetAndMetadata(offset, "meta-" + offset)));
      consumer.commitSync(commit);
      return positions;
    }
  }

  /** A new consumer of the group reads everything up to {@code total} records; none is seen twice. */
  static void resumeAndReadRest(String bootstrap, String group, String topic, Map<TopicPartition, Long> committed, Set<String> seen, int total)
      throws Exception {
    var props = memberProps(bootstrap, group, RangeAssignor.class.getName());
    try (var consumer = new KafkaConsumer<byte[], byte[]>(props)) {
      consumer.subscribe(List.of(topic));
      var firstOffsets = new HashMap<TopicPartition, Long>();
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (seen.size() < total) {
        if (System.nanoTime() > deadline) throw new AssertionError("read only " + seen.size() + " of " + total);
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
          assertTrue(seen.add(new String(r.value(), StandardCharsets.UTF_8)), "redelivered " + r);
          firstOffsets.putIfAbsent(new TopicPartition(r.topic(), r.partition()), r.offset());
        }
      }
      committed.forEach((tp, offset) -> {
        if (firstOffsets.containsKey(tp)) assertEquals(offset, firstOffsets.get(tp), "resumed at the committed offset of " + tp);
      });
      var fetched = consumer.committed(committed.keySet());
      committed.forEach((tp, offset) -> assertEquals("meta-" + offset, fetched.get(tp).metadata(), "commit metadata kept"));
    }
    assertEquals(total, seen.size());
  }

  @Test
  void committedOffsetsSurviveARestart() throws Exception {
    String topic = "resume";
    Set<String> seen = new HashSet<>();
    Map<TopicPartition, Long> committed;
    try (BrokerNode node = TestBrokers.start(dataDir, NO_DELAY)) {
      createTopic(node, topic, 3);
      produce(node.bootstrapServers(), topic, 3, 0, 300);
      committed = consumeAndCommit(node.bootstrapServers(), "g-resume", topic, 100, seen);
    }
    try (BrokerNode node = TestBrokers.start(dataDir, NO_DELAY)) {
      produce(node.bootstrapServers(), topic, 3, 300, 60);
      resumeAndReadRest(node.bootstrapServers(), "g-resume", topic, committed, seen, 360);
    }
  }

  @Test
  void committedOffsetsSurviveKillMinus9OfTheBroker() throws Exception {
    String topic = "resume-kill";
    Set<String> seen = new HashSet<>();
    Map<TopicPartition, Long> committed;
    List<Consumer<String>> listeners = new CopyOnWriteArrayList<>();
    var bootstrap = ChildProcesses.firstLine("BOOTSTRAP ", listeners);
    Process broker = ChildProcesses.start(GroupTestBroker.class, line -> listeners.forEach(l -> l.accept(line)), dataDir.toString());
    try {
      String servers = bootstrap.get(60, TimeUnit.SECONDS).trim();
      var props = new Properties();
      props.put("bootstrap.servers", servers);
      try (Admin admin = Admin.create(props)) {
        admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
      }
      produce(servers, topic, 3, 0, 300);
      committed = consumeAndCommit(servers, "g-kill", topic, 150, seen);
      ChildProcesses.kill(broker); // right after commitSync returned
    } finally {
      broker.destroyForcibly();
    }
    try (BrokerNode node = TestBrokers.start(dataDir, NO_DELAY)) {
      produce(node.bootstrapServers(), topic, 3, 300, 30);
      resumeAndReadRest(node.bootstrapServers(), "g-kill", topic, committed, seen, 330);
    }
  }

  @Test
  void emptyGroupIdIsRefusedByTheConsumer() throws Exception {
    try (BrokerNode node = TestBrokers.start(dataDir, NO_DELAY)) {
      createTopic(node, "t", 1);
      var props = memberProps(node.bootstrapServers(), "", RangeAssignor.class.getName());
      try (var consumer = new KafkaConsumer<byte[], byte[]>(props)) {
        // whether kafka-clients refuses "" itself or gets INVALID_GROUP_ID from the JoinGroup, the application sees this
        var error = org.junit.jupiter.api.Assertions.assertThrows(org.apache.kafka.common.errors.InvalidGroupIdException.class, () -> {
          consumer.subscribe(List.of("t"));
          long deadline = System.nanoTime() + WAIT.toNanos();
          while (System.nanoTime() < deadline) consumer.poll(Duration.ofMillis(100));
        });
        assertFalse(error.getMessage().isEmpty());
      }
    }
  }
}
