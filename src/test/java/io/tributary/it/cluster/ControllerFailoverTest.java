package io.tributary.it.cluster;

import static io.tributary.it.cluster.ClusterClients.describeCluster;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The node hosting the metadata Controller is killed ({@code kill -9}): the next oldest node takes the Controller over
 * as soon as it sees that node unreachable, long before the Split Brain Resolver downs it (20 s of stable membership
 * after it became unreachable, then the removal margin). A topic is created through a survivor meanwhile, and the
 * survivors name a survivor as controller. The killed node, restarted, rejoins and the Controller serves it too.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ControllerFailoverTest {
  @RegisterExtension
  final TestCluster cluster = new TestCluster();

  @Test
  void theControllerMovesBeforeItsKilledNodeIsDowned() throws Exception {
    int controller;
    try (Admin admin = cluster.admin(1)) {
      createEventually(admin, "before-the-kill");
      controller = describeCluster(admin).controllerId();
    }
    ClusterNode victim = cluster.node(controller);
    ClusterNode survivor = cluster.nodes().stream().filter(n -> n != victim).findFirst().orElseThrow();

    long killedAt = System.nanoTime();
    victim.kill();
    try (Admin admin = cluster.admin(survivor.nodeId)) {
      createEventually(admin, "while-the-controller-node-is-dead");
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
      System.out.println("Topic created through node " + survivor.nodeId + " " + tookMs + " ms after node " + victim.nodeId
          + " (the Controller's) was killed");
      assertFalse(cluster.logsShowRemoved(victim),
          "the topic was created only once node " + victim.nodeId + " had been downed and removed: the Controller waited for it");
      assertNotEquals(victim.nodeId, describeCluster(admin).controllerId(), "a survivor hosts the Controller");
    }

    cluster.restart(victim);
    try (Admin admin = cluster.admin(victim.nodeId)) {
      await("node " + victim.nodeId + " to list all three brokers again").atMost(TestCluster.DEADLINE)
          .until(() -> describeCluster(admin).brokers().size() == 3);
      createEventually(admin, "after-the-restart");
      // the admin client asks whichever node it likes; a node that was not in the write's majority learns the
      // topic by gossip a moment later, as a Kafka broker learns it from the metadata log
      await("all three topics to be described").atMost(TestCluster.DEADLINE).pollInterval(Duration.ofMillis(200))
          .ignoreExceptionsInstanceOf(ExecutionException.class)
          .until(() -> admin.describeTopics(List.of("before-the-kill", "while-the-controller-node-is-dead", "after-the-restart"))
              .allTopicNames().get(60, TimeUnit.SECONDS).size() == 3);
    }
  }

  /** Creates {@code topic} (2 partitions, 1 replica), retrying while the Controller is moving or not yet elected. */
  private static void createEventually(Admin admin, String topic) {
    await("topic " + topic + " is created").atMost(TestCluster.DEADLINE).pollInterval(Duration.ofMillis(200))
        .ignoreExceptionsInstanceOf(ExecutionException.class)
        .until(() -> {
          try {
            admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get(30, TimeUnit.SECONDS);
          } catch (ExecutionException e) {
            // a retried request whose first attempt went through
            if (e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException) return true;
            throw e;
          }
          return true;
        });
  }
}
