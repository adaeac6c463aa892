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
    // the node restarted at a new cluster address: until it registers there, the Controller may already have found
    // its partitions without a live leader (leader -1, epochs one higher); their assignments are as they were
    assertEquals(assignments(before), assignments(after), "topics (with their ids, configs, replicas and ISRs) are back");
    assertEquals(before.brokers(), after.brokers());
    assertEquals(before.clusterId(), after.clusterId());
    assertEquals(orders.topicId(), after.topic("orders").orElseThrow().topicId());
    assertEquals(List.of(1, 1, 1), before.topic("orders").orElseThrow().partitions().stream().map(PartitionInfo::leaderEpoch).toList(),
        "the broker registered after the topic was created: its partitions' leaders were elected again");
    for (PartitionInfo p : after.topic("orders").orElseThrow().partitions()) {
      assertTrue(p.leaderEpoch() >= 1 && p.partitionEpoch() >= 1, "epochs never go back: " + p);
    }
    long nextBlock = await(second.allocateProducerIds(10));
    assertEquals(lastBlock + 1000, nextBlock, "producer ids continue after the last block handed out");
    assertEquals(before.controllerEpoch() + 1, second.current().controllerEpoch(), "the new Controller took over with a new epoch");

    MetadataTestNodes.registerSelf(second, system, 1); // at its new cluster address, as a restarted node does
    for (PartitionInfo p : second.current().topic("orders").orElseThrow().partitions()) {
      assertEquals(1, p.leader(), "registered at its new address, the node leads its partitions again: " + p);
    }
    TopicInfo more = await(second.createTopic("more", 2, Map.of(), false));
    assertTrue(second.current().version() > before.version());
    TopicInfo ordersLast = second.current().topic("orders").orElseThrow();
    MetadataTestNodes.stop(system);

    system = MetadataTestNodes.start("MetadataPersistenceTest", ddata);
    MetadataImage third = await(ClusterMetadataService.start(system).ready());
    assertEquals(before.clusterId(), third.clusterId(), "the cluster id never changes");
    assertEquals(assignments(more), assignments(third.topic("more").orElseThrow()));
    assertEquals(assignments(ordersLast), assignments(third.topic("orders").orElseThrow()));
  }

  /** What a restart must keep of the topics, whatever the elections did since: ids, configs, replicas and ISRs. */
  private static Map<String, List<Object>> assignments(MetadataImage image) {
    var out = new java.util.TreeMap<String, List<Object>>();
    image.topics().forEach((name, topic) -> out.put(name, assignments(topic)));
    return out;
  }

  private static List<Object> assignments(TopicInfo topic) {
    return List.of(topic.topicId(), topic.configs(),
        topic.partitions().stream().map(p -> List.of(p.replicas(), p.isr())).toList());
  }
}
