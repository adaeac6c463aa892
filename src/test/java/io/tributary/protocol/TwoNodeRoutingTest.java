package io.tributary.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.node.BrokerNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DeleteRecordsResponse;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes in one JVM as one cluster (seed nodes, every message serialized as if it crossed nodes): a partition
 * is served only by its leader, a group only by its coordinator, and the real clients find their way through either
 * node. The multi-process cluster tests (it/cluster) cover failures.
 */
class TwoNodeRoutingTest {
  private static final String TOPIC = "routed";

  @TempDir static Path dir;
  private static BrokerNode one;
  private static BrokerNode two;

  @BeforeAll
  static void startCluster() throws Exception {
    var nodes = TwoNodes.start(dir);
    one = nodes.get(0);
    two = nodes.get(1);
    try (var admin = Admin.create(Map.of("bootstrap.servers", one.bootstrapServers()))) {
      // partition 0 on node 1, partition 1 on node 2: an explicit assignment is honoured
      admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(1), 1, List.of(2))))).all().get(60, TimeUnit.SECONDS);
    }
    // a change reaches the node that did not ask for it by replication (gossip): wait until both show everything
    for (BrokerNode node : List.of(one, two)) {
      Awaitility.await().atMost(Duration.ofSeconds(60)).until(() ->
          node.metadata().liveBrokers().keySet().equals(Set.of(1, 2)) && node.metadata().current().topic(TOPIC).isPresent());
    }
  }

  @AfterAll
  static void stop() {
    if (two != null) two.close();
    if (one != null) one.close();
  }

  @Test
  void metadataShowsBothNodesTheLeadersAndOneController() throws Exception {
    for (BrokerNode node : List.of(one, two)) {
      try (var wire = new WireClient(node.bootstrapServers())) {
        MetadataResponse response = wire.send(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(
            List.of(new MetadataRequestData.MetadataRequestTopic().setName(TOPIC))));
        Set<Integer> ids = new HashSet<>();
        response.data().brokers().forEach(b -> ids.add(b.nodeId()));
        assertEquals(Set.of(1, 2), ids);
        var partitions = response.data().topics().find(TOPIC).partitions();
        assertEquals(1, partitions.get(0).leaderId());
        assertEquals(2, partitions.get(1).leaderId());
        assertEquals(List.of(2), partitions.get(1).replicaNodes());
        assertEquals(one.metadata().controllerId(), response.data().controllerId());
        assertTrue(response.data().controllerId() == 1 || response.data().controllerId() == 2);
      }
    }
  }

  @Test
  void dataRequestsForAPartitionLedElsewhereGetNotLeaderOrFollower() throws Exception {
    try (var wire = new WireClient(two.bootstrapServers())) {
      var records = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes()));
      var produceTopics = new ProduceRequestData.TopicProduceDataCollection();
      produceTopics.add(new ProduceRequestData.TopicProduceData().setName(TOPIC).setPartitionData(List.of(
          new ProduceRequestData.PartitionProduceData().setIndex(0).setRecords(records))));
      ProduceResponse produced = wire.send(ApiKeys.PRODUCE, (short) 9,
          new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000).setTopicData(produceTopics));
      assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(),
          produced.data().responses().find(TOPIC).partitionResponses().get(0).errorCode());

      FetchResponse fetched = wire.send(ApiKeys.FETCH, (short) 12, new FetchRequestData().setReplicaId(-1)
          .setMaxWaitMs(0).setMinBytes(0).setMaxBytes(1 << 20).setSessionId(0).setSessionEpoch(-1)
          .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(TOPIC).setPartitions(List.of(
              new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20))))));
      assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), fetched.data().responses().get(0).partitions().get(0).errorCode());

      ListOffsetsResponse listed = wire.send(ApiKeys.LIST_OFFSETS, (short) 7, new ListOffsetsRequestData().setReplicaId(-1)
          .setTopics(List.of(new ListOffsetsTopic().setName(TOPIC).setPartitions(List.of(
              new ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1))))));
      assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), listed.data().topics().get(0).partitions().get(0).errorCode());

      var delete = new DeleteRecordsRequestData().setTimeoutMs(10_000);
      delete.topics().add(new DeleteRecordsRequestData.DeleteRecordsTopic().setName(TOPIC).setPartitions(List.of(
          new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(0).setOffset(0))));
      DeleteRecordsResponse deleted = wire.send(ApiKeys.DELETE_RECORDS, (short) 2, delete);
      assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), deleted.data().topics().find(TOPIC).partitions().find(0).errorCode());

      // its own partition it serves
      ListOffsetsResponse own = wire.send(ApiKeys.LIST_OFFSETS, (short) 7, new ListOffsetsRequestData().setReplicaId(-1)
          .setTopics(List.of(new ListOffsetsTopic().setName(TOPIC).setPartitions(List.of(
              new ListOffsetsPartition().setPartitionIndex(1).setTimestamp(-1))))));
      assertEquals(Errors.NONE.code(), own.data().topics().get(0).partitions().get(0).errorCode());
    }
  }

  @Test
  void aGroupIsServedOnlyByItsCoordinator() throws Exception {
    String group = "routed-group";
    List<Integer> answers = new ArrayList<>();
    for (BrokerNode node : List.of(one, two)) {
      try (var wire = new WireClient(node.bootstrapServers())) {
        FindCoordinatorResponse found = wire.send(ApiKeys.FIND_COORDINATOR, (short) 4, new FindCoordinatorRequestData()
            .setKeyType((byte) 0).setCoordinatorKeys(List.of(group)));
        assertEquals(Errors.NONE.code(), found.data().coordinators().get(0).errorCode());
        answers.add(found.data().coordinators().get(0).nodeId());
      }
    }
    assertEquals(answers.get(0), answers.get(1), "both nodes name the same coordinator");
    BrokerNode other = answers.get(0) == 1 ? two : one;
    BrokerNode coordinator = answers.get(0) == 1 ? one : two;
    try (var wire = new WireClient(other.bootstrapServers())) {
      DescribeGroupsResponse described = wire.send(ApiKeys.DESCRIBE_GROUPS, (short) 5,
          new DescribeGroupsRequestData().setGroups(List.of(group)));
      assertEquals(Errors.NOT_COORDINATOR.code(), described.data().groups().get(0).errorCode());
    }
    try (var wire = new WireClient(coordinator.bootstrapServers())) {
      DescribeGroupsResponse described = wire.send(ApiKeys.DESCRIBE_GROUPS, (short) 5,
          new DescribeGroupsRequestData().setGroups(List.of(group)));
      assertEquals(Errors.NONE.code(), described.data().groups().get(0).errorCode());
    }
  }

  @Test
  void clientsBootstrappedToEitherNodeReachEveryPartitionAndGroup() throws Exception {
    var producerProps = Map.<String, Object>of("bootstrap.servers", two.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    var sent = new HashSet<String>();
    try (var producer = new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < 200; i++) {
        String value = "v" + i;
        producer.send(new ProducerRecord<>(TOPIC, i % 2, null, value)).get(60, TimeUnit.SECONDS);
        sent.add(value);
      }
    }
    var consumerProps = Map.<String, Object>of("bootstrap.servers", one.bootstrapServers(), "group.id", "readers",
        "auto.offset.reset", "earliest", "enable.auto.commit", "false");
    var seen = new HashSet<String>();
    try (var consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
      consumer.subscribe(List.of(TOPIC));
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      while (!seen.containsAll(sent) && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(r -> seen.add(r.value()));
      }
      consumer.commitSync();
      assertEquals(sent, seen);
      var committed = consumer.committed(Set.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1)));
      assertEquals(100L, committed.get(new TopicPartition(TOPIC, 0)).offset());
      assertEquals(100L, committed.get(new TopicPartition(TOPIC, 1)).offset());
    }
  }

  @Test
  void aTopicCreatedThroughOneNodeIsInTheOthersMetadataAtOnce() throws Exception {
    // KafkaJS creates a topic through the controller, then asks any broker for its metadata, without retrying
    // UNKNOWN_TOPIC_OR_PARTITION: the other node must not answer from a view that waits for its next notification
    for (int i = 0; i < 6; i++) {
      BrokerNode creator = i % 2 == 0 ? one : two;
      BrokerNode asked = i % 2 == 0 ? two : one;
      String topic = "created-through-" + creator.settings().nodeId() + "-" + i;
      try (var toCreator = new WireClient(creator.bootstrapServers()); var toOther = new WireClient(asked.bootstrapServers())) {
        var create = new CreateTopicsRequestData().setTimeoutMs(30_000);
        create.topics().add(new CreateTopicsRequestData.CreatableTopic().setName(topic).setNumPartitions(2).setReplicationFactor((short) 2));
        CreateTopicsResponse created = toCreator.send(ApiKeys.CREATE_TOPICS, (short) 7, create);
        assertEquals(Errors.NONE.code(), created.data().topics().find(topic).errorCode());
        MetadataResponse described = toOther.send(ApiKeys.METADATA, (short) 12, new MetadataRequestData()
            .setAllowAutoTopicCreation(false)
            .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName(topic))));
        var answer = described.data().topics().find(topic);
        assertEquals(Errors.NONE.code(), answer.errorCode(), "node " + asked.settings().nodeId() + " on " + topic);
        assertEquals(2, answer.partitions().size());
      }
    }
  }

  @Test
  void aSecondLiveNodeWithTheSameIdIsRefused() throws Exception {
    int port = TwoNodes.freePort();
    String seeds = one.system().settings().config().getStringList("akka.cluster.seed-nodes").stream()
        .map(a -> a.substring(a.indexOf('@') + 1)).reduce((a, b) -> a + "," + b).orElseThrow();
    var failure = assertThrows(IllegalStateException.class,
        () -> BrokerNode.start(TwoNodes.node(1, port, seeds, dir.resolve("duplicate"))));
    assertTrue(Optional.ofNullable(failure.getMessage()).orElse("").contains("already in use"), failure.getMessage());
  }
}
