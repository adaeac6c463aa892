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
    Outcome o = MetadataChanges.decide(threeNodes(), new Controller.EnsureOffsetsTopic(50, 3, null), ALL_LIVE);
    TopicInfo offsets = o.next().internalTopics().get(MetadataImage.OFFSETS_TOPIC);
    assertEquals(50, offsets.partitionCount());
    assertEquals(3, offsets.partitions().stream().map(PartitionInfo::leader).distinct().count());
    assertTrue(o.next().topics().isEmpty(), "not a topic clients see");
    Outcome again = MetadataChanges.decide(o.next(), new Controller.EnsureOffsetsTopic(50, 3, null), ALL_LIVE);
    assertSame(o.next(), again.next());
    assertEquals(offsets, ((TopicDone) again.reply()).topic());
  }

  @Test
  void theOffsetsTopicIsReplicatedAsConfiguredCappedAtTheLiveNodesAndKeepsItsRecords() {
    TopicInfo three = MetadataChanges.decide(threeNodes(), new Controller.EnsureOffsetsTopic(6, 3, null), ALL_LIVE)
        .next().internalTopics().get(MetadataImage.OFFSETS_TOPIC);
    assertEquals(3, three.replicationFactor());
    for (PartitionInfo p : three.partitions()) assertEquals(3, p.isr().size(), p.toString());
    assertEquals(Map.of("retention.ms", "-1", "retention.bytes", "-1"), three.configs());

    TopicInfo capped = MetadataChanges.decide(threeNodes(), new Controller.EnsureOffsetsTopic(6, 3, null), live(NODE_1, NODE_2))
        .next().internalTopics().get(MetadataImage.OFFSETS_TOPIC);
    assertEquals(2, capped.replicationFactor(), "capped at the 2 live nodes");
    Outcome invalid = MetadataChanges.decide(threeNodes(), new Controller.EnsureOffsetsTopic(6, 0, null), ALL_LIVE);
    assertEquals(Errors.INVALID_REPLICATION_FACTOR.code(), ((Rejected) invalid.reply()).errorCode());
  }

  @Test
  void theTransactionStateTopicIsAnInternalTopicBesideTheOffsetsTopicAndOtherNamesAreRefused() {
    Outcome offsets = MetadataChanges.decide(threeNodes(), new Controller.EnsureOffsetsTopic(5, 3, null), ALL_LIVE);
    Outcome txn = MetadataChanges.decide(offsets.next(),
        new Controller.EnsureInternalTopic(MetadataImage.TRANSACTION_STATE_TOPIC, 7, 3, null), ALL_LIVE);
    assertEquals(7, txn.next().internalTopics().get(MetadataImage.TRANSACTION_STATE_TOPIC).partitionCount());
    assertEquals(5, txn.next().internalTopics().get(MetadataImage.OFFSETS_TOPIC).partitionCount());
    assertTrue(txn.next().topics().isEmpty(), "not a topic clients see");
    Outcome other = MetadataChanges.decide(threeNodes(), new Controller.EnsureInternalTopic("users", 1, 1, null), ALL_LIVE);
    assertEquals(Errors.INVALID_TOPIC_EXCEPTION.code(), ((Rejected) other.reply()).errorCode());
  }

  // ---- ISR and partition epoch ----

  private static MetadataChanges.Membership live(BrokerInfo... nodes) {
    var addresses = new java.util.HashSet<String>();
    for (BrokerInfo n : nodes) addresses.add(n.clusterAddress());
    return new MetadataChanges.Membership(addresses, new Random(3));
  }

  /** Three live nodes and topic "r" with the given partitions' replicas. */
  private MetadataState replicated(Map<String, String> configs, List<List<Integer>> replicas) {
    return MetadataChanges.decide(threeNodes(), new CreateTopic("r", -1, -1, replicas, configs, false, null), ALL_LIVE).next();
  }

  private static PartitionInfo partition(MetadataState s, int p) {
    return s.topics().get("r").partition(p);
  }

  @Test
  void aNewPartitionHasEveryLiveReplicaInSyncAtPartitionEpochZero() {
    MetadataState s = replicated(Map.of(), List.of(List.of(2, 3, 1)));
    assertEquals(new PartitionInfo(List.of(2, 3, 1), 2, 0, List.of(2, 3, 1), 0), partition(s, 0));
    assertEquals(List.of(2, 3, 1), s.topics().get("r").isr(0));
    assertEquals(0, s.topics().get("r").partitionEpoch(0));
    Outcome placed = MetadataChanges.decide(threeNodes(), new CreateTopic("placed", 6, 3, List.of(), Map.of(), false, null), ALL_LIVE);
    for (PartitionInfo p : ((TopicDone) placed.reply()).topic().partitions()) {
      assertEquals(p.replicas(), p.isr());
      assertEquals(p.replicas().get(0), p.leader());
    }
  }

  @Test
  void aManuallyAssignedReplicaThatIsNotLiveIsNotInSyncAndDoesNotLead() {
    var oneAndThree = live(NODE_1, NODE_3);
    Outcome o = MetadataChanges.decide(threeNodes(), new CreateTopic("m", -1, -1, List.of(List.of(2, 3, 1)), Map.of(), false, null), oneAndThree);
    assertEquals(new PartitionInfo(List.of(2, 3, 1), 3, 0, List.of(3, 1), 0), ((TopicDone) o.reply()).topic().partition(0));
    // no replica live: no leader, and the ISR is every replica (never empty) until one returns
    Outcome solo = MetadataChanges.decide(threeNodes(), new CreateTopic("solo", -1, -1, List.of(List.of(2)), Map.of(), false, null), oneAndThree);
    var leaderless = new PartitionInfo(List.of(2), PartitionInfo.NO_LEADER, 0, List.of(2), 0);
    assertEquals(leaderless, solo.next().topics().get("solo").partition(0));
    Outcome grown = MetadataChanges.decide(solo.next(), new CreatePartitions("solo", 2, List.of(List.of(2)), false, null), oneAndThree);
    assertEquals(leaderless, grown.next().topics().get("solo").partition(1));
  }

  @Test
  void whenTheLeaderIsNotLiveTheFirstLiveIsrReplicaInAssignmentOrderLeads() {
    MetadataState s = replicated(Map.of(), List.of(List.of(2, 3, 1), List.of(1, 2, 3)));
    MetadataState next = MetadataChanges.electLeaders(s, live(NODE_1, NODE_3));
    assertEquals(s.version() + 1, next.version(), "one version step for every partition");
    // leader 2 gone: 3 comes before 1 in the assignment; the ISR loses 2; both epochs grow
    assertEquals(new PartitionInfo(List.of(2, 3, 1), 3, 1, List.of(3, 1), 1), partition(next, 0));
    // a follower gone: the leader stays, its epoch too; the ISR shrinks at once, the partition epoch grows
    assertEquals(new PartitionInfo(List.of(1, 2, 3), 1, 0, List.of(1, 3), 1), partition(next, 1));
    assertSame(next, MetadataChanges.electLeaders(next, live(NODE_1, NODE_3)), "nothing more to change");
  }

  @Test
  void aLeaderUnreachableWithinTheGraceKeepsLeadingWhileItLeavesTheIsrsItFollows() {
    MetadataState s = replicated(Map.of(), List.of(List.of(2, 3, 1), List.of(1, 2, 3)));
    var twoInGrace = new MetadataChanges.Membership(Set.of(NODE_1.clusterAddress(), NODE_3.clusterAddress()), new Random(3), false,
        Set.of(NODE_1.clusterAddress(), NODE_2.clusterAddress(), NODE_3.clusterAddress()));
    MetadataState inGrace = MetadataChanges.electLeaders(s, twoInGrace);
    // node 2 leads partition 0 and keeps it, with its ISR as it was
    assertEquals(partition(s, 0), partition(inGrace, 0));
    // node 2 only follows partition 1: it leaves that ISR at once
    assertEquals(new PartitionInfo(List.of(1, 2, 3), 1, 0, List.of(1, 3), 1), partition(inGrace, 1));
    // the grace is over and node 2 is still unreachable: partition 0 gets a new leader from the live ISR
    MetadataState after = MetadataChanges.electLeaders(inGrace, live(NODE_1, NODE_3));
    assertEquals(new PartitionInfo(List.of(2, 3, 1), 3, 1, List.of(3, 1), 1), partition(after, 0));
    assertSame(partition(inGrace, 1), partition(after, 1));
  }

  @Test
  void aReplicaOutsideTheIsrNeverLeadsInACleanElection() {
    MetadataState s = replicated(Map.of(), List.of(List.of(1, 2, 3)));
    MetadataState onlyOne = MetadataChanges.electLeaders(s, live(NODE_1));
    assertEquals(new PartitionInfo(List.of(1, 2, 3), 1, 0, List.of(1), 1), partition(onlyOne, 0));
    // node 1 goes too: nobody in the ISR is live; 2 and 3 are back but were not in sync
    MetadataState back = MetadataChanges.electLeaders(onlyOne, live(NODE_2, NODE_3));
    assertEquals(new PartitionInfo(List.of(1, 2, 3), PartitionInfo.NO_LEADER, 1, List.of(1), 2), partition(back, 0));
    assertSame(back, MetadataChanges.electLeaders(back, live(NODE_2, NODE_3)), "leaderless once, not again and again");
    // node 1 returns: it leads again, with the ISR as it was
    MetadataState returned = MetadataChanges.electLeaders(back, ALL_LIVE);
    assertEquals(new PartitionInfo(List.of(1, 2, 3), 1, 2, List.of(1), 3), partition(returned, 0));
  }

  @Test
  void whenNoIsrMemberIsLiveTheIsrStaysAsItIsAndAnyOfItsMembersMayLeadAgain() {
    MetadataState s = replicated(Map.of(), List.of(List.of(1, 2, 3)));
    MetadataState allGone = MetadataChanges.electLeaders(s, live());
    assertEquals(new PartitionInfo(List.of(1, 2, 3), PartitionInfo.NO_LEADER, 1, List.of(1, 2, 3), 1), partition(allGone, 0));
    // the first ISR member to return leads, and the ISR keeps only the live members
    MetadataState threeBack = MetadataChanges.electLeaders(allGone, live(NODE_3));
    assertEquals(new PartitionInfo(List.of(1, 2, 3), 3, 2, List.of(3), 2), partition(threeBack, 0));
  }

  @Test
  void anUncleanElectionPicksTheFirstLiveReplicaAloneWhenTheTopicAllowsIt() {
    MetadataState s = replicated(Map.of("unclean.leader.election.enable", "true"), List.of(List.of(1, 2, 3)));
    MetadataState onlyOne = MetadataChanges.electLeaders(s, live(NODE_1));
    MetadataState unclean = MetadataChanges.electLeaders(onlyOne, live(NODE_3, NODE_2));
    assertEquals(new PartitionInfo(List.of(1, 2, 3), 2, 1, List.of(2), 2), partition(unclean, 0));
    // an ISR member, when there is a live one, still comes first
    MetadataState clean = MetadataChanges.electLeaders(s, live(NODE_3));
    assertEquals(new PartitionInfo(List.of(1, 2, 3), 3, 1, List.of(3), 1), partition(clean, 0));
  }

  @Test
  void theBrokerDefaultOfUncleanElectionAppliesUnlessTheTopicOverridesIt() {
    MetadataState s = replicated(Map.of(), List.of(List.of(1, 2)));
    MetadataState onlyOne = MetadataChanges.electLeaders(s, live(NODE_1));
    var twoLiveUnclean = new MetadataChanges.Membership(Set.of(NODE_2.clusterAddress()), new Random(1), true);
    assertEquals(2, partition(MetadataChanges.electLeaders(onlyOne, twoLiveUnclean), 0).leader());

    MetadataState overridden = replicated(Map.of("unclean.leader.election.enable", "false"), List.of(List.of(1, 2)));
    MetadataState clean = MetadataChanges.electLeaders(MetadataChanges.electLeaders(overridden, live(NODE_1)), twoLiveUnclean);
    assertEquals(PartitionInfo.NO_LEADER, partition(clean, 0).leader());
  }

  @Test
  void withOneReplicaAPartitionHasNoLeaderWhileItsNodeIsAwayAndComesBackAtAHigherEpoch() {
    MetadataState s = replicated(Map.of(), List.of(List.of(2)));
    MetadataState away = MetadataChanges.electLeaders(s, live(NODE_1, NODE_3));
    assertEquals(new PartitionInfo(List.of(2), PartitionInfo.NO_LEADER, 1, List.of(2), 1), partition(away, 0));
    MetadataState back = MetadataChanges.electLeaders(away, ALL_LIVE);
    assertEquals(new PartitionInfo(List.of(2), 2, 2, List.of(2), 2), partition(back, 0));
    // its registration (a restart) elects it once more
    MetadataState registered = MetadataChanges.decide(back, new RegisterBroker(NODE_2, null), ALL_LIVE).next();
    assertEquals(new PartitionInfo(List.of(2), 2, 3, List.of(2), 3), partition(registered, 0));
  }

  @Test
  void electionsCoverTheInternalTopicsToo() {
    MetadataState s = MetadataChanges.decide(threeNodes(), new Controller.EnsureOffsetsTopic(3, 1, null), ALL_LIVE).next();
    MetadataState next = MetadataChanges.electLeaders(s, live(NODE_1));
    var offsets = next.internalTopics().get(MetadataImage.OFFSETS_TOPIC);
    for (PartitionInfo p : offsets.partitions()) {
      assertEquals(p.replicas().equals(List.of(1)) ? 1 : PartitionInfo.NO_LEADER, p.leader(), p.toString());
    }
  }

  @Test
  void aNodeThatRegistersAgainTakesNoPartitionFromALeaderElectedWhileItWasAway() {
    MetadataState s = replicated(Map.of(), List.of(List.of(2, 3, 1)));
    s = MetadataChanges.decide(s, new CreateTopic("solo", -1, -1, List.of(List.of(2)), Map.of(), false, null), ALL_LIVE).next();
    MetadataState away = MetadataChanges.electLeaders(s, live(NODE_1, NODE_3));
    assertEquals(3, partition(away, 0).leader());
    assertEquals(PartitionInfo.NO_LEADER, away.topics().get("solo").leader(0));
    MetadataState registered = MetadataChanges.decide(away, new RegisterBroker(NODE_2, null), ALL_LIVE).next();
    // "r" stays with 3 (2 rejoins the ISR when its leader says it caught up); "solo" had no leader: 2 leads it again
    assertEquals(partition(away, 0), partition(registered, 0));
    assertEquals(new PartitionInfo(List.of(2), 2, 2, List.of(2), 2), registered.topics().get("solo").partition(0));
  }

  // ---- AlterPartition ----

  private static Controller.AlterPartition alter(TopicInfo t, int p, int leader, int leaderEpoch, int partitionEpoch, List<Integer> isr) {
    return new Controller.AlterPartition(t.name(), t.topicId(), p, leader, leaderEpoch, partitionEpoch, isr, null);
  }

  @Test
  void theLeaderShrinksAndExpandsTheIsrAndEachChangeGrowsThePartitionEpoch() {
    MetadataState s = replicated(Map.of(), List.of(List.of(1, 2, 3)));
    TopicInfo t = s.topics().get("r");
    Outcome shrunk = MetadataChanges.decide(s, alter(t, 0, 1, 0, 0, List.of(1, 3)), ALL_LIVE);
    var expected = new PartitionInfo(List.of(1, 2, 3), 1, 0, List.of(1, 3), 1);
    assertEquals(expected, ((Controller.PartitionAltered) shrunk.reply()).partition());
    assertEquals(expected, partition(shrunk.next(), 0));
    assertEquals(s.version() + 1, shrunk.next().version());
    assertEquals(shrunk.next(), ((Controller.PartitionAltered) shrunk.reply()).state());

    Outcome expanded = MetadataChanges.decide(shrunk.next(), alter(t, 0, 1, 0, 1, List.of(1, 3, 2)), ALL_LIVE);
    assertEquals(new PartitionInfo(List.of(1, 2, 3), 1, 0, List.of(1, 3, 2), 2), partition(expanded.next(), 0));
    // the same ISR again: nothing to write, the partition as it is
    Outcome same = MetadataChanges.decide(expanded.next(), alter(t, 0, 1, 0, 2, List.of(1, 3, 2)), ALL_LIVE);
    assertSame(expanded.next(), same.next());
    assertEquals(partition(expanded.next(), 0), ((Controller.PartitionAltered) same.reply()).partition());
  }

  @Test
  void alterPartitionFindsTheTopicByNameWhenNoIdIsGivenAndCoversInternalTopics() {
    MetadataState s = replicated(Map.of(), List.of(List.of(1, 2, 3)));
    Outcome byName = MetadataChanges.decide(s, new Controller.AlterPartition("r", null, 0, 1, 0, 0, List.of(1), null), ALL_LIVE);
    assertEquals(List.of(1), partition(byName.next(), 0).isr());
    Outcome zeroId = MetadataChanges.decide(s, new Controller.AlterPartition("r", Uuid.ZERO_UUID, 0, 1, 0, 0, List.of(1, 2), null), ALL_LIVE);
    assertEquals(List.of(1, 2), partition(zeroId.next(), 0).isr());

    MetadataState withOffsets = MetadataChanges.decide(threeNodes(), new Controller.EnsureOffsetsTopic(1, 1, null), ALL_LIVE).next();
    TopicInfo offsets = withOffsets.internalTopics().get(MetadataImage.OFFSETS_TOPIC);
    int leader = offsets.leader(0);
    Outcome internal = MetadataChanges.decide(withOffsets, alter(offsets, 0, leader, 0, 0, List.of(leader)), ALL_LIVE);
    assertTrue(internal.reply() instanceof Controller.PartitionAltered, internal.reply().toString());
    assertTrue(internal.next().topics().isEmpty(), "it stays internal");
  }

  @Test
  void alterPartitionIsRefusedAsKafkasControllerRefusesIt() {
    MetadataState s = MetadataChanges.electLeaders(replicated(Map.of(), List.of(List.of(1, 2, 3))), ALL_LIVE);
    // leader 1 at leader epoch 1, partition epoch 1, after a shrink and an election
    s = MetadataChanges.decide(s, alter(s.topics().get("r"), 0, 1, 0, 0, List.of(1, 2)), ALL_LIVE).next();
    s = MetadataChanges.electLeaders(s, live(NODE_2, NODE_3));
    s = MetadataChanges.electLeaders(s, ALL_LIVE);
    TopicInfo t = s.topics().get("r");
    PartitionInfo p = t.partition(0);
    assertEquals(new PartitionInfo(List.of(1, 2, 3), 2, 1, List.of(2), 2), p);
    int le = p.leaderEpoch();
    int pe = p.partitionEpoch();

    assertRejected(MetadataChanges.decide(s, alter(t, 0, 2, le - 1, pe, List.of(2, 1)), ALL_LIVE), s,
        Errors.FENCED_LEADER_EPOCH, "Leader epoch 0 of r-0 is older than the current leader epoch 1.");
    assertRejected(MetadataChanges.decide(s, alter(t, 0, 2, le + 1, pe, List.of(2, 1)), ALL_LIVE), s, Errors.NOT_CONTROLLER, null);
    assertRejected(MetadataChanges.decide(s, alter(t, 0, 2, le, pe + 1, List.of(2, 1)), ALL_LIVE), s, Errors.NOT_CONTROLLER, null);
    assertRejected(MetadataChanges.decide(s, alter(t, 0, 1, le, pe, List.of(1, 2)), ALL_LIVE), s,
        Errors.INVALID_REQUEST, "Node 1 is not the leader of r-0; its leader is 2.");
    assertRejected(MetadataChanges.decide(s, alter(t, 0, 2, le, pe - 1, List.of(2, 1)), ALL_LIVE), s,
        Errors.INVALID_UPDATE_VERSION, "Partition epoch 1 of r-0 is older than the current partition epoch 2.");
    assertRejected(MetadataChanges.decide(s, alter(t, 0, 2, le, pe, List.of(2, 9)), ALL_LIVE), s,
        Errors.INVALID_REQUEST, "The ISR [2, 9] of r-0 is not a set of its replicas [1, 2, 3].");
    assertRejected(MetadataChanges.decide(s, alter(t, 0, 2, le, pe, List.of(2, 1, 2)), ALL_LIVE), s, Errors.INVALID_REQUEST, null);
    assertRejected(MetadataChanges.decide(s, alter(t, 0, 2, le, pe, List.of(1, 3)), ALL_LIVE), s,
        Errors.INVALID_REQUEST, "The ISR [1, 3] of r-0 does not include its leader 2.");
    assertRejected(MetadataChanges.decide(s, alter(t, 0, 2, le, pe, List.of()), ALL_LIVE), s, Errors.INVALID_REQUEST, null);
    assertRejected(MetadataChanges.decide(s, alter(t, 0, 2, le, pe, List.of(2, 3)), live(NODE_1, NODE_2)), s,
        Errors.INELIGIBLE_REPLICA, "The ISR [2, 3] of r-0 includes node(s) [3] that are not registered or not live.");
    // a leader the Controller does not see live cannot change the ISR either (even to shrink it)
    assertRejected(MetadataChanges.decide(s, alter(t, 0, 2, le, pe, List.of(2)), live(NODE_1, NODE_3)), s,
        Errors.INELIGIBLE_REPLICA, null);

    assertRejected(MetadataChanges.decide(s, alter(t, 1, 2, le, pe, List.of(2)), ALL_LIVE), s,
        Errors.UNKNOWN_TOPIC_OR_PARTITION, null);
    assertRejected(MetadataChanges.decide(s, new Controller.AlterPartition("r", Uuid.randomUuid(), 0, 2, le, pe, List.of(2), null), ALL_LIVE),
        s, Errors.UNKNOWN_TOPIC_ID, null);
    assertRejected(MetadataChanges.decide(s, new Controller.AlterPartition("nope", null, 0, 2, le, pe, List.of(2), null), ALL_LIVE),
        s, Errors.UNKNOWN_TOPIC_OR_PARTITION, null);
    // accepted: the ISR grows back
    Outcome ok = MetadataChanges.decide(s, alter(t, 0, 2, le, pe, List.of(2, 1)), ALL_LIVE);
    assertEquals(new PartitionInfo(List.of(1, 2, 3), 2, 1, List.of(2, 1), 3), partition(ok.next(), 0));
  }
}
