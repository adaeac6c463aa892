package io.tributary.metadata;

import static io.tributary.metadata.MetadataTestNodes.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.ActorSystem;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes in one JVM: requests cross nodes (serialized), the other node's view follows by
 * subscription, and when the Controller's node leaves the Controller moves and continues from
 * the replicated state.
 */
class MetadataTwoNodesTest {

  @TempDir Path dataDir;

  private ActorSystem<Void> first;
  private ActorSystem<Void> second;

  @AfterEach
  void stop() {
    MetadataTestNodes.stop(second);
    MetadataTestNodes.stop(first);
  }

  /** Completes with the first image of {@code service} (now or later) that satisfies {@code condition}. */
  private static CompletionStage<MetadataImage> when(ClusterMetadataService service, Predicate<MetadataImage> condition) {
    var seen = new CompletableFuture<MetadataImage>();
    service.subscribe(image -> {
      if (condition.test(image)) seen.complete(image);
    });
    return seen;
  }

  @Test
  void changesReachTheOtherNodeAndTheControllerMovesWhenItsNodeLeaves() {
    first = MetadataTestNodes.start("MetadataTwoNodesTest", dataDir.resolve("node1"));
    ClusterMetadataService one = ClusterMetadataService.start(first);
    String clusterId = await(one.ready()).clusterId();

    second = MetadataTestNodes.join(first, dataDir.resolve("node2"));
    ClusterMetadataService two = ClusterMetadataService.start(second);
    assertEquals(clusterId, await(two.ready()).clusterId());
    MetadataTestNodes.registerSelf(one, first, 1);
    MetadataTestNodes.registerSelf(two, second, 2);

    // asked on the second node, served by the Controller on the first (the oldest)
    TopicInfo orders = await(two.createTopic("orders", 4, Map.of("retention.ms", "1000"), false));
    assertEquals(orders, two.current().topic("orders").orElseThrow());
    assertEquals(orders, await(when(one, image -> image.topic("orders").isPresent())).topic("orders").orElseThrow());
    long block = await(two.allocateProducerIds(100));

    MetadataTestNodes.stop(first);
    first = null;

    // the Controller moves to the second node, which has every acknowledged (majority-written) change
    long nextBlock = await(two.allocateProducerIds(100));
    assertEquals(block + 100, nextBlock);
    TopicInfo more = await(two.createTopic("more", 1, Map.of(), false));
    MetadataImage image = two.current();
    assertEquals(clusterId, image.clusterId());
    assertEquals(more, image.topic("more").orElseThrow());
    assertTrue(image.version() > 0);
    // the partitions of the node that left have no leader (their only ISR member is gone); the others stay as they were
    var expected = orders.partitions().stream()
        .map(p -> p.leader() == 1 ? new PartitionInfo(p.replicas(), PartitionInfo.NO_LEADER, p.leaderEpoch() + 1, p.isr(), p.partitionEpoch() + 1) : p)
        .toList();
    assertTrue(expected.stream().anyMatch(p -> !p.hasLeader()), "some partitions were on the node that left: " + orders);
    Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> two.current().topic("orders").orElseThrow().partitions(), expected::equals);
  }
}
