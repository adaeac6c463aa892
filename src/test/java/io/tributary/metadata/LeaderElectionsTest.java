package io.tributary.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.tributary.metadata.Controller.ElectLeaders;
import io.tributary.metadata.Controller.ElectionTarget;
import io.tributary.metadata.Controller.LeadersElected;
import io.tributary.metadata.Controller.PartitionElection;
import io.tributary.metadata.Controller.TopicElections;
import io.tributary.metadata.MetadataChanges.Membership;
import io.tributary.metadata.MetadataChanges.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** ElectLeaders and the automatic preferred-leader rebalance, without actors. */
class LeaderElectionsTest {
  private static final BrokerInfo N1 = new BrokerInfo(1, "h1", 9092, null, "akka://tributary@n1:25520");
  private static final BrokerInfo N2 = new BrokerInfo(2, "h2", 9092, null, "akka://tributary@n2:25520");
  private static final BrokerInfo N3 = new BrokerInfo(3, "h3", 9092, null, "akka://tributary@n3:25520");

  private static Membership live(BrokerInfo... nodes) {
    var addresses = new java.util.HashSet<String>();
    for (BrokerInfo b : nodes) addresses.add(b.clusterAddress());
    return new Membership(addresses, new Random(1));
  }

  private static MetadataState state(TopicInfo... topics) {
    MetadataState s = MetadataState.initial("c").withBroker(N1).withBroker(N2).withBroker(N3);
    for (TopicInfo t : topics) s = s.withTopic(t);
    return s;
  }

  private static TopicInfo topic(String name, PartitionInfo... partitions) {
    return new TopicInfo(name, Uuid.randomUuid(), Map.of(), List.of(partitions));
  }

  private static Outcome elect(MetadataState s, ElectionType type, List<ElectionTarget> targets, Membership m) {
    return MetadataChanges.decide(s, new ElectLeaders(type, targets, null), m);
  }

  private static List<TopicElections> results(Outcome o) {
    return ((LeadersElected) o.reply()).topics();
  }

  private static PartitionElection only(Outcome o) {
    return results(o).get(0).partitions().get(0);
  }

  private static Errors error(PartitionElection e) {
    return Errors.forCode(e.errorCode());
  }

  /** Preferred replica 2 is in the ISR, but 1 took over while 2 was away. */
  private static final PartitionInfo TAKEN_OVER = new PartitionInfo(List.of(2, 1), 1, 3, List.of(1, 2), 5);

  @Test
  void preferredElectionMovesLeadershipToTheFirstReplicaAndGrowsBothEpochs() {
    MetadataState s = state(topic("t", TAKEN_OVER));
    Outcome o = elect(s, ElectionType.PREFERRED, List.of(new ElectionTarget("t", List.of(0))), live(N1, N2));
    assertEquals(new PartitionInfo(List.of(2, 1), 2, 4, List.of(1, 2), 6), o.next().topics().get("t").partition(0));
    assertEquals(s.version() + 1, o.next().version());
    assertEquals(new PartitionElection(0, Errors.NONE.code(), null), only(o));
    assertEquals(o.next(), ((LeadersElected) o.reply()).state());

    // again: the preferred replica leads already
    Outcome again = elect(o.next(), ElectionType.PREFERRED, List.of(new ElectionTarget("t", List.of(0))), live(N1, N2));
    assertSame(o.next(), again.next());
    assertEquals(new PartitionElection(0, Errors.ELECTION_NOT_NEEDED.code(), Errors.ELECTION_NOT_NEEDED.message()), only(again));
  }

  @Test
  void preferredElectionDropsIsrMembersThatAreNotLive() {
    var p = new PartitionInfo(List.of(2, 1, 3), 1, 0, List.of(1, 2, 3), 0);
    Outcome o = elect(state(topic("t", p)), ElectionType.PREFERRED, List.of(new ElectionTarget("t", List.of(0))), live(N1, N2));
    assertEquals(new PartitionInfo(List.of(2, 1, 3), 2, 1, List.of(1, 2), 1), o.next().topics().get("t").partition(0));
  }

  @Test
  void preferredLeaderNotLiveOrNotInSyncIsNotAvailable() {
    MetadataState notLive = state(topic("t", TAKEN_OVER));
    Outcome o = elect(notLive, ElectionType.PREFERRED, List.of(new ElectionTarget("t", List.of(0))), live(N1));
    assertSame(notLive, o.next());
    assertEquals(Errors.PREFERRED_LEADER_NOT_AVAILABLE, error(only(o)));
    assertEquals(Errors.PREFERRED_LEADER_NOT_AVAILABLE.message(), only(o).message());

    MetadataState outOfSync = state(topic("t", new PartitionInfo(List.of(2, 1), 1, 3, List.of(1), 5)));
    Outcome o2 = elect(outOfSync, ElectionType.PREFERRED, List.of(new ElectionTarget("t", List.of(0))), live(N1, N2));
    assertSame(outOfSync, o2.next());
    assertEquals(Errors.PREFERRED_LEADER_NOT_AVAILABLE, error(only(o2)));
  }

