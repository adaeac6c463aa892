package io.tributary.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.metadata.Controller.AllocateProducerIds;
import io.tributary.metadata.Controller.CreatePartitions;
import io.tributary.metadata.Controller.CreateTopic;
import io.tributary.metadata.Controller.DeleteTopic;
import io.tributary.metadata.Controller.ProducerIdsAllocated;
import io.tributary.metadata.Controller.RegisterBroker;
import io.tributary.metadata.Controller.Rejected;
import io.tributary.metadata.Controller.ReplaceTopicConfigs;
import io.tributary.metadata.Controller.TopicDone;
import io.tributary.metadata.MetadataChanges.Outcome;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** The Controller's rules without actors (replyTo is irrelevant to them). */
class MetadataChangesTest {

  private static final BrokerInfo NODE_1 = new BrokerInfo(1, "localhost", 9092, null, "akka://tributary@n1:25520");
  /** Node 1 is live. */
  private static final MetadataChanges.Membership LIVE = new MetadataChanges.Membership(
      Set.of(NODE_1.clusterAddress()), new Random(7));

  /** A new cluster with node 1 registered (a topic needs a live node to be placed on). */
  private final MetadataState initial = MetadataState.initial("cluster-1").withBroker(NODE_1);

  private static Outcome decide(MetadataState state, Controller.Request request) {
    return MetadataChanges.decide(state, request, LIVE);
  }

  private static List<Integer> epochs(MetadataState s, String topic) {
    return s.topics().get(topic).partitions().stream().map(PartitionInfo::leaderEpoch).toList();
  }

  private MetadataState withTopic(String name, int partitions) {
    Outcome o = decide(initial, new CreateTopic(name, partitions, 1, List.of(), Map.of("cleanup.policy", "compact"), false, null));
    return o.next();
  }

  private static void assertRejected(Outcome outcome, MetadataState before, Errors error, String message) {
    assertSame(before, outcome.next(), "a rejected request changes nothing");
    var rejected = (Rejected) outcome.reply();
    assertEquals(error, Errors.forCode(rejected.errorCode()));
    if (message != null) assertEquals(message, rejected.message());
  }

  @Test
  void createTopicAddsATopicWithAFreshIdAndBumpsTheVersion() {
    Outcome o = decide(initial, new CreateTopic("orders", 3, 1, List.of(), Map.of("retention.ms", "1000"), false, null));
    TopicInfo topic = ((TopicDone) o.reply()).topic();
    assertEquals(initial.version() + 1, o.next().version());
    assertEquals(topic, o.next().topics().get("orders"));
    assertEquals(3, topic.partitionCount());
    assertEquals(Map.of("retention.ms", "1000"), topic.configs());
    assertNotEquals(Uuid.ZERO_UUID, topic.topicId());
    assertNotEquals(Uuid.METADATA_TOPIC_ID, topic.topicId());
    assertEquals(o.next(), ((TopicDone) o.reply()).state());
  }

  @Test
  void createTopicErrors() {
    MetadataState s = withTopic("orders", 3);
    assertRejected(decide(s, new CreateTopic("orders", 1, 1, List.of(), Map.of(), false, null)),
        s, Errors.TOPIC_ALREADY_EXISTS, "Topic 'orders' already exists.");
    assertRejected(decide(s, new CreateTopic("bad name!", 1, 1, List.of(), Map.of(), false, null)),
        s, Errors.INVALID_TOPIC_EXCEPTION, null);
    assertRejected(decide(s, new CreateTopic("", 1, 1, List.of(), Map.of(), false, null)),
        s, Errors.INVALID_TOPIC_EXCEPTION, null);
    assertRejected(decide(s, new CreateTopic("..", 1, 1, List.of(), Map.of(), false, null)),
        s, Errors.INVALID_TOPIC_EXCEPTION, null);
    assertRejected(decide(s, new CreateTopic("x".repeat(250), 1, 1, List.of(), Map.of(), false, null)),
        s, Errors.INVALID_TOPIC_EXCEPTION, null);
    assertRejected(decide(s, new CreateTopic("new", 0, 1, List.of(), Map.of(), false, null)),
        s, Errors.INVALID_PARTITIONS, "Number of partitions must be larger than 0.");
    assertRejected(decide(s, new CreateTopic("new", -1, 1, List.of(), Map.of(), false, null)),
        s, Errors.INVALID_PARTITIONS, "Number of partitions must be larger than 0.");
  }

