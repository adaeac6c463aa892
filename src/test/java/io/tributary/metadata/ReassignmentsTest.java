package io.tributary.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.tributary.metadata.Controller.AlterPartition;
import io.tributary.metadata.Controller.AlterReassignments;
import io.tributary.metadata.Controller.CreateTopic;
import io.tributary.metadata.Controller.PartitionAltered;
import io.tributary.metadata.Controller.PartitionOutcome;
import io.tributary.metadata.Controller.PartitionTarget;
import io.tributary.metadata.Controller.ReassignmentTarget;
import io.tributary.metadata.Controller.ReassignmentsAltered;
import io.tributary.metadata.MetadataChanges.Outcome;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** Partition reassignment as the Controller decides it (Kafka's KRaft rules), without actors. */
class ReassignmentsTest {
  private static final BrokerInfo NODE_1 = new BrokerInfo(1, "localhost", 9092, null, "akka://tributary@n1:25520");
  private static final BrokerInfo NODE_2 = new BrokerInfo(2, "localhost", 9093, null, "akka://tributary@n2:25520");
  private static final BrokerInfo NODE_3 = new BrokerInfo(3, "localhost", 9094, null, "akka://tributary@n3:25520");
  private static final MetadataChanges.Membership ALL_LIVE = new MetadataChanges.Membership(
      Set.of(NODE_1.clusterAddress(), NODE_2.clusterAddress(), NODE_3.clusterAddress()), new Random(3));

  /** Topic "r" with the given partitions' replicas over three registered, live nodes. */
  private static MetadataState topic(Map<String, String> configs, List<List<Integer>> replicas) {
    MetadataState nodes = MetadataState.initial("c").withBroker(NODE_1).withBroker(NODE_2).withBroker(NODE_3);
    return MetadataChanges.decide(nodes, new CreateTopic("r", -1, -1, replicas, configs, false, null), ALL_LIVE).next();
  }

  private static PartitionInfo partition(MetadataState s, int p) {
    return s.topics().get("r").partition(p);
  }

  private static AlterReassignments reassign(String topic, PartitionTarget... targets) {
    return new AlterReassignments(List.of(new ReassignmentTarget(topic, Arrays.asList(targets))), null);
  }

  private static PartitionTarget to(int partition, Integer... replicas) {
    return new PartitionTarget(partition, List.of(replicas));
  }

  private static PartitionTarget cancel(int partition) {
    return new PartitionTarget(partition, null);
  }

  private static Outcome decide(MetadataState s, Controller.Request r) {
    return MetadataChanges.decide(s, r, ALL_LIVE);
  }

  private static List<PartitionOutcome> outcomes(Outcome o) {
    var all = new ArrayList<PartitionOutcome>();
    ((ReassignmentsAltered) o.reply()).topics().forEach(t -> all.addAll(t.partitions()));
    return all;
  }

  private static void assertOutcome(PartitionOutcome outcome, int partition, Errors error, String message) {
    assertEquals(partition, outcome.partition());
    assertEquals(error, Errors.forCode(outcome.errorCode()), outcome.toString());
    assertEquals(message, outcome.message());
  }

  /** The leader's AlterPartition for partition {@code p} as it stands, asking for {@code isr}. */
  private static Outcome alterIsr(MetadataState s, int p, List<Integer> isr) {
    PartitionInfo info = partition(s, p);
    var topic = s.topics().get("r");
    return decide(s, new AlterPartition("r", topic.topicId(), p, info.leader(), info.leaderEpoch(), info.partitionEpoch(), isr, null));
  }

  @Test
  void aMoveAddsTheTargetFirstAndCompletesOnceItIsInSyncWithANewLeaderEpoch() {
    MetadataState s = topic(Map.of(), List.of(List.of(1)));
    Outcome started = decide(s, reassign("r", to(0, 2)));
    assertOutcome(outcomes(started).get(0), 0, Errors.NONE, null);
    // Kafka's order: the target, then the replicas being removed; the ISR and leader stay
    assertEquals(new PartitionInfo(List.of(2, 1), 1, 0, List.of(1), 1, List.of(2), List.of(1)), partition(started.next(), 0));
    assertEquals(s.version() + 1, started.next().version());
    assertEquals(started.next(), ((ReassignmentsAltered) started.reply()).state());

    Outcome joined = alterIsr(started.next(), 0, List.of(1, 2));
    // every target replica in sync: replicas = target, ISR without the removed one, the removed leader hands over
    var done = new PartitionInfo(List.of(2), 2, 1, List.of(2), 2);
    assertEquals(done, partition(joined.next(), 0));
    assertEquals(done, ((PartitionAltered) joined.reply()).partition());
  }

  @Test
  void growingTheReplicationFactorCompletesWhenTheNewReplicaIsInSyncWithoutALeaderChange() {
    MetadataState s = topic(Map.of(), List.of(List.of(1)));
    MetadataState started = decide(s, reassign("r", to(0, 1, 2))).next();
    assertEquals(new PartitionInfo(List.of(1, 2), 1, 0, List.of(1), 1, List.of(2), List.of()), partition(started, 0));
    MetadataState done = alterIsr(started, 0, List.of(1, 2)).next();
    assertEquals(new PartitionInfo(List.of(1, 2), 1, 0, List.of(1, 2), 2), partition(done, 0));
  }

  @Test
  void shrinkingTheReplicationFactorOrReorderingCompletesAtOnce() {
    MetadataState s = topic(Map.of(), List.of(List.of(1, 2), List.of(1, 2)));
    Outcome o = decide(s, reassign("r", to(0, 1), to(1, 2, 1)));
    assertEquals(List.of(0, 1), outcomes(o).stream().map(PartitionOutcome::partition).toList());
    assertEquals(s.version() + 1, o.next().version(), "one version step for the whole request");
    // a replica leaves: the leader epoch grows so that its fetches are fenced
    assertEquals(new PartitionInfo(List.of(1), 1, 1, List.of(1), 1), partition(o.next(), 0));
    // a reorder: the leader stays (it is in sync), its epoch too; the new first replica is the preferred leader
    assertEquals(new PartitionInfo(List.of(2, 1), 1, 0, List.of(1, 2), 1), partition(o.next(), 1));
  }

  @Test
  void aLeaderThatIsRemovedHandsOverToTheFirstTargetReplicaInSync() {
    MetadataState s = topic(Map.of(), List.of(List.of(1, 2)));
    MetadataState started = decide(s, reassign("r", to(0, 2, 3))).next();
    assertEquals(new PartitionInfo(List.of(2, 3, 1), 1, 0, List.of(1, 2), 1, List.of(3), List.of(1)), partition(started, 0));
    MetadataState done = alterIsr(started, 0, List.of(1, 2, 3)).next();
    assertEquals(new PartitionInfo(List.of(2, 3), 2, 1, List.of(2, 3), 2), partition(done, 0));
  }

  @Test
  void anIsrChangeThatLeavesATargetReplicaOutDoesNotComplete() {
    MetadataState s = topic(Map.of(), List.of(List.of(1)));
    MetadataState started = decide(s, reassign("r", to(0, 2, 3))).next();
    MetadataState partly = alterIsr(started, 0, List.of(1, 2)).next();
    assertEquals(new PartitionInfo(List.of(2, 3, 1), 1, 0, List.of(1, 2), 2, List.of(2, 3), List.of(1)), partition(partly, 0));
    MetadataState done = alterIsr(partly, 0, List.of(1, 2, 3)).next();
    assertEquals(new PartitionInfo(List.of(2, 3), 2, 1, List.of(2, 3), 3), partition(done, 0));
  }

  @Test
  void cancellingRevertsToTheOriginalReplicasAndFencesTheAddedOnes() {
    MetadataState s = topic(Map.of(), List.of(List.of(1)));
    MetadataState started = decide(s, reassign("r", to(0, 2))).next();
    Outcome cancelled = decide(started, reassign("r", cancel(0)));
    assertOutcome(outcomes(cancelled).get(0), 0, Errors.NONE, null);
    assertEquals(new PartitionInfo(List.of(1), 1, 1, List.of(1), 2), partition(cancelled.next(), 0));
  }

  @Test
  void aCancelThatNeedsAnUncleanElectionIsRefusedUnlessTheTopicAllowsIt() {
    // only the replica being added is in sync (the original one fell out of the ISR)
    var p = new PartitionInfo(List.of(2, 1), 2, 3, List.of(2), 5, List.of(2), List.of(1));
    for (boolean unclean : List.of(false, true)) {
      MetadataState s = topic(unclean ? Map.of("unclean.leader.election.enable", "true") : Map.of(), List.of(List.of(1)));
      var t = s.topics().get("r");
      s = s.withTopic(t.withPartition(0, p));
      Outcome o = decide(s, reassign("r", cancel(0)));
      if (unclean) {
        assertOutcome(outcomes(o).get(0), 0, Errors.NONE, null);
        assertEquals(new PartitionInfo(List.of(1), 1, 4, List.of(1), 6), partition(o.next(), 0));
      } else {
        assertOutcome(outcomes(o).get(0), 0, Errors.INVALID_REPLICA_ASSIGNMENT,
            "Unable to revert partition assignment for r:0 because it would require an unclean leader election.");
        assertSame(s, o.next());
      }
    }
  }

  @Test
  void errorsAreKafkasPerPartitionAndTheOthersStillApply() {
    MetadataState s = topic(Map.of(), List.of(List.of(1), List.of(2)));
    Outcome o = decide(s, new AlterReassignments(List.of(
        new ReassignmentTarget("r", Arrays.asList(to(5), to(0), to(0, 2, 2), to(0, 1, 9), cancel(0), to(1, 3), to(-1, 1))),
        new ReassignmentTarget("missing", List.of(to(0, 1)))), null));
    var results = outcomes(o);
    assertOutcome(results.get(0), 5, Errors.UNKNOWN_TOPIC_OR_PARTITION, "Unable to find partition r:5.");
    assertOutcome(results.get(1), 0, Errors.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes an empty replica list.");
    assertOutcome(results.get(2), 0, Errors.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes the broker 2 more than once.");
    assertOutcome(results.get(3), 0, Errors.INVALID_REPLICA_ASSIGNMENT,
        "The manual partition assignment includes broker 9, but no such broker is registered.");
    assertOutcome(results.get(4), 0, Errors.NO_REASSIGNMENT_IN_PROGRESS, Errors.NO_REASSIGNMENT_IN_PROGRESS.message());
    assertOutcome(results.get(5), 1, Errors.NONE, null);
    assertOutcome(results.get(6), -1, Errors.UNKNOWN_TOPIC_OR_PARTITION, "Unable to find partition r:-1.");
    assertOutcome(results.get(7), 0, Errors.UNKNOWN_TOPIC_OR_PARTITION, "Unable to find a topic named missing.");
    assertEquals(partition(s, 0), partition(o.next(), 0));
    assertEquals(List.of(3, 2), partition(o.next(), 1).replicas());
  }

  @Test
  void theSameReplicasAgainChangeNothing() {
    MetadataState s = topic(Map.of(), List.of(List.of(1, 2)));
    Outcome o = decide(s, reassign("r", to(0, 1, 2)));
    assertOutcome(outcomes(o).get(0), 0, Errors.NONE, null);
    assertSame(s, o.next());
  }

  @Test
  void aNewTargetWhileOneRunsStartsFromTheCurrentReplicas() {
    MetadataState s = topic(Map.of(), List.of(List.of(1)));
    MetadataState toTwo = decide(s, reassign("r", to(0, 2))).next();
    // 2 was being added and is dropped again; 1 stays the only original replica
    MetadataState toThree = decide(toTwo, reassign("r", to(0, 3))).next();
    assertEquals(new PartitionInfo(List.of(3, 1, 2), 1, 0, List.of(1), 2, List.of(3), List.of(1, 2)), partition(toThree, 0));
    MetadataState done = alterIsr(toThree, 0, List.of(1, 3)).next();
    assertEquals(new PartitionInfo(List.of(3), 3, 1, List.of(3), 3), partition(done, 0));
  }

  @Test
  void internalTopicsAreNotReassigned() {
    MetadataState nodes = MetadataState.initial("c").withBroker(NODE_1).withBroker(NODE_2);
    MetadataState s = decide(nodes, new Controller.EnsureOffsetsTopic(1, 1, null)).next();
    Outcome o = decide(s, reassign(MetadataImage.OFFSETS_TOPIC, to(0, 2)));
    assertOutcome(outcomes(o).get(0), 0, Errors.UNKNOWN_TOPIC_OR_PARTITION,
        "Unable to find a topic named " + MetadataImage.OFFSETS_TOPIC + ".");
  }
}
