package io.tributary.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.tributary.metadata.PartitionInfo;
import io.tributary.node.BrokerNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ElectionNotNeededException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Preferred leader election on two nodes with the real clients: a partition on [2, 1] whose preferred replica (node 2)
 * was stopped, so node 1 took over, and came back on its data into the ISR. {@code Admin.electLeaders} (what {@code
 * kafka-leader-election.sh} calls) moves leadership back to node 2, or the Controller's automatic rebalance does it
 * by itself; either way every acknowledged record is still there and the partition keeps serving.
 */
class TwoNodeLeaderElectionTest {
  private static final String TOPIC = "preferred";
  private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
  private static final int BATCH = 50;
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private BrokerNode one;
  private BrokerNode two;
  private final List<String> sent = new ArrayList<>();

  @AfterEach
  void stop() {
    if (two != null) two.close();
    if (one != null) one.close();
  }

  @Test
  void adminElectLeadersMovesLeadershipBackToThePreferredReplica() throws Exception {
    String[] settings = {"tributary.auto.leader.rebalance.enable = false"};
    takeOverWhileThePreferredReplicaIsAway(settings);

    try (var admin = Admin.create(Map.of("bootstrap.servers", one.bootstrapServers()))) {
      Map<TopicPartition, Optional<Throwable>> elected =
          admin.electLeaders(ElectionType.PREFERRED, Set.of(TP)).partitions().get(60, TimeUnit.SECONDS);
      assertEquals(Map.of(TP, Optional.empty()), elected);
      awaitLeader(2);

      var again = admin.electLeaders(ElectionType.PREFERRED, Set.of(TP)).partitions().get(60, TimeUnit.SECONDS);
      assertInstanceOf(ElectionNotNeededException.class, again.get(TP).orElseThrow());

      var unknown = new TopicPartition("no-such-topic", 0);
      var missing = admin.electLeaders(ElectionType.PREFERRED, Set.of(unknown)).partitions().get(60, TimeUnit.SECONDS);
      assertInstanceOf(UnknownTopicOrPartitionException.class, missing.get(unknown).orElseThrow());

      // every partition (null): none needs an election any more, so none is answered
      var all = admin.electLeaders(ElectionType.PREFERRED, null).partitions().get(60, TimeUnit.SECONDS);
      assertFalse(all.containsKey(TP), "answered: " + all);
    }
    produceAndReadEverything();
  }

  @Test
  void theControllerMovesLeadershipBackByItselfWhenAutoRebalanceIsOn() throws Exception {
    String[] settings = {"tributary.auto.leader.rebalance.enable = true", "tributary.leader.imbalance.check.interval.seconds = 1"};
    takeOverWhileThePreferredReplicaIsAway(settings);
    awaitLeader(2);
    produceAndReadEverything();

    // the settings, under Kafka's names, in the broker's configs
    try (var admin = Admin.create(Map.of("bootstrap.servers", one.bootstrapServers()))) {
      var broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
      var configs = admin.describeConfigs(List.of(broker)).all().get(60, TimeUnit.SECONDS).get(broker);
      assertEquals("true", configs.get("auto.leader.rebalance.enable").value());
      assertEquals("1", configs.get("leader.imbalance.check.interval.seconds").value());
      assertEquals(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, configs.get("leader.imbalance.check.interval.seconds").source());
      assertEquals("10", configs.get("leader.imbalance.per.broker.percentage").value());
      assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, configs.get("leader.imbalance.per.broker.percentage").source());
    }
  }

  /**
   * Two nodes, the topic on [2, 1]; records written while both are up and while node 2 is away; node 2 back on its
   * data and in the ISR again, node 1 still leading.
   */
  private void takeOverWhileThePreferredReplicaIsAway(String... settings) throws Exception {
    var nodes = TwoNodes.start(dir, settings);
    one = nodes.get(0);
    two = nodes.get(1);
    awaitBothLive();
    try (var admin = Admin.create(Map.of("bootstrap.servers", one.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(2, 1))))).all().get(60, TimeUnit.SECONDS);
    }
    await("both in sync, node 2 leading", p -> p.leader() == 2 && Set.copyOf(p.isr()).equals(Set.of(1, 2)));
    produce(BATCH);

    BrokerNode closed = two;
    two = null;
    closed.close();
    await("node 1 leading alone", p -> p.leader() == 1 && p.isr().equals(List.of(1)));
    produce(BATCH);

    two = TwoNodes.restart(dir, 2, closed, settings);
    awaitBothLive();
    // node 2 fetches what it missed from node 1, which takes it back into the ISR
    await("node 2 back in the ISR", p -> Set.copyOf(p.isr()).equals(Set.of(1, 2)));
  }

  private void awaitBothLive() {
    for (BrokerNode node : List.of(one, two)) {
      Awaitility.await().atMost(WAIT).until(() -> node.metadata().liveBrokers().keySet().equals(Set.of(1, 2)));
    }
  }

  /** Waits until node 1's view of the partition satisfies {@code condition}. */
  private void await(String what, java.util.function.Predicate<PartitionInfo> condition) {
    Awaitility.await(what).atMost(WAIT).until(() -> one.metadata().current().topic(TOPIC).map(t -> t.partition(0)), p -> p.isPresent() && condition.test(p.get()));
  }

  private void awaitLeader(int leader) {
    for (BrokerNode node : List.of(one, two)) {
      Awaitility.await("node " + leader + " leads on every node").atMost(WAIT)
          .until(() -> node.metadata().current().topic(TOPIC).map(t -> t.leader(0)), Optional.of(leader)::equals);
    }
  }

  /** {@code count} records, each acknowledged by every ISR member (acks=all, idempotent). */
  private void produce(int count) throws Exception {
    var props = Map.<String, Object>of("bootstrap.servers", one.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    try (var producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      var acks = new ArrayList<java.util.concurrent.Future<?>>();
      for (int i = 0; i < count; i++) {
        String value = "v" + sent.size();
        sent.add(value);
        acks.add(producer.send(new ProducerRecord<>(TOPIC, 0, null, value)));
      }
      for (var ack : acks) ack.get(60, TimeUnit.SECONDS);
    }
  }

  /**
   * After the election: the new leader takes writes, node 1 follows it into the ISR again, and a reader from the
   * beginning finds every acknowledged record once, in order, at consecutive offsets.
   */
  private void produceAndReadEverything() throws Exception {
    produce(BATCH);
    await("node 1 follows node 2 in the ISR", p -> p.leader() == 2 && Set.copyOf(p.isr()).equals(Set.of(1, 2)));
    var props = Map.<String, Object>of("bootstrap.servers", one.bootstrapServers(), "enable.auto.commit", "false");
    var read = new ArrayList<ConsumerRecord<String, String>>();
    try (var consumer = new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer())) {
      consumer.assign(List.of(TP));
      consumer.seekToBeginning(List.of(TP));
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (read.size() < sent.size() && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(read::add);
      }
    }
    assertEquals(sent, read.stream().map(ConsumerRecord::value).toList(), "every acknowledged record, in order");
    for (int i = 0; i < read.size(); i++) assertEquals(i, read.get(i).offset());
    assertEquals(3 * BATCH, sent.size(), "written before the takeover, during it and after the election");
  }
}
