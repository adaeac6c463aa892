package io.tributary.it.cluster;

import static io.tributary.it.cluster.ClusterClients.awaitTopicOnEveryNode;
import static io.tributary.it.cluster.ClusterClients.createTopic;
import static io.tributary.it.cluster.ClusterClients.describe;
import static io.tributary.it.cluster.ClusterClients.describeCluster;
import static io.tributary.it.cluster.ClusterClients.expectedBrokers;
import static io.tributary.it.cluster.ClusterClients.partitionsByLeader;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.it.RobustSupport;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three nodes started as separate JVMs, in shuffled order, serve as one Kafka cluster: partitions of a new topic are
 * led 4/4/4 by the three nodes, every node describes the same cluster, and the real producer, consumer and admin
 * client each work with a single (different) node as bootstrap.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClusterBasicsTest {
  private static final int PARTITIONS = 12;
  private static final int RECORDS = 3000;

  @RegisterExtension
  static final TestCluster cluster = new TestCluster();

  @Test
  void nodesFormOneAkkaCluster() {
    cluster.awaitAllMembersUpInLogs();
  }

  @Test
  void everyNodeDescribesTheSameClusterOfThree() throws Exception {
    var expected = expectedBrokers(cluster);
    var controllers = new TreeMap<Integer, Integer>();
    for (var node : cluster.nodes()) {
      try (var admin = cluster.admin(node.nodeId)) {
        var view = await("node " + node.nodeId + " lists the 3 nodes").atMost(TestCluster.DEADLINE)
            .pollInterval(Duration.ofMillis(500)).ignoreExceptions()
            .until(() -> describeCluster(admin), v -> v.brokers().equals(expected));
        controllers.put(node.nodeId, view.controllerId());
      }
      var metadata = ClusterClients.metadataBrokers(node.bootstrap());
      assertEquals(expected, metadata.brokers(), "brokers in node " + node.nodeId + "'s Metadata response");
      assertEquals(controllers.get(node.nodeId), metadata.controllerId(),
          "controller in node " + node.nodeId + "'s Metadata and DescribeCluster");
    }
    assertEquals(1, new HashSet<>(controllers.values()).size(), "every node names the same controller: " + controllers);
    int controller = controllers.values().iterator().next();
    assertTrue(cluster.kafkaPorts().containsKey(controller), "the controller " + controller + " is one of the nodes");
  }

  @Test
  void producerConsumerAndAdminEachWorkThroughOneNode() throws Exception {
    String topic = "basics";
    try (var admin = cluster.admin(3)) {
      createTopic(admin, topic, PARTITIONS);
    }
    Map<Integer, Integer> leaders = awaitTopicOnEveryNode(cluster, topic, PARTITIONS);
    var byLeader = partitionsByLeader(leaders);
    assertEquals(Set.of(1, 2, 3), byLeader.keySet(), "leaders " + leaders);
    byLeader.forEach((leader, partitions) ->
        assertEquals(PARTITIONS / 3, partitions.size(), "partitions led by node " + leader + " of " + leaders));

    assertMetadataThroughEveryNode(topic, leaders);

    // producer bootstrapped to node 1 only
    var expected = new HashSet<String>();
    var acked = new HashMap<String, RecordMetadata>();
    try (var producer = ClusterClients.producer(ClusterClients.producerProps(cluster.node(1).bootstrap()))) {
      var sends = new ArrayList<Future<RecordMetadata>>();
      for (int i = 0; i < RECORDS; i++) {
        String value = "basics-" + i;
        expected.add(value);
        sends.add(producer.send(new ProducerRecord<>(topic, i % PARTITIONS, "k" + i, value)));
      }
      for (int i = 0; i < RECORDS; i++) {
        acked.put("basics-" + i, sends.get(i).get(90, TimeUnit.SECONDS));
      }
    }

    // consumer bootstrapped to node 2 only
    var read = RobustSupport.readAll(cluster.node(2).bootstrap(), ClusterClients.topicPartitions(topic, PARTITIONS),
        TestCluster.DEADLINE);
    var values = new ArrayList<String>();
    read.forEach((tp, records) -> records.forEach(r -> {
      values.add(r.value());
      var meta = acked.get(r.value());
      assertTrue(meta != null && meta.partition() == tp.partition() && meta.offset() == r.offset(),
          r.value() + " read at " + tp + "@" + r.offset() + " but acknowledged as " + meta);
    }));
    assertEquals(RECORDS, values.size(), "records read (duplicates count twice)");
    assertEquals(expected, new HashSet<>(values));

    // admin bootstrapped to node 3 only
    try (var admin = cluster.admin(3)) {
      assertTrue(admin.listTopics().names().get(60, TimeUnit.SECONDS).contains(topic), "node 3 lists " + topic);
      var description = describe(admin, topic);
      assertEquals(PARTITIONS, description.partitions().size());
      assertEquals(leaders, ClusterClients.leaders(admin, topic));
      var ends = admin.listOffsets(toLatest(topic)).all().get(60, TimeUnit.SECONDS);
      long total = ends.values().stream().mapToLong(o -> o.offset()).sum();
      assertEquals(RECORDS, total, "sum of the partitions' end offsets through node 3: " + ends);
    }
  }

  /** Metadata (not DescribeCluster) through each node: the topic's leaders, with each leader's advertised port. */
  private static void assertMetadataThroughEveryNode(String topic, Map<Integer, Integer> leaders) {
    var ports = cluster.kafkaPorts();
    for (var node : cluster.nodes()) {
      try (var consumer = ClusterClients.consumer(ClusterClients.consumerProps(node.bootstrap()))) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(60));
        assertEquals(PARTITIONS, infos.size(), "partitions of " + topic + " in node " + node.nodeId + "'s Metadata");
        for (var info : infos) {
          assertEquals(leaders.get(info.partition()), info.leader().id(),
              "leader of partition " + info.partition() + " in node " + node.nodeId + "'s Metadata");
          assertEquals("127.0.0.1", info.leader().host());
          assertEquals(ports.get(info.leader().id()), info.leader().port(),
              "advertised port of node " + info.leader().id() + " in node " + node.nodeId + "'s Metadata");
        }
      }
    }
  }

  private static Map<TopicPartition, OffsetSpec> toLatest(String topic) {
    var specs = new HashMap<TopicPartition, OffsetSpec>();
    ClusterClients.topicPartitions(topic, PARTITIONS)
        .forEach(tp -> specs.put(tp, OffsetSpec.latest()));
    return specs;
  }
}