  @Test
  void createTopicRejectsNamesCollidingModuloDotAndUnderscore() {
    MetadataState s = withTopic("a.b", 1);
    assertRejected(decide(s, new CreateTopic("a_b", 1, 1, List.of(), Map.of(), false, null)),
        s, Errors.INVALID_TOPIC_EXCEPTION, "Topic 'a_b' collides with existing topic: a.b");
  }

  @Test
  void validateOnlyReturnsTheWouldBeTopicAndChangesNothing() {
    Outcome o = decide(initial, new CreateTopic("orders", 5, 1, List.of(), Map.of(), true, null));
    assertSame(initial, o.next());
    assertEquals(5, ((TopicDone) o.reply()).topic().partitionCount());

    MetadataState s = withTopic("orders", 3);
    Outcome grown = decide(s, new CreatePartitions("orders", 7, List.of(), true, null));
    assertSame(s, grown.next());
    assertEquals(7, ((TopicDone) grown.reply()).topic().partitionCount());

    Outcome configs = decide(s, new ReplaceTopicConfigs("orders", Map.of("a", "b"), true, null));
    assertSame(s, configs.next());
    assertEquals(Map.of("a", "b"), ((TopicDone) configs.reply()).topic().configs());
  }

  @Test
  void createPartitionsGrowsAndKeepsIdAndConfigs() {
    MetadataState s = withTopic("orders", 3);
    Outcome o = decide(s, new CreatePartitions("orders", 5, List.of(), false, null));
    TopicInfo before = s.topics().get("orders");
    TopicInfo after = o.next().topics().get("orders");
    assertEquals(5, after.partitionCount());
    assertEquals(before.topicId(), after.topicId());
    assertEquals(before.configs(), after.configs());
  }

