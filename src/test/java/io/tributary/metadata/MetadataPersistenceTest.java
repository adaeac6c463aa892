package io.tributary.metadata;

import static io.tributary.metadata.MetadataTestNodes.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metadata survives the node: a new ActorSystem on the same ddata directory continues from it. */
class MetadataPersistenceTest {

  @TempDir Path dataDir;

  private ActorSystem<Void> system;

  @AfterEach
  void stop() {
    MetadataTestNodes.stop(system);
  }

  @Test
  void stateSurvivesARestart() {
    Path ddata = dataDir.resolve("__metadata");

    system = MetadataTestNodes.start("MetadataPersistenceTest", ddata);
    ClusterMetadataService first = ClusterMetadataService.start(system);
    await(first.ready());
    MetadataTestNodes.registerSelf(first, system, 1);
    TopicInfo orders = await(first.createTopic("orders", 3, Map.of("cleanup.policy", "compact"), false));
    TopicInfo gone = await(first.createTopic("gone", 1, Map.of(), false));
    await(first.deleteTopic(gone.name()));
    MetadataTestNodes.registerSelf(first, system, 1);
    long lastBlock = await(first.allocateProducerIds(1000));
    MetadataImage before = first.current();
    MetadataTestNodes.stop(system);

    system = MetadataTestNodes.start("MetadataPersistenceTest", ddata);
    ClusterMetadataService second = ClusterMetadataService.start(system);
    MetadataImage after = await(second.ready());
    assertEquals(before.topics(), after.topics(), "topics (with their ids and assignments) are back");
    assertEquals(before.brokers(), after.brokers());
    assertEquals(before.clusterId(), after.clusterId());
    assertEquals(orders.topicId(), after.topic("orders").orElseThrow().topicId());
    assertEquals(List.of(1, 1, 1), after.topic("orders").orElseThrow().partitions().stream().map(PartitionInfo::leaderEpoch).toList(),
        "the broker registered after the topic was created: its partitions' leaders were elected again");
    long nextBlock = await(second.allocateProducerIds(10));
    assertEquals(lastBlock + 1000, nextBlock, "producer ids continue after the last block handed out");
    assertEquals(before.controllerEpoch() + 1, second.current().controllerEpoch(), "the new Controller took over with a new epoch");

    MetadataTestNodes.registerSelf(second, system, 1); // at its new cluster address, as a restarted node does
    TopicInfo more = await(second.createTopic("more", 2, Map.of(), false));
    assertTrue(second.current().version() > before.version());
    TopicInfo ordersLast = second.current().topic("orders").orElseThrow();
    MetadataTestNodes.stop(system);

    system = MetadataTestNodes.start("MetadataPersistenceTest", ddata);
    MetadataImage third = await(ClusterMetadataService.start(system).ready());
    assertEquals(before.clusterId(), third.clusterId(), "the cluster id never changes");
    assertEquals(more, third.topic("more").orElseThrow());
    assertEquals(ordersLast, third.topic("orders").orElseThrow());
  }
}
