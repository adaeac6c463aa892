package io.tributary.it.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.it.RobustSupport;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;

/** Real kafka-clients settings and small admin/read helpers shared by the cluster tests. */
final class ClusterClients {
  private ClusterClients() {}

  /** What a cluster looks like through one node's DescribeCluster: its brokers as {@code id@host:port}, its controller. */
  record ClusterView(Set<String> brokers, int controllerId) {}

  /** An idempotent acks=all producer, the configuration the issue asks to work against any single node. */
  /** The robustness tests' producer settings, idempotent, with a short linger. */
  static Properties producerProps(String bootstrap) {
    var p = RobustSupport.producerProps(bootstrap);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
    return p;
  }

  static KafkaProducer<String, String> producer(Properties props) {
    return RobustSupport.producer(props);
  }

  static Properties consumerProps(String bootstrap) {
    return RobustSupport.consumerProps(bootstrap);
  }

  static KafkaConsumer<String, String> consumer(Properties props) {
    return RobustSupport.consumer(props);
  }

  static Properties adminProps(String bootstrap) {
    return RobustSupport.adminProps(bootstrap);
  }

  static void createTopic(Admin admin, String topic, int partitions) throws Exception {
    admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
  }

  static TopicDescription describe(Admin admin, String topic) throws Exception {
    return admin.describeTopics(List.of(topic)).allTopicNames().get(60, TimeUnit.SECONDS).get(topic);
  }

  /** Partition -> leader id as {@code admin}'s node describes {@code topic}; -1 for a partition without a leader. */
  static Map<Integer, Integer> leaders(Admin admin, String topic) throws Exception {
    var leaders = new TreeMap<Integer, Integer>();
    for (var p : describe(admin, topic).partitions()) {
      leaders.put(p.partition(), p.leader() == null ? -1 : p.leader().id());
    }
    return leaders;
  }

  /**
   * Waits until every node describes {@code topic} with {@code partitions} partitions, each with a leader, and all nodes
   * agree on the leaders (metadata spreads between nodes, so a node may lag for a moment); returns them (partition ->
   * leader id).
   */
  static Map<Integer, Integer> awaitTopicOnEveryNode(TestCluster cluster, String topic, int partitions) {
    var admins = new TreeMap<Integer, Admin>();
    try {
      cluster.nodes().forEach(n -> admins.put(n.nodeId, cluster.admin(n.nodeId)));
      var views = new AtomicReference<Map<Integer, Map<Integer, Integer>>>();
      await("every node describes " + topic + " with the same " + partitions + " led partitions")
          .atMost(TestCluster.DEADLINE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            var seen = new TreeMap<Integer, Map<Integer, Integer>>();
            for (var e : admins.entrySet()) {
              try {
                seen.put(e.getKey(), leaders(e.getValue(), topic));
              } catch (Exception failure) {
                seen.put(e.getKey(), Map.of(-1, -1));
                System.out.println("node " + e.getKey() + " cannot describe " + topic + " yet: " + failure);
              }
            }
            views.set(seen);
            var first = seen.values().iterator().next();
            assertTrue(first.size() == partitions && first.values().stream().allMatch(id -> id >= 0)
                && seen.values().stream().allMatch(first::equals),
                "partition -> leader as each node describes " + topic + ": " + seen);
          });
      return views.get().values().iterator().next();
    } finally {
      admins.values().forEach(Admin::close);
    }
  }

  /** Leader id -> its partitions. */
  static Map<Integer, List<Integer>> partitionsByLeader(Map<Integer, Integer> leaders) {
    var byLeader = new TreeMap<Integer, List<Integer>>();
    leaders.forEach((partition, leader) -> byLeader.computeIfAbsent(leader, l -> new ArrayList<>()).add(partition));
    return byLeader;
  }

  static ClusterView describeCluster(Admin admin) throws InterruptedException, ExecutionException, TimeoutException {
    var result = admin.describeCluster();
    var brokers = new TreeSet<String>();
    for (Node n : result.nodes().get(30, TimeUnit.SECONDS)) {
      brokers.add(n.id() + "@" + n.host() + ":" + n.port());
    }
    Node controller = result.controller().get(30, TimeUnit.SECONDS);
    return new ClusterView(brokers, controller == null ? -1 : controller.id());
  }

  /**
   * The brokers (as {@code id@host:port}) and the controller id in a Metadata response (v12, what kafka-clients 3.9
   * sends) from the node at {@code bootstrap}, asked over a plain socket: the admin client's describeCluster uses
   * DescribeCluster instead, and Metadata's broker list is what producers and consumers route by.
   */
  static ClusterView metadataBrokers(String bootstrap) throws IOException {
    short version = 12;
    var header = new RequestHeader(ApiKeys.METADATA, version, "cluster-test-metadata", 1);
    var body = new MetadataRequestData().setTopics(List.of()).setAllowAutoTopicCreation(false);
    var cache = new ObjectSerializationCache();
    int size = header.data().size(cache, header.headerVersion()) + body.size(cache, version);
    ByteBuffer frame = ByteBuffer.allocate(4 + size).putInt(size);
    var accessor = new ByteBufferAccessor(frame);
    header.data().write(accessor, cache, header.headerVersion());
    body.write(accessor, cache, version);
    int colon = bootstrap.lastIndexOf(':');
    try (var socket = new Socket()) {
      socket.connect(new InetSocketAddress(bootstrap.substring(0, colon), Integer.parseInt(bootstrap.substring(colon + 1))),
          10_000);
      socket.setSoTimeout(30_000);
      socket.getOutputStream().write(frame.array());
      var in = new DataInputStream(socket.getInputStream());
      byte[] response = new byte[in.readInt()];
      in.readFully(response);
      ByteBuffer buffer = ByteBuffer.wrap(response);
      ResponseHeader.parse(buffer, ApiKeys.METADATA.responseHeaderVersion(version));
      var metadata = (MetadataResponse) AbstractResponse.parseResponse(ApiKeys.METADATA, buffer, version);
      var brokers = new TreeSet<String>();
      metadata.brokers().forEach(n -> brokers.add(n.id() + "@" + n.host() + ":" + n.port()));
      return new ClusterView(brokers, metadata.data().controllerId());
    }
  }

  /** The brokers every node of {@code cluster} should list: {@code id@127.0.0.1:kafkaPort}. */
  static Set<String> expectedBrokers(TestCluster cluster) {
    var brokers = new TreeSet<String>();
    cluster.kafkaPorts().forEach((id, port) -> brokers.add(id + "@127.0.0.1:" + port));
    return brokers;
  }

  static List<TopicPartition> topicPartitions(String topic, int partitions) {
    var list = new ArrayList<TopicPartition>();
    for (int p = 0; p < partitions; p++) list.add(new TopicPartition(topic, p));
    return list;
  }
}