  @Test
  void createPartitionsErrorsUseKafkasWording() {
    MetadataState s = withTopic("orders", 3);
    assertRejected(decide(s, new CreatePartitions("orders", 2, List.of(), false, null)),
        s, Errors.INVALID_PARTITIONS, "Topic currently has 3 partitions, which is higher than the requested 2.");
    assertRejected(decide(s, new CreatePartitions("orders", 3, List.of(), false, null)),
        s, Errors.INVALID_PARTITIONS, "Topic already has 3 partitions.");
    assertRejected(decide(s, new CreatePartitions("nope", 4, List.of(), false, null)),
        s, Errors.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition.");
  }

  @Test
  void deleteAndReplaceConfigsOfUnknownTopicsAreRejected() {
    assertRejected(decide(initial, new DeleteTopic("nope", null)),
        initial, Errors.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition.");
    assertRejected(decide(initial, new ReplaceTopicConfigs("nope", Map.of(), false, null)),
        initial, Errors.UNKNOWN_TOPIC_OR_PARTITION, "This server does not host this topic-partition.");
  }

  @Test
  void replaceConfigsReplacesTheWholeMapAndSameConfigsWriteNothing() {
    MetadataState s = withTopic("orders", 3);
    Outcome o = decide(s, new ReplaceTopicConfigs("orders", Map.of("retention.ms", "5"), false, null));
    assertEquals(Map.of("retention.ms", "5"), o.next().topics().get("orders").configs());
    Outcome same = decide(o.next(), new ReplaceTopicConfigs("orders", Map.of("retention.ms", "5"), false, null));
    assertSame(o.next(), same.next());
  }

  @Test
  void producerIdBlocksFollowEachOther() {
    Outcome first = decide(initial, new AllocateProducerIds(1000, null));
    Outcome second = decide(first.next(), new AllocateProducerIds(10, null));
    assertEquals(0, ((ProducerIdsAllocated) first.reply()).firstId());
    assertEquals(1000, ((ProducerIdsAllocated) second.reply()).firstId());
    assertEquals(1010, second.next().nextProducerId());
    assertRejected(decide(initial, new AllocateProducerIds(0, null)), initial, Errors.INVALID_REQUEST, null);
    MetadataState almostFull = new MetadataState(5, 1, "c", Long.MAX_VALUE - 5, Map.of(), Map.of(), Map.of());
    assertRejected(decide(almostFull, new AllocateProducerIds(10, null)), almostFull, Errors.UNKNOWN_SERVER_ERROR, null);
  }

  @Test
  void everyRegistrationOfABrokerElectsItsLeadersAgain() {
    var broker = NODE_1;
    MetadataState withTopic = decide(initial, new CreateTopic("t", 2, 1, List.of(), Map.of(), false, null)).next();
    assertEquals(List.of(0, 0), epochs(withTopic, "t"));
    Outcome o = decide(withTopic, new RegisterBroker(broker, null));
    assertEquals(Map.of(1, broker), o.next().brokers());
    assertEquals(List.of(1, 1), epochs(o.next(), "t"));
    // the same node restarted: a new registration, a new election
    Outcome again = decide(o.next(), new RegisterBroker(broker, null));
    assertTrue(again.next().isNewerThan(o.next()));
    assertEquals(List.of(2, 2), epochs(again.next(), "t"));
    Outcome moved = decide(again.next(), new RegisterBroker(new BrokerInfo(1, "otherhost", 9092, null, NODE_1.clusterAddress()), null));
    assertEquals("otherhost", moved.next().brokers().get(1).host());
    // partitions added later start at epoch 0
    var grown = decide(moved.next(), new CreatePartitions("t", 3, List.of(), false, null)).next();
    assertEquals(List.of(3, 3, 0), epochs(grown, "t"));
  }

  private static final BrokerInfo NODE_2 = new BrokerInfo(2, "localhost", 9093, null, "akka://tributary@n2:25520");
  private static final BrokerInfo NODE_3 = new BrokerInfo(3, "localhost", 9094, null, "akka://tributary@n3:25520");
  private static final MetadataChanges.Membership ALL_LIVE = new MetadataChanges.Membership(
      Set.of(NODE_1.clusterAddress(), NODE_2.clusterAddress(), NODE_3.clusterAddress()), new Random(11));

  private MetadataState threeNodes() {
    return initial.withBroker(NODE_2).withBroker(NODE_3);
  }

  @Test
  void newPartitionsArePlacedOverTheLiveNodesOnly() {
    Outcome o = MetadataChanges.decide(threeNodes(), new CreateTopic("spread", 12, 1, List.of(), Map.of(), false, null), ALL_LIVE);
    var leaders = new java.util.HashMap<Integer, Integer>();
    ((TopicDone) o.reply()).topic().partitions().forEach(p -> leaders.merge(p.leader(), 1, Integer::sum));
    assertEquals(Map.of(1, 4, 2, 4, 3, 4), leaders);
    // node 3 is registered but not live: nothing goes there
    var twoLive = new MetadataChanges.Membership(Set.of(NODE_1.clusterAddress(), NODE_2.clusterAddress()), new Random(1));
    Outcome grown = MetadataChanges.decide(o.next(), new CreatePartitions("spread", 18, List.of(), false, null), twoLive);
    var added = grown.next().topics().get("spread").partitions().subList(12, 18);
    assertTrue(added.stream().allMatch(p -> p.leader() == 1 || p.leader() == 2), added.toString());
    assertEquals(o.next().topics().get("spread").partitions(), grown.next().topics().get("spread").partitions().subList(0, 12));
  }

  @Test
  void aReplicationFactorAboveTheLiveNodesIsRefusedWithKafkasMessage() {
    assertRejected(decide(initial, new CreateTopic("big", 3, 2, List.of(), Map.of(), false, null)), initial,
        Errors.INVALID_REPLICATION_FACTOR, "Unable to replicate the partition 2 time(s): The target replication factor "
            + "of 2 cannot be reached because only 1 broker(s) are registered.");
  }

  @Test
  void manualAssignmentsAreHonouredAndChecked() {
    MetadataState s = threeNodes();
    Outcome o = MetadataChanges.decide(s, new CreateTopic("manual", -1, -1, List.of(List.of(3), List.of(1)), Map.of(), false, null), ALL_LIVE);
    var topic = ((TopicDone) o.reply()).topic();
    assertEquals(List.of(3, 1), topic.partitions().stream().map(PartitionInfo::leader).toList());
    assertRejected(MetadataChanges.decide(s, new CreateTopic("bad", -1, -1, List.of(List.of(9)), Map.of(), false, null), ALL_LIVE),
        s, Errors.INVALID_REPLICA_ASSIGNMENT, "The manual partition assignment includes broker 9, but no such broker is registered.");
    Outcome grown = MetadataChanges.decide(o.next(), new CreatePartitions("manual", 3, List.of(List.of(2)), false, null), ALL_LIVE);
    assertEquals(2, grown.next().topics().get("manual").leader(2));
    assertRejected(MetadataChanges.decide(o.next(), new CreatePartitions("manual", 4, List.of(List.of(2)), false, null), ALL_LIVE),
        o.next(), Errors.INVALID_REPLICA_ASSIGNMENT, "Attempted to add 2 additional partition(s), but only 1 assignment(s) were specified.");
  }

  @Test
  void aNodeIdHeldByAnotherLiveNodeIsRefusedAndARestartAtTheSameAddressIsNot() {
    MetadataState s = threeNodes();
    var impostor = new BrokerInfo(2, "elsewhere", 9999, null, "akka://tributary@n9:25520");
    assertRejected(MetadataChanges.decide(s, new RegisterBroker(impostor, null), ALL_LIVE), s,
        Errors.DUPLICATE_BROKER_REGISTRATION, "Node id 2 is already in use by the live node at akka://tributary@n2:25520.");
    // node 2 is gone (not live): a node with its id at another address takes its place
    var twoGone = new MetadataChanges.Membership(Set.of(NODE_1.clusterAddress(), NODE_3.clusterAddress()), new Random(1));
    assertEquals(impostor, MetadataChanges.decide(s, new RegisterBroker(impostor, null), twoGone).next().brokers().get(2));
    // the same node restarted at its address
    assertEquals(NODE_2, MetadataChanges.decide(s, new RegisterBroker(NODE_2, null), ALL_LIVE).next().brokers().get(2));
  }

  @Test
  void aRegistrationReelectsOnlyTheNodesOwnPartitions() {
    MetadataState s = MetadataChanges.decide(threeNodes(),
        new CreateTopic("t", -1, -1, List.of(List.of(1), List.of(2), List.of(3)), Map.of(), false, null), ALL_LIVE).next();
    MetadataState again = MetadataChanges.decide(s, new RegisterBroker(NODE_2, null), ALL_LIVE).next();
    assertEquals(List.of(0, 1, 0), epochs(again, "t"));
  }

  @Test
  void partitionsStoredBeforeAssignmentsAreAdoptedByTheFirstNodeToRegister() {
    var old = new TopicInfo("old", Uuid.randomUuid(), Map.of(), List.of(
        new PartitionInfo(List.of(), PartitionInfo.NO_LEADER, 4), new PartitionInfo(List.of(), PartitionInfo.NO_LEADER, 4)));
    MetadataState s = MetadataState.initial("c").withTopic(old);
    MetadataState adopted = decide(s, new RegisterBroker(NODE_1, null)).next();
    var topic = adopted.topics().get("old");
    assertEquals(List.of(1, 1), topic.partitions().stream().map(PartitionInfo::leader).toList());
    assertEquals(List.of(List.of(1), List.of(1)), topic.partitions().stream().map(PartitionInfo::replicas).toList());
    assertEquals(List.of(5, 5), epochs(adopted, "old"));
  }

  @Test
  void theOffsetsTopicIsCreatedOnceOverTheLiveNodes() {
    Outcome o = MetadataChanges.decide(threeNodes(), new Controller.EnsureOffsetsTopic(50, null), ALL_LIVE);
    TopicInfo offsets = o.next().internalTopics().get(MetadataImage.OFFSETS_TOPIC);
    assertEquals(50, offsets.partitionCount());
    assertEquals(3, offsets.partitions().stream().map(PartitionInfo::leader).distinct().count());
    assertTrue(o.next().topics().isEmpty(), "not a topic clients see");
    Outcome again = MetadataChanges.decide(o.next(), new Controller.EnsureOffsetsTopic(50, null), ALL_LIVE);
    assertSame(o.next(), again.next());
    assertEquals(offsets, ((TopicDone) again.reply()).topic());
  }
}
