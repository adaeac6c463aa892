package io.tributary.metadata;

import static io.tributary.metadata.MetadataTestNodes.await;
import static io.tributary.metadata.MetadataTestNodes.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.FencedLeaderEpochException;
import org.apache.kafka.common.errors.IneligibleReplicaException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.InvalidUpdateVersionException;
import org.apache.kafka.common.errors.NotControllerException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicIdException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The service on a real one-member cluster with durable ddata. Each test uses its own topic names. */
class ClusterMetadataServiceTest {

  @TempDir static Path dataDir;

  private static ActorSystem<Void> system;
  private static ClusterMetadataService metadata;

  @BeforeAll
  static void start() {
    system = MetadataTestNodes.start("ClusterMetadataServiceTest", dataDir.resolve("__metadata"));
    metadata = ClusterMetadataService.start(system);
    await(metadata.ready());
    MetadataTestNodes.registerSelf(metadata, system, 1);
  }

  @AfterAll
  static void stop() {
    MetadataTestNodes.stop(system);
  }

  @Test
  void readyGivesAClusterIdAndStartIsIdempotent() {
    MetadataImage image = await(metadata.ready());
    assertTrue(image.version() >= 1);
    assertEquals(Uuid.fromString(image.clusterId()).toString(), image.clusterId());
    assertEquals(image.clusterId(), metadata.current().clusterId());
    assertSame(metadata, ClusterMetadataService.start(system));
  }

  @Test
  void createdTopicIsVisibleOnThisNodeAtOnce() {
    TopicInfo created = await(metadata.createTopic("orders", 3, Map.of("retention.ms", "60000"), false));
    assertEquals(3, created.partitionCount());
    assertEquals(Map.of("retention.ms", "60000"), created.configs());
    assertNotEquals(Uuid.ZERO_UUID, created.topicId());
    assertNotEquals(Uuid.METADATA_TOPIC_ID, created.topicId());
    // no waiting: the Controller's reply state is applied before the stage completes
    assertEquals(created, metadata.current().topic("orders").orElseThrow());
    assertEquals(created, metadata.current().topicById(created.topicId()).orElseThrow());
  }

  @Test
  void createPartitionsReplaceConfigsAndDelete() {
    TopicInfo created = await(metadata.createTopic("lifecycle", 2, Map.of(), false));

    TopicInfo grown = await(metadata.createPartitions("lifecycle", 5, false));
    assertEquals(5, grown.partitionCount());
    assertEquals(created.partitions(), grown.partitions().subList(0, 2), "the existing partitions stay where they are");
    assertEquals(created.topicId(), grown.topicId());
    assertEquals(grown, metadata.current().topic("lifecycle").orElseThrow());

    TopicInfo configured = await(metadata.replaceTopicConfigs("lifecycle", Map.of("cleanup.policy", "compact"), false));
    assertEquals(Map.of("cleanup.policy", "compact"), configured.configs());
    assertEquals(configured, metadata.current().topic("lifecycle").orElseThrow());
    TopicInfo replaced = await(metadata.replaceTopicConfigs("lifecycle", Map.of("retention.ms", "1"), false));
    assertEquals(Map.of("retention.ms", "1"), replaced.configs(), "the whole map is replaced");

    TopicInfo deleted = await(metadata.deleteTopic("lifecycle"));
    assertEquals(replaced, deleted);
    assertFalse(metadata.current().topic("lifecycle").isPresent());
    assertInstanceOf(UnknownTopicOrPartitionException.class, failure(metadata.deleteTopic("lifecycle")));

    TopicInfo recreated = await(metadata.createTopic("lifecycle", 1, Map.of(), false));
    assertNotEquals(created.topicId(), recreated.topicId(), "a re-created topic gets a new id");
  }

  @Test
  void errorsAreKafkasExceptionsWithKafkasMessages() {
    await(metadata.createTopic("errors.topic", 3, Map.of(), false));
    long version = metadata.current().version();

    Throwable exists = failure(metadata.createTopic("errors.topic", 1, Map.of(), false));
    assertInstanceOf(TopicExistsException.class, exists);
    assertEquals("Topic 'errors.topic' already exists.", exists.getMessage());

    assertInstanceOf(InvalidTopicException.class, failure(metadata.createTopic("no/slashes", 1, Map.of(), false)));
    assertInstanceOf(InvalidTopicException.class, failure(metadata.createTopic("", 1, Map.of(), false)));
    Throwable collides = failure(metadata.createTopic("errors_topic", 1, Map.of(), false));
    assertInstanceOf(InvalidTopicException.class, collides);
    assertEquals("Topic 'errors_topic' collides with existing topic: errors.topic", collides.getMessage());

    Throwable noPartitions = failure(metadata.createTopic("errors-zero", 0, Map.of(), false));
    assertInstanceOf(InvalidPartitionsException.class, noPartitions);
    assertEquals("Number of partitions must be larger than 0.", noPartitions.getMessage());

    Throwable fewer = failure(metadata.createPartitions("errors.topic", 2, false));
    assertInstanceOf(InvalidPartitionsException.class, fewer);
    assertEquals("Topic currently has 3 partitions, which is higher than the requested 2.", fewer.getMessage());
    Throwable same = failure(metadata.createPartitions("errors.topic", 3, false));
    assertInstanceOf(InvalidPartitionsException.class, same);
    assertEquals("Topic already has 3 partitions.", same.getMessage());

    for (CompletionStage<?> unknown : List.of(
        metadata.deleteTopic("errors-unknown"),
        metadata.createPartitions("errors-unknown", 4, false),
        metadata.replaceTopicConfigs("errors-unknown", Map.of(), false))) {
      Throwable e = failure(unknown);
      assertInstanceOf(UnknownTopicOrPartitionException.class, e);
      assertEquals("This server does not host this topic-partition.", e.getMessage());
    }
    assertEquals(version, metadata.current().version(), "failed requests change nothing");
  }

