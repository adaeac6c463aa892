package io.tributary.metadata;

import static io.tributary.metadata.MetadataTestNodes.await;
import static io.tributary.metadata.MetadataTestNodes.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import akka.actor.typed.ActorSystem;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.common.errors.InvalidUpdateVersionException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes in one JVM: leaders change their ISR through the Controller (requests serialized across nodes), and
 * when a node leaves, the Controller, which watches membership itself, elects new leaders from the ISRs and removes
 * the node from every ISR, and every node's view follows.
 */
class MetadataElectionTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dataDir;

  private ActorSystem<Void> one;
  private ActorSystem<Void> two;
  private ActorSystem<Void> three;

  @AfterEach
  void stop() {
    MetadataTestNodes.stop(three);
    MetadataTestNodes.stop(two);
    MetadataTestNodes.stop(one);
  }

  @Test
  void whenANodeLeavesItsPartitionsGetLeadersFromTheIsrAndItLeavesEveryIsr() {
    one = MetadataTestNodes.start("MetadataElectionTest", dataDir.resolve("node1"));
    ClusterMetadataService m1 = ClusterMetadataService.start(one);
    await(m1.ready());
    two = MetadataTestNodes.join(one, dataDir.resolve("node2"));
    ClusterMetadataService m2 = ClusterMetadataService.start(two);
    await(m2.ready());
    three = MetadataTestNodes.join(one, dataDir.resolve("node3"));
    ClusterMetadataService m3 = ClusterMetadataService.start(three);
    await(m3.ready());
    MetadataTestNodes.registerSelf(m1, one, 1);
    MetadataTestNodes.registerSelf(m2, two, 2);
    MetadataTestNodes.registerSelf(m3, three, 3);
    // the Controller (on node 1, the oldest) sees all three live once a validated creation puts them all in the ISR
    Awaitility.await().atMost(WAIT).until(() ->
        await(m1.createTopic("probe", -1, -1, List.of(List.of(1, 2, 3)), Map.of(), true)).isr(0).equals(List.of(1, 2, 3)));

    TopicInfo t = await(m2.createTopic("elected", -1, -1, List.of(List.of(2, 3, 1), List.of(1, 2, 3)), Map.of(), false));
    await(m2.createTopic("solo", -1, -1, List.of(List.of(2)), Map.of(), false));
    assertEquals(new PartitionInfo(List.of(2, 3, 1), 2, 0, List.of(2, 3, 1), 0), t.partition(0));

    // the leader of partition 1 shrinks its ISR, then grows it back from another node with the new partition epoch
    assertEquals(new PartitionInfo(List.of(1, 2, 3), 1, 0, List.of(1, 2), 1),
        await(m1.alterPartition("elected", t.topicId(), 1, 1, 0, 0, List.of(1, 2))));
    assertInstanceOf(InvalidUpdateVersionException.class,
        failure(m3.alterPartition("elected", t.topicId(), 1, 1, 0, 0, List.of(1, 2, 3))));
    assertEquals(new PartitionInfo(List.of(1, 2, 3), 1, 0, List.of(1, 2, 3), 2),
        await(m3.alterPartition("elected", t.topicId(), 1, 1, 0, 1, List.of(1, 2, 3))));

    MetadataTestNodes.stop(two);
    two = null;

    var expected = List.of(
        new PartitionInfo(List.of(2, 3, 1), 3, 1, List.of(3, 1), 1),  // 3 comes before 1 in the assignment
        new PartitionInfo(List.of(1, 2, 3), 1, 0, List.of(1, 3), 3)); // the leader stays; 2 leaves the ISR
    // no ISR member live: no leader, the ISR as it was
    var solo = List.of(new PartitionInfo(List.of(2), PartitionInfo.NO_LEADER, 1, List.of(2), 1));
    for (ClusterMetadataService node : List.of(m1, m3)) {
      Awaitility.await().atMost(WAIT).until(() -> partitions(node, "elected"), Optional.of(expected)::equals);
      Awaitility.await().atMost(WAIT).until(() -> partitions(node, "solo"), Optional.of(solo)::equals);
    }
    assertEquals(Set.of(1, 3), m3.liveBrokers().keySet());
  }

  private static Optional<List<PartitionInfo>> partitions(ClusterMetadataService node, String topic) {
    return node.current().topic(topic).map(TopicInfo::partitions);
  }
}