  @Test
  void preferredElectionOfAPartitionWhoseLeaderIsGoneElectsFromTheIsrAsKafkaDoes() {
    // node 1 leads but is no longer live, node 2 (preferred) is not in the ISR, node 3 is: 3 leads
    var p = new PartitionInfo(List.of(2, 3, 1), 1, 0, List.of(1, 3), 0);
    Outcome o = elect(state(topic("t", p)), ElectionType.PREFERRED, List.of(new ElectionTarget("t", List.of(0))), live(N2, N3));
    assertEquals(Errors.NONE, error(only(o)));
    assertEquals(new PartitionInfo(List.of(2, 3, 1), 3, 1, List.of(3), 1), o.next().topics().get("t").partition(0));
  }

  @Test
  void uncleanElectionOnlyForAPartitionWithoutLeader() {
    MetadataState led = state(topic("t", TAKEN_OVER));
    Outcome notNeeded = elect(led, ElectionType.UNCLEAN, List.of(new ElectionTarget("t", List.of(0))), live(N1, N2));
    assertSame(led, notNeeded.next());
    assertEquals(Errors.ELECTION_NOT_NEEDED, error(only(notNeeded)));

    // no leader: only node 1 was in sync and it is gone; node 2 leads alone, whatever the topic's config says
    var leaderless = new PartitionInfo(List.of(1, 2), PartitionInfo.NO_LEADER, 4, List.of(1), 6);
    MetadataState s = state(topic("t", leaderless));
    Outcome o = elect(s, ElectionType.UNCLEAN, List.of(new ElectionTarget("t", List.of(0))), live(N2));
    assertEquals(Errors.NONE, error(only(o)));
    assertNull(only(o).message());
    assertEquals(new PartitionInfo(List.of(1, 2), 2, 5, List.of(2), 7), o.next().topics().get("t").partition(0));

    Outcome none = elect(s, ElectionType.UNCLEAN, List.of(new ElectionTarget("t", List.of(0))), live(N3));
    assertSame(s, none.next());
    assertEquals(Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE, error(only(none)));
  }

  @Test
  void uncleanElectionPrefersALiveIsrMember() {
    // the ISR member 3 came back before the membership elections ran: a clean leader
    var leaderless = new PartitionInfo(List.of(1, 2, 3), PartitionInfo.NO_LEADER, 4, List.of(3), 6);
    Outcome o = elect(state(topic("t", leaderless)), ElectionType.UNCLEAN, List.of(new ElectionTarget("t", List.of(0))), live(N2, N3));
    assertEquals(new PartitionInfo(List.of(1, 2, 3), 3, 5, List.of(3), 7), o.next().topics().get("t").partition(0));
  }

