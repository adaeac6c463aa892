package io.tributary.protocol;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.tributary.node.BrokerNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.AlterConfigsOptions;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.CreateTopicsOptions;
import org.apache.kafka.clients.admin.CreateTopicsResult;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicCollection;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin APIs against a real node, driven by the real kafka-clients AdminClient. */
class AdminApiTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  static Path dataDir;

  static BrokerNode node;
  static Admin admin;
  static int nodeId;

  @BeforeAll
  static void start() {
    node = BrokerNode.start(ConfigFactory.parseString("tributary.kafka.port = 0\n"
        + "tributary.node.data-dir = \"" + dataDir.toString().replace("\\", "\\\\") + "\"\n"
        + "akka.remote.artery.canonical.port = 0\n"
        + "tributary.log.retention.bytes = 1000000000\n"));
    nodeId = node.settings().nodeId();
    var props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers());
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
    admin = Admin.create(props);
  }

  @AfterAll
  static void stop() {
    if (admin != null) admin.close(Duration.ofSeconds(10));
    if (node != null) node.close();
  }

  @Test
  void createListAndDescribeTopics() throws Exception {
    CreateTopicsResult created = admin.createTopics(List.of(
        new NewTopic("orders", 3, (short) 1).configs(Map.of("retention.ms", "3600000")),
        new NewTopic("defaults", Optional.empty(), Optional.empty())));
    created.all().get(30, TimeUnit.SECONDS);

    assertEquals(3, created.numPartitions("orders").get());
    assertEquals(1, created.replicationFactor("orders").get());
    Uuid ordersId = created.topicId("orders").get();
    assertNotEquals(Uuid.ZERO_UUID, ordersId);
    Config createdConfig = created.config("orders").get();
    assertEquals("3600000", createdConfig.get("retention.ms").value());
    assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, createdConfig.get("retention.ms").source());
    assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, createdConfig.get("segment.bytes").source());
    assertEquals(node.settings().defaultPartitions(), created.numPartitions("defaults").get());

    Set<String> names = admin.listTopics().names().get(30, TimeUnit.SECONDS);
    assertTrue(names.containsAll(Set.of("orders", "defaults")), names.toString());

    TopicDescription orders = admin.describeTopics(List.of("orders")).allTopicNames().get(30, TimeUnit.SECONDS).get("orders");
    assertEquals(ordersId, orders.topicId());
    var byId = admin.describeTopics(org.apache.kafka.common.TopicCollection.ofTopicIds(List.of(ordersId)))
        .allTopicIds().get(30, TimeUnit.SECONDS).get(ordersId);
    assertEquals("orders", byId.name(), "describe by topic id");
    assertEquals(3, orders.partitions().size());
    for (int p = 0; p < 3; p++) {
      var partition = orders.partitions().get(p);
      assertEquals(p, partition.partition());
      assertEquals(nodeId, partition.leader().id());
      assertEquals(1, partition.replicas().size());
    }
  }

  @Test
  void createTopicErrors() throws Exception {
    admin.createTopics(List.of(new NewTopic("taken", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);

    // validateOnly: answered like a real creation, nothing created
    var validated = admin.createTopics(List.of(new NewTopic("only-validated", 2, (short) 1)),
        new CreateTopicsOptions().validateOnly(true));
    validated.all().get(30, TimeUnit.SECONDS);
    assertEquals(2, validated.numPartitions("only-validated").get());
    assertFalse(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains("only-validated"));

    assertCause(TopicExistsException.class, "Topic 'taken' already exists.",
        admin.createTopics(List.of(new NewTopic("taken", 1, (short) 1))).all());
    assertCause(InvalidConfigurationException.class, null,
        admin.createTopics(List.of(new NewTopic("bad-config", 1, (short) 1).configs(Map.of("retention.ms", "soon")))).all());
    assertCause(InvalidConfigurationException.class, "Unknown topic config name: no.such.config",
        admin.createTopics(List.of(new NewTopic("bad-key", 1, (short) 1).configs(Map.of("no.such.config", "1")))).all());
    assertCause(InvalidTopicException.class, null,
        admin.createTopics(List.of(new NewTopic("bad name!", 1, (short) 1))).all());
    assertCause(InvalidReplicationFactorException.class,
        "Unable to replicate the partition 3 time(s): The target replication factor of 3 cannot be reached because only 1 broker(s) are registered.",
        admin.createTopics(List.of(new NewTopic("three-copies", 1, (short) 3))).all());
    assertCause(InvalidReplicaAssignmentException.class,
        "The manual partition assignment includes broker 99, but no such broker is registered.",
        admin.createTopics(List.of(new NewTopic("elsewhere", Map.of(0, List.of(99))))).all());
    assertCause(InvalidPartitionsException.class, null,
        admin.createTopics(List.of(new NewTopic("no-partitions", 0, (short) 1))).all());

    // a manual assignment on this node is fine
    var manual = admin.createTopics(List.of(new NewTopic("manual", Map.of(0, List.of(nodeId), 1, List.of(nodeId)))));
    manual.all().get(30, TimeUnit.SECONDS);
    assertEquals(2, manual.numPartitions("manual").get());
    for (String name : List.of("bad-config", "bad-key", "three-copies", "elsewhere", "no-partitions")) {
      assertFalse(admin.listTopics().names().get(30, TimeUnit.SECONDS).contains(name), name);
    }
  }

  @Test
  void describeTopicAndBrokerConfigs() throws Exception {
    admin.createTopics(List.of(new NewTopic("configured", 1, (short) 1)
        .configs(Map.of("cleanup.policy", "compact", "max.message.bytes", "2048")))).all().get(30, TimeUnit.SECONDS);

    var topic = new ConfigResource(ConfigResource.Type.TOPIC, "configured");
    Config config = admin.describeConfigs(List.of(topic), new DescribeConfigsOptions().includeSynonyms(true).includeDocumentation(true))
        .all().get(30, TimeUnit.SECONDS).get(topic);
    ConfigEntry policy = config.get("cleanup.policy");
    assertEquals("compact", policy.value());
    assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, policy.source());
    assertEquals(ConfigEntry.ConfigType.LIST, policy.type());
    assertFalse(policy.isReadOnly());
    assertFalse(policy.isSensitive());
    assertEquals("cleanup.policy", policy.synonyms().get(0).name());
    assertEquals("2048", config.get("max.message.bytes").value());
    ConfigEntry retention = config.get("retention.ms");
    assertEquals("604800000", retention.value());
    assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, retention.source());
    assertEquals(ConfigEntry.ConfigType.LONG, retention.type());
    assertNotNull(retention.documentation());
    assertEquals("log.retention.ms", retention.synonyms().get(0).name());
    // set by the operator (this test's config), not by reference.conf
    ConfigEntry retentionBytes = config.get("retention.bytes");
    assertEquals("1000000000", retentionBytes.value());
    assertEquals(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, retentionBytes.source());

    // only the keys asked for
    var someKeys = admin.describeConfigs(List.of(topic)).values().get(topic).get(30, TimeUnit.SECONDS);
    assertTrue(someKeys.entries().size() >= 10, someKeys.toString());

    var brokerResource = new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(nodeId));
    Config brokerConfig = admin.describeConfigs(List.of(brokerResource)).all().get(30, TimeUnit.SECONDS).get(brokerResource);
    assertEquals("604800000", brokerConfig.get("log.retention.ms").value());
    assertEquals("1000000000", brokerConfig.get("log.retention.bytes").value());
    assertEquals(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, brokerConfig.get("log.retention.bytes").source());
    assertEquals(String.valueOf(node.settings().defaultPartitions()), brokerConfig.get("num.partitions").value());
    assertEquals("true", brokerConfig.get("auto.create.topics.enable").value());
    assertEquals("1073741824", brokerConfig.get("log.segment.bytes").value());
    assertTrue(brokerConfig.get("log.segment.bytes").isReadOnly());

    var missing = new ConfigResource(ConfigResource.Type.TOPIC, "no-such-topic");
    assertCause(UnknownTopicOrPartitionException.class, null, admin.describeConfigs(List.of(missing)).all());
    // the cluster-wide dynamic defaults: there are none (another node id is not testable through the
    // AdminClient, which waits for that node to appear, as it does with Kafka)
    var clusterDefaults = new ConfigResource(ConfigResource.Type.BROKER, "");
    assertTrue(describe(clusterDefaults).entries().isEmpty());
  }

  @Test
  void incrementalAlterConfigs() throws Exception {
    admin.createTopics(List.of(new NewTopic("altered", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    var topic = new ConfigResource(ConfigResource.Type.TOPIC, "altered");

    admin.incrementalAlterConfigs(Map.of(topic, List.of(
        new AlterConfigOp(new ConfigEntry("retention.ms", "120000"), AlterConfigOp.OpType.SET),
        new AlterConfigOp(new ConfigEntry("cleanup.policy", "compact"), AlterConfigOp.OpType.APPEND))))
        .all().get(30, TimeUnit.SECONDS);
    Config config = describe(topic);
    assertEquals("120000", config.get("retention.ms").value());
    assertEquals(ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, config.get("retention.ms").source());
    assertEquals(Set.of("compact", "delete"), Set.of(config.get("cleanup.policy").value().split(",")));

    admin.incrementalAlterConfigs(Map.of(topic, List.of(
        new AlterConfigOp(new ConfigEntry("retention.ms", null), AlterConfigOp.OpType.DELETE),
        new AlterConfigOp(new ConfigEntry("cleanup.policy", "delete"), AlterConfigOp.OpType.SUBTRACT))))
        .all().get(30, TimeUnit.SECONDS);
    config = describe(topic);
    assertEquals("604800000", config.get("retention.ms").value());
    assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, config.get("retention.ms").source());
    assertEquals("compact", config.get("cleanup.policy").value());

    // validateOnly changes nothing
    admin.incrementalAlterConfigs(Map.of(topic, List.of(
        new AlterConfigOp(new ConfigEntry("segment.bytes", "1048576"), AlterConfigOp.OpType.SET))),
        new AlterConfigsOptions().validateOnly(true)).all().get(30, TimeUnit.SECONDS);
    assertEquals(ConfigEntry.ConfigSource.DEFAULT_CONFIG, describe(topic).get("segment.bytes").source());

    assertCause(InvalidConfigurationException.class, "Can't APPEND to key retention.ms because its type is not LIST.",
        admin.incrementalAlterConfigs(Map.of(topic, List.of(
            new AlterConfigOp(new ConfigEntry("retention.ms", "1"), AlterConfigOp.OpType.APPEND)))).all());
    assertCause(InvalidConfigurationException.class, null,
        admin.incrementalAlterConfigs(Map.of(topic, List.of(
            new AlterConfigOp(new ConfigEntry("segment.bytes", "ten"), AlterConfigOp.OpType.SET)))).all());
    var missing = new ConfigResource(ConfigResource.Type.TOPIC, "never-created");
    assertCause(UnknownTopicOrPartitionException.class, "The topic 'never-created' does not exist.",
        admin.incrementalAlterConfigs(Map.of(missing, List.of(
            new AlterConfigOp(new ConfigEntry("retention.ms", "1000"), AlterConfigOp.OpType.SET)))).all());
    var brokerResource = new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(nodeId));
    assertCause(InvalidRequestException.class, null,
        admin.incrementalAlterConfigs(Map.of(brokerResource, List.of(
            new AlterConfigOp(new ConfigEntry("log.retention.ms", "1000"), AlterConfigOp.OpType.SET)))).all());
  }

  @Test
  void createPartitions() throws Exception {
    admin.createTopics(List.of(new NewTopic("growing", 2, (short) 1))).all().get(30, TimeUnit.SECONDS);

    admin.createPartitions(Map.of("growing", NewPartitions.increaseTo(4))).all().get(30, TimeUnit.SECONDS);
    assertEquals(4, partitionCount("growing"));

    assertCause(InvalidPartitionsException.class, "The topic growing currently has 4 partition(s); 3 would not be an increase.",
        admin.createPartitions(Map.of("growing", NewPartitions.increaseTo(3))).all());
    assertCause(InvalidPartitionsException.class, "Topic already has 4 partition(s).",
        admin.createPartitions(Map.of("growing", NewPartitions.increaseTo(4))).all());
    assertCause(UnknownTopicOrPartitionException.class, null,
        admin.createPartitions(Map.of("not-there", NewPartitions.increaseTo(4))).all());
    assertCause(InvalidReplicaAssignmentException.class, null,
        admin.createPartitions(Map.of("growing", NewPartitions.increaseTo(5, List.of(List.of(nodeId + 7))))).all());

    admin.createPartitions(Map.of("growing", NewPartitions.increaseTo(5, List.of(List.of(nodeId))))).all().get(30, TimeUnit.SECONDS);
    assertEquals(5, partitionCount("growing"));
  }

  @Test
  void deleteTopicsByNameAndId() throws Exception {
    var created = admin.createTopics(List.of(new NewTopic("doomed-by-name", 1, (short) 1), new NewTopic("doomed-by-id", 2, (short) 1)));
    created.all().get(30, TimeUnit.SECONDS);
    Uuid id = created.topicId("doomed-by-id").get();

    admin.deleteTopics(TopicCollection.ofTopicNames(List.of("doomed-by-name"))).all().get(30, TimeUnit.SECONDS);
    admin.deleteTopics(TopicCollection.ofTopicIds(List.of(id))).all().get(30, TimeUnit.SECONDS);
    await("both topics gone").atMost(WAIT).until(() -> {
      var names = get(admin.listTopics().names());
      return !names.contains("doomed-by-name") && !names.contains("doomed-by-id");
    });

    assertCause(UnknownTopicOrPartitionException.class, null,
        admin.deleteTopics(TopicCollection.ofTopicNames(List.of("doomed-by-name"))).all());
    assertCause(UnknownTopicIdException.class, null, admin.deleteTopics(TopicCollection.ofTopicIds(List.of(id))).all());

    // the name can be used again, with a new id
    var again = admin.createTopics(List.of(new NewTopic("doomed-by-id", 1, (short) 1)));
    again.all().get(30, TimeUnit.SECONDS);
    assertNotEquals(id, again.topicId("doomed-by-id").get());
  }

  @Test
  void describeClusterReturnsThisNode() throws Exception {
    var cluster = admin.describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(true));
    Collection<org.apache.kafka.common.Node> nodes = cluster.nodes().get(30, TimeUnit.SECONDS);
    assertEquals(1, nodes.size());
    var self = nodes.iterator().next();
    assertEquals(nodeId, self.id());
    assertEquals(node.port(), self.port());
    assertEquals(nodeId, cluster.controller().get(30, TimeUnit.SECONDS).id());
    assertNotNull(cluster.clusterId().get(30, TimeUnit.SECONDS));
    assertNotNull(cluster.authorizedOperations().get(30, TimeUnit.SECONDS));
    assertTrue(cluster.authorizedOperations().get().contains(org.apache.kafka.common.acl.AclOperation.DESCRIBE));

    var plain = admin.describeCluster();
    assertNull(plain.authorizedOperations().get(30, TimeUnit.SECONDS));
  }

  @Test
  void deleteRecordsMovesTheLogStartOffset() throws Exception {
    admin.createTopics(List.of(new NewTopic("trimmed", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    var tp = new TopicPartition("trimmed", 0);
    var producerProps = new Properties();
    producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers());
    try (var producer = new KafkaProducer<>(producerProps, new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < 10; i++) {
        producer.send(new ProducerRecord<>("trimmed", 0, "k" + i, "v" + i)).get(30, TimeUnit.SECONDS);
      }
    }

    var deleted = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(4))).lowWatermarks().get(tp).get(30, TimeUnit.SECONDS);
    assertEquals(4, deleted.lowWatermark());

    var consumerProps = new Properties();
    consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers());
    try (var consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new StringDeserializer())) {
      assertEquals(4L, consumer.beginningOffsets(List.of(tp)).get(tp));
      assertEquals(10L, consumer.endOffsets(List.of(tp)).get(tp));
    }

    assertCause(OffsetOutOfRangeException.class, null,
        admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(11))).all());

    // -1: up to the high watermark
    var all = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(-1))).lowWatermarks().get(tp).get(30, TimeUnit.SECONDS);
    assertEquals(10, all.lowWatermark());
  }

  private static Config describe(ConfigResource resource) throws Exception {
    return admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource);
  }

  private static int partitionCount(String topic) throws Exception {
    return admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic).partitions().size();
  }

  private static <T> T get(Future<T> future) {
    try {
      return future.get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static void assertCause(Class<? extends Throwable> type, String message, Future<?> future) {
    var e = assertThrows(ExecutionException.class, () -> future.get(30, TimeUnit.SECONDS));
    assertInstanceOf(type, e.getCause(), () -> "cause: " + e.getCause());
    if (message != null) assertEquals(message, e.getCause().getMessage());
  }
}
