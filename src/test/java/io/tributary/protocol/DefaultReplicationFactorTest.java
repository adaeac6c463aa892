package io.tributary.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigException;
import io.tributary.it.TestBrokers;
import io.tributary.node.BrokerNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.MetadataResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code default.replication.factor} on a single node set to 2: CreateTopics with -1 and auto-creation use it (and are
 * refused with Kafka's INVALID_REPLICATION_FACTOR, as one live node cannot hold two replicas), DescribeConfigs
 * reports it, and Metadata shows a partition's ISR.
 */
class DefaultReplicationFactorTest {
  @TempDir static Path dataDir;
  static BrokerNode node;
  static Admin admin;

  @BeforeAll
  static void start() {
    node = TestBrokers.start(dataDir.resolve("node"), "tributary.default.replication.factor = 2");
    admin = Admin.create(TestBrokers.adminProps(node));
  }

  @AfterAll
  static void stop() {
    if (admin != null) admin.close();
    if (node != null) node.close();
  }

  @Test
  void describeConfigsReportsTheOperatorsValue() throws Exception {
    var resource = new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(node.settings().nodeId()));
    ConfigEntry entry = admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource)
        .get("default.replication.factor");
    assertEquals("2", entry.value());
    assertEquals(ConfigEntry.ConfigSource.STATIC_BROKER_CONFIG, entry.source());
    assertEquals(2, node.settings().defaultReplicationFactor());
  }

  @Test
  void createTopicsWithoutAFactorUsesTheDefault() throws Exception {
    var refused = assertThrows(ExecutionException.class, () -> admin.createTopics(
        List.of(new NewTopic("by-default", Optional.of(1), Optional.empty()))).all().get(30, TimeUnit.SECONDS));
    assertInstanceOf(InvalidReplicationFactorException.class, refused.getCause());
    assertEquals("Unable to replicate the partition 2 time(s): The target replication factor of 2 cannot be reached "
        + "because only 1 broker(s) are registered.", refused.getCause().getMessage());

    var created = admin.createTopics(List.of(new NewTopic("one-copy", 2, (short) 1)));
    created.all().get(30, TimeUnit.SECONDS);
    assertEquals(1, created.replicationFactor("one-copy").get());
    int self = node.settings().nodeId();
    var description = admin.describeTopics(List.of("one-copy")).allTopicNames().get(30, TimeUnit.SECONDS).get("one-copy");
    for (var p : description.partitions()) {
      assertEquals(self, p.leader().id());
      assertEquals(List.of(self), p.isr().stream().map(n -> n.id()).toList());
    }
  }

  @Test
  void autoCreationUsesTheDefaultToo() throws Exception {
    try (var wire = new WireClient(node.bootstrapServers())) {
      MetadataResponse response = wire.send(ApiKeys.METADATA, (short) 12, new MetadataRequestData()
          .setAllowAutoTopicCreation(true)
          .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName("auto-created"))));
      assertEquals(Errors.INVALID_REPLICATION_FACTOR.code(), response.data().topics().find("auto-created").errorCode());
    }
    assertFalse(node.metadata().current().topic("auto-created").isPresent());
  }

  @Test
  void metadataV0ListsTheIsrOfALiveLeader() throws Exception {
    admin.createTopics(List.of(new NewTopic("v0", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    try (var wire = new WireClient(node.bootstrapServers())) {
      MetadataResponse response = wire.send(ApiKeys.METADATA, (short) 0, new MetadataRequestData()
          .setTopics(List.of(new MetadataRequestData.MetadataRequestTopic().setName("v0"))));
      var partition = response.data().topics().find("v0").partitions().get(0);
      assertEquals(Errors.NONE.code(), partition.errorCode());
      assertEquals(List.of(node.settings().nodeId()), partition.isrNodes());
      assertEquals(List.of(), partition.offlineReplicas());
    }
  }

  @Test
  void aFactorBelowOneStopsTheNodeAtStart() {
    assertThrows(ConfigException.class,
        () -> TestBrokers.start(dataDir.resolve("bad"), "tributary.default.replication.factor = 0"));
  }
}