  @Test
  void unknownTopicsAndPartitionsAreAnsweredPerPartitionWithKafkasMessages() {
    MetadataState s = state(topic("t", TAKEN_OVER));
    Outcome o = elect(s, ElectionType.PREFERRED, List.of(
        new ElectionTarget("missing", List.of(0, 1)),
        new ElectionTarget("t", List.of(7, -1, 0))), live(N1, N2));
    var topics = results(o);
    assertEquals(List.of(
        new PartitionElection(0, Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), "No such topic as missing"),
        new PartitionElection(1, Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), "No such topic as missing")),
        topics.get(0).partitions());
    assertEquals("t", topics.get(1).topic());
    assertEquals(List.of(
        new PartitionElection(7, Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), "No such partition as t-7"),
        new PartitionElection(-1, Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), "No such partition as t--1"),
        new PartitionElection(0, Errors.NONE.code(), null)), topics.get(1).partitions());
    assertEquals(2, o.next().topics().get("t").leader(0), "the known partition is elected");
  }

  @Test
  void everyPartitionWhenNoneIsNamedLeavesOutThoseThatNeedNoElection() {
    var led = new PartitionInfo(List.of(1, 2), 1, 0, List.of(1, 2), 0);
    var stuck = new PartitionInfo(List.of(3, 1), 1, 2, List.of(1, 3), 2); // 3 is not live
    MetadataState s = state(topic("b", led, TAKEN_OVER), topic("a", stuck), topic("c", led));
    Outcome o = elect(s, ElectionType.PREFERRED, null, live(N1, N2));
    assertEquals(List.of(
        new TopicElections("a", List.of(new PartitionElection(0, Errors.PREFERRED_LEADER_NOT_AVAILABLE.code(),
            Errors.PREFERRED_LEADER_NOT_AVAILABLE.message()))),
        new TopicElections("b", List.of(new PartitionElection(1, Errors.NONE.code(), null))),
        new TopicElections("c", List.of())), results(o));
    assertEquals(s.version() + 1, o.next().version(), "one version step for all");
    assertEquals(2, o.next().topics().get("b").leader(1));
  }

  @Test
  void aPartitionNamedTwiceInOneRequestIsElectedOnce() {
    MetadataState s = state(topic("t", TAKEN_OVER));
    Outcome o = elect(s, ElectionType.PREFERRED, List.of(new ElectionTarget("t", List.of(0)), new ElectionTarget("t", List.of(0))),
        live(N1, N2));
    assertEquals(Errors.NONE, error(results(o).get(0).partitions().get(0)));
    assertEquals(Errors.ELECTION_NOT_NEEDED, error(results(o).get(1).partitions().get(0)));
    assertEquals(4, o.next().topics().get("t").leaderEpoch(0));
  }

  // ---- the automatic rebalance

  /** {@code count} partitions preferring node 2, of which the first {@code takenOver} are led by node 1. */
  private static TopicInfo preferringTwo(String name, int count, int takenOver) {
    var partitions = new ArrayList<PartitionInfo>();
    for (int i = 0; i < count; i++) {
      partitions.add(i < takenOver ? TAKEN_OVER : new PartitionInfo(List.of(2, 1), 2, 0, List.of(2, 1), 0));
    }
    return new TopicInfo(name, Uuid.randomUuid(), Map.of(), partitions);
  }

  @Test
  void rebalanceMovesLeadershipBackWhenABrokersImbalanceIsAboveThePercentage() {
    // 2 of 10 partitions that prefer node 2 are led by node 1: 20% > 10%
    MetadataState s = state(preferringTwo("t", 10, 2), topic("own", new PartitionInfo(List.of(1, 2), 1, 0, List.of(1, 2), 0)));
    var rebalanced = LeaderElections.rebalance(s, live(N1, N2), 10);
    assertEquals(List.of("t-0", "t-1"), rebalanced.partitions());
    assertEquals(s.version() + 1, rebalanced.next().version());
    TopicInfo t = rebalanced.next().topics().get("t");
    for (int i = 0; i < 10; i++) assertEquals(2, t.leader(i), "partition " + i);
    assertEquals(new PartitionInfo(List.of(2, 1), 2, 4, List.of(1, 2), 6), t.partition(0));
    assertSame(s.topics().get("own"), rebalanced.next().topics().get("own"));

    assertSame(rebalanced.next(), LeaderElections.rebalance(rebalanced.next(), live(N1, N2), 10).next(), "balanced now");
  }

  @Test
  void rebalanceLeavesAnImbalanceAtOrBelowThePercentage() {
    // 1 of 10: 10% is not above 10%
    MetadataState s = state(preferringTwo("t", 10, 1));
    var rebalanced = LeaderElections.rebalance(s, live(N1, N2), 10);
    assertSame(s, rebalanced.next());
    assertEquals(List.of(), rebalanced.partitions());
    // with 0% any imbalance counts
    assertEquals(List.of("t-0"), LeaderElections.rebalance(s, live(N1, N2), 0).partitions());
  }

  @Test
  void rebalanceSkipsPartitionsWhosePreferredReplicaIsNotLiveOrNotInSync() {
    var outOfSync = new PartitionInfo(List.of(2, 1), 1, 3, List.of(1), 5);
    MetadataState s = state(topic("t", TAKEN_OVER, outOfSync));
    var rebalanced = LeaderElections.rebalance(s, live(N1, N2), 10);
    assertEquals(List.of("t-0"), rebalanced.partitions());
    assertSame(outOfSync, rebalanced.next().topics().get("t").partition(1));

    assertSame(s, LeaderElections.rebalance(s, live(N1), 10).next(), "node 2 is not live");
  }

  @Test
  void rebalanceCountsLeaderlessPartitionsAsImbalancedButCannotElectThemWithoutTheirPreferredReplica() {
    // only node 3, which is gone, was in sync
    var leaderless = new PartitionInfo(List.of(2, 1, 3), PartitionInfo.NO_LEADER, 3, List.of(3), 5);
    MetadataState s = state(topic("t", leaderless, TAKEN_OVER));
    assertEquals(List.of("t-1"), LeaderElections.rebalance(s, live(N1, N2), 60).partitions(), "2 of 2 are not led by 2");
    assertEquals(List.of(), LeaderElections.rebalance(s, live(N1, N2), 100).partitions());
  }

  @Test
  void rebalanceCoversTheInternalTopicsToo() {
    var offsets = new TopicInfo(MetadataImage.OFFSETS_TOPIC, Uuid.randomUuid(), Map.of(), List.of(TAKEN_OVER));
    MetadataState s = state().withInternalTopic(offsets);
    var rebalanced = LeaderElections.rebalance(s, live(N1, N2), 10);
    assertEquals(List.of(MetadataImage.OFFSETS_TOPIC + "-0"), rebalanced.partitions());
    assertEquals(2, rebalanced.next().internalTopics().get(MetadataImage.OFFSETS_TOPIC).leader(0));
    assertEquals(Set.of(), rebalanced.next().topics().keySet());
  }
}