  @Test
  void validateOnlyChangesNothing() {
    TopicInfo wouldBe = await(metadata.createTopic("validate-only", 4, Map.of("a", "b"), true));
    assertEquals("validate-only", wouldBe.name());
    assertEquals(4, wouldBe.partitionCount());
    assertFalse(metadata.current().topic("validate-only").isPresent());
    assertInstanceOf(InvalidPartitionsException.class, failure(metadata.createTopic("validate-only", 0, Map.of(), true)));

    TopicInfo real = await(metadata.createTopic("validate-only", 2, Map.of(), false));
    long version = metadata.current().version();
    assertEquals(6, await(metadata.createPartitions("validate-only", 6, true)).partitionCount());
    assertEquals(Map.of("x", "y"), await(metadata.replaceTopicConfigs("validate-only", Map.of("x", "y"), true)).configs());
    assertInstanceOf(InvalidPartitionsException.class, failure(metadata.createPartitions("validate-only", 1, true)));
    assertEquals(real, metadata.current().topic("validate-only").orElseThrow());
    assertEquals(version, metadata.current().version());
  }

  @Test
  void concurrentProducerIdBlocksNeverOverlap() {
    var blocks = new ArrayList<CompletionStage<Long>>();
    for (int i = 0; i < 50; i++) blocks.add(metadata.allocateProducerIds(1000));
    var firsts = new TreeSet<Long>();
    for (var block : blocks) firsts.add(await(block));
    assertEquals(50, firsts.size());
    long previous = Long.MIN_VALUE;
    for (long first : firsts) {
      assertTrue(first >= previous + 1000 || previous == Long.MIN_VALUE, "blocks overlap at " + first);
      previous = first;
    }
  }

  @Test
  void registeredBrokersAppearInTheImage() {
    await(metadata.registerBroker(new BrokerInfo(7, "127.0.0.1", 19092)));
    assertEquals(new BrokerInfo(7, "127.0.0.1", 19092), metadata.current().brokers().get(7));
    await(metadata.registerBroker(new BrokerInfo(7, "localhost", 19093)));
    assertEquals(new BrokerInfo(7, "localhost", 19093), metadata.current().brokers().get(7));
  }

  @Test
  void listenersSeeTheCurrentImageThenEveryNewerOne() {
    var versions = new ArrayList<Long>();
    var sawDeletion = new CompletableFuture<MetadataImage>();
    TopicInfo topic = await(metadata.createTopic("listened", 1, Map.of(), false));
    metadata.subscribe(image -> {
      synchronized (versions) {
        versions.add(image.version());
      }
      if (image.topic("listened").isEmpty()) sawDeletion.complete(image);
    });
    await(metadata.deleteTopic("listened"));
    MetadataImage afterDelete = await(sawDeletion);
    assertFalse(afterDelete.topicById(topic.topicId()).isPresent());
    synchronized (versions) {
      for (int i = 1; i < versions.size(); i++) {
        assertTrue(versions.get(i) > versions.get(i - 1), "versions grow: " + versions);
      }
    }
  }

  @Test
  void alterPartitionGoesToTheControllerAndFailsWithKafkasExceptions() {
    // node 8 is registered but never live: a replica of the topic, not in its ISR
    await(metadata.registerBroker(new BrokerInfo(8, "127.0.0.1", 19098, null, "akka://ClusterMetadataServiceTest@127.0.0.1:1")));
    TopicInfo t = await(metadata.createTopic("altered", -1, -1, List.of(List.of(1, 8)), Map.of(), false));
    PartitionInfo p = t.partition(0);
    assertEquals(new PartitionInfo(List.of(1, 8), 1, 0, List.of(1), 0), p);
    long version = metadata.current().version();

    assertEquals(p, await(metadata.alterPartition("altered", t.topicId(), 0, 1, 0, 0, List.of(1))), "the same ISR: unchanged");
    assertInstanceOf(IneligibleReplicaException.class, failure(metadata.alterPartition("altered", t.topicId(), 0, 1, 0, 0, List.of(1, 8))));
    assertInstanceOf(FencedLeaderEpochException.class, failure(metadata.alterPartition("altered", t.topicId(), 0, 1, -1, 0, List.of(1))));
    assertInstanceOf(InvalidUpdateVersionException.class, failure(metadata.alterPartition("altered", t.topicId(), 0, 1, 0, -1, List.of(1))));
    assertInstanceOf(NotControllerException.class, failure(metadata.alterPartition("altered", t.topicId(), 0, 1, 5, 0, List.of(1))));
    assertInstanceOf(InvalidRequestException.class, failure(metadata.alterPartition("altered", t.topicId(), 0, 8, 0, 0, List.of(8))));
    assertInstanceOf(InvalidRequestException.class, failure(metadata.alterPartition("altered", t.topicId(), 0, 1, 0, 0, List.of(1, 2))));
    assertInstanceOf(UnknownTopicIdException.class, failure(metadata.alterPartition("altered", Uuid.randomUuid(), 0, 1, 0, 0, List.of(1))));
    assertInstanceOf(UnknownTopicOrPartitionException.class, failure(metadata.alterPartition("altered", t.topicId(), 1, 1, 0, 0, List.of(1))));
    assertInstanceOf(UnknownTopicOrPartitionException.class, failure(metadata.alterPartition("not-there", null, 0, 1, 0, 0, List.of(1))));
    assertEquals(version, metadata.current().version(), "refused or unchanged: nothing written");
  }
}
