package io.tributary.it.cluster;

import static io.tributary.it.cluster.ClusterClients.awaitTopicOnEveryNode;
import static io.tributary.it.cluster.ClusterClients.createTopic;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A consumer group of three members, each bootstrapped to a different node, shares a 12-partition topic (the group's
 * coordinator is on one node; the others must route the members there), commits, and after one member leaves the
 * other two resume exactly where the group committed: they receive every record produced after the commit and none
 * from before it. Losing any committed offset would make a member start that partition from the beginning again
 * (auto.offset.reset=earliest) and receive records from before the commit.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClusterGroupTest {
  private static final String TOPIC = "group-shared";
  private static final String GROUP = "cluster-group";
  private static final int PARTITIONS = 12;
  private static final int PER_PARTITION = 50;

  @RegisterExtension
  static final TestCluster cluster = new TestCluster();

  /** A group member bootstrapped to one node, and what it has received. */
  private record Member(int nodeId, KafkaConsumer<String, String> consumer, List<ConsumerRecord<String, String>> received) {
    Set<TopicPartition> assignment() {
      return consumer.assignment();
    }
  }

  private final List<Member> members = new ArrayList<>();

  @AfterEach
  void closeMembers() {
    for (var m : members) m.consumer.close(Duration.ofSeconds(5));
  }

  @Test
  void membersOnDifferentNodesShareThePartitionsAndResumeFromCommittedOffsets() throws Exception {
    try (var admin = cluster.admin(1)) {
      createTopic(admin, TOPIC, PARTITIONS);
    }
    awaitTopicOnEveryNode(cluster, TOPIC, PARTITIONS);
    for (var node : cluster.nodes()) {
      var props = ClusterClients.consumerProps(node.bootstrap());
      props.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
      props.put(ConsumerConfig.CLIENT_ID_CONFIG, "member-via-node-" + node.nodeId);
      var consumer = ClusterClients.consumer(props);
      consumer.subscribe(List.of(TOPIC));
      members.add(new Member(node.nodeId, consumer, new ArrayList<>()));
    }

    pollUntil(members, "3 members each own 4 of the 12 partitions, disjointly", () -> sharedEvenly(members, 3));
    Map<Integer, Set<TopicPartition>> before = assignments(members);
    System.out.println("Assignment with 3 members: " + before);

    Set<String> setA = produce("A");
    pollUntil(members, "the members received every record of set A", () -> receivedValues(members).containsAll(setA));
    assertEquals(before, assignments(members), "no rebalance while the 3 members consumed set A");
    for (var m : members) {
      for (var r : m.received) {
        assertTrue(before.get(m.nodeId).contains(new TopicPartition(r.topic(), r.partition())),
            "member via node " + m.nodeId + " received " + r.value() + " of a partition it does not own");
      }
    }
    assertExactly(setA, members, "set A");
    for (var m : members) m.consumer.commitSync(Duration.ofSeconds(60));
    assertCommitted(PER_PARTITION);

    var leaving = members.stream().filter(m -> m.nodeId == 2).findFirst().orElseThrow();
    leaving.consumer.close(Duration.ofSeconds(30));
    members.remove(leaving);
    members.forEach(m -> m.received.clear());
    // set B comes only once the two have taken over: records fetched before the rebalance, and not committed,
    // would rightly be delivered again after it
    pollUntil(members, "the 2 remaining members own all 12 partitions", () -> sharedEvenly(members, 2));
    Map<Integer, Set<TopicPartition>> after = assignments(members);
    System.out.println("Assignment with 2 members: " + after);

    Set<String> setB = produce("B");
    pollUntil(members, "the 2 remaining members received every record of set B",
        () -> receivedValues(members).containsAll(setB));
    assertEquals(after, assignments(members), "no rebalance while the 2 members consumed set B");
    // everything received since the commit: a lost committed offset restarts its partition from the beginning
    // (auto.offset.reset=earliest), and set A's records of it come before set B's, so they are in by now
    assertExactly(setB, members, "set B (after the member via node 2 left)");
    for (var m : members) m.consumer.commitSync(Duration.ofSeconds(60));
    assertCommitted(2L * PER_PARTITION);
  }

  /** Polls every member in turn, on this thread (consumers are single-threaded), until {@code done}. */
  private static void pollUntil(List<Member> members, String what, BooleanSupplier done) {
    await(what).atMost(TestCluster.DEADLINE).pollInSameThread().pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(1)).until(() -> {
          for (var m : members) {
            m.consumer.poll(Duration.ofMillis(200)).forEach(m.received::add);
          }
          return done.getAsBoolean();
        });
  }

  /** Each member owns a non-empty share, no partition twice, all partitions; with 3 members, 4 each (range assignor). */
  private static boolean sharedEvenly(List<Member> members, int expectedMembers) {
    if (members.size() != expectedMembers) return false;
    var all = new HashSet<TopicPartition>();
    int total = 0;
    for (var m : members) {
      var owned = m.assignment();
      if (owned.isEmpty()) return false;
      if (expectedMembers == 3 && owned.size() != PARTITIONS / 3) return false;
      total += owned.size();
      all.addAll(owned);
    }
    return total == PARTITIONS && all.size() == PARTITIONS;
  }

  private static Map<Integer, Set<TopicPartition>> assignments(List<Member> members) {
    var out = new TreeMap<Integer, Set<TopicPartition>>();
    for (var m : members) {
      var owned = new TreeSet<TopicPartition>((a, b) -> Integer.compare(a.partition(), b.partition()));
      owned.addAll(m.assignment());
      out.put(m.nodeId, owned);
    }
    return out;
  }

  private static Set<String> receivedValues(List<Member> members) {
    var values = new HashSet<String>();
    members.forEach(m -> m.received.forEach(r -> values.add(r.value())));
    return values;
  }

  /** The members together received exactly {@code expected}: nothing else, nothing twice. */
  private static void assertExactly(Set<String> expected, List<Member> members, String what) {
    var received = new ArrayList<String>();
    members.forEach(m -> m.received.forEach(r -> received.add(r.value())));
    var unexpected = received.stream().filter(v -> !expected.contains(v)).limit(20).toList();
    assertTrue(unexpected.isEmpty(), "received records that are not in " + what + " (e.g. from before the commit): "
        + unexpected);
    assertEquals(expected.size(), received.size(), "records of " + what + " received, counting duplicates");
    assertEquals(expected, new HashSet<>(received));
  }

  /** {@code PER_PARTITION} records with values {@code <set>-<partition>-<i>} in every partition, acknowledged. */
  private static Set<String> produce(String set) throws Exception {
    var values = new HashSet<String>();
    try (var producer = ClusterClients.producer(ClusterClients.producerProps(cluster.node(3).bootstrap()))) {
      var sends = new ArrayList<Future<RecordMetadata>>();
      for (int i = 0; i < PER_PARTITION; i++) {
        for (int p = 0; p < PARTITIONS; p++) {
          String value = set + "-" + p + "-" + i;
          values.add(value);
          sends.add(producer.send(new ProducerRecord<>(TOPIC, p, null, value)));
        }
      }
      for (var send : sends) send.get(90, TimeUnit.SECONDS);
    }
    return values;
  }

  /** The group's committed offset of every partition, asked through a node no member is bootstrapped to last. */
  private static void assertCommitted(long expected) throws Exception {
    try (var admin = cluster.admin(2)) {
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(GROUP)
          .partitionsToOffsetAndMetadata().get(60, TimeUnit.SECONDS);
      var offsets = new TreeMap<Integer, Long>();
      committed.forEach((tp, o) -> offsets.put(tp.partition(), o == null ? -1 : o.offset()));
      var want = new TreeMap<Integer, Long>();
      for (int p = 0; p < PARTITIONS; p++) want.put(p, expected);
      assertFalse(offsets.isEmpty(), "the group has committed offsets");
      assertEquals(want, offsets, "committed offsets of " + GROUP);
    }
  }
}
