package io.tributary.group;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.ManualTime;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import akka.persistence.testkit.javadsl.PersistenceTestKit;
import com.typesafe.config.ConfigFactory;
import io.tributary.group.GroupEntity.Command;
import io.tributary.group.GroupEntity.Event;
import io.tributary.group.GroupEntity.State;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The classic group state machine, driven through {@link EventSourcedBehaviorTestKit} with manual
 * time: timers fire only when a test advances the clock, and the clock the entity stamps events
 * with moves along. Events, commands and state go through the real serializer (the testkit's
 * serialization checks plus the serializing in-memory journal and snapshot store).
 */
class GroupEntityTest {

  private static final AtomicInteger groups = new AtomicInteger();

  private static final int SESSION = 10_000;
  private static final int REBALANCE = 30_000;
  private static final long RETENTION = 60_000L; // short, so tests stay readable
  private static final long CHECK = 5_000L;

  private final AtomicLong now = new AtomicLong(1_000_000L);
  // one actor system and manual scheduler per test: a clock shared between tests lets one test's timers act in another
  private ActorTestKit testKit;
  private ManualTime manualTime;
  private EventSourcedBehaviorTestKit<Command, Event, State> kit;

  /**
   * The configuration of a test's actor system: manual time, the serializing in-memory journal and
   * snapshot store. The journal's circuit breaker and recovery timeouts run on the manual scheduler
   * too, so one advance of more than their timeout while a write is in flight would fail the write:
   * they are set beyond any advance a test makes.
   */
  static com.typesafe.config.Config testConfig() {
    return ManualTime.config()
        .withFallback(ConfigFactory.parseString("""
            akka.persistence.journal-plugin-fallback.circuit-breaker.call-timeout = 1000d
            akka.persistence.journal-plugin-fallback.recovery-event-timeout = 1000d
            akka.persistence.snapshot-store-plugin-fallback.circuit-breaker.call-timeout = 1000d
            """))
        .withFallback(EventSourcedBehaviorTestKit.config())
        .withFallback(PersistenceTestKitSnapshotPlugin.config())
        .withFallback(ConfigFactory.parseString("akka.actor.provider = local"))
        .withFallback(ConfigFactory.load());
  }

  @BeforeEach
  void newGroup() {
    testKit = ActorTestKit.create(testConfig());
    manualTime = ManualTime.get(testKit.system());
    kit = kitFor(settings(0, 1000));
  }

  @AfterEach
  void shutdown() {
    testKit.shutdownTestKit();
  }

  private EventSourcedBehaviorTestKit<Command, Event, State> kitFor(GroupSettings settings) {
    return EventSourcedBehaviorTestKit.create(testKit.system(),
        GroupEntity.create("g" + groups.incrementAndGet(), settings, now::get));
  }

  private static GroupSettings settings(long initialDelayMs, int snapshotEvery) {
    return settings(initialDelayMs, snapshotEvery, RETENTION, CHECK);
  }

  /** reference.conf's group settings with a test's delay, snapshot interval and (short) retention. */
  static GroupSettings settings(long initialDelayMs, int snapshotEvery, long retentionMs, long checkIntervalMs) {
    var defaults = GroupSettings.fromConfig(ConfigFactory.load());
    return new GroupSettings(initialDelayMs, 1000, defaults.maxSessionTimeoutMs(), defaults.maxSize(), retentionMs, checkIntervalMs,
        defaults.offsetMetadataMaxBytes(), defaults.newMemberJoinTimeoutMs(), snapshotEvery, defaults.keepSnapshots(),
        defaults.journalFailureMinBackoff(), defaults.journalFailureMaxBackoff(), defaults.journalFailureRandomFactor());
  }

  private void advance(long ms) {
    now.addAndGet(ms);
    manualTime.timePasses(Duration.ofMillis(ms));
  }

  // ---------------------------------------------------------------- helpers

  private static byte[] subscription(String... topics) {
    ByteBuffer b = ConsumerProtocol.serializeSubscription(new Subscription(List.of(topics)));
    var bytes = new byte[b.remaining()];
    b.get(bytes);
    return bytes;
  }

  private static List<GroupEntity.Protocol> protocols(String... topics) {
    return List.of(new GroupEntity.Protocol("range", subscription(topics)), new GroupEntity.Protocol("roundrobin", subscription(topics)));
  }

  private TestProbe<JoinGroupResponseData> join(String memberId, String instanceId, short version, List<GroupEntity.Protocol> protocols) {
    TestProbe<JoinGroupResponseData> probe = testKit.createTestProbe();
    kit.runCommand(new GroupEntity.Join(memberId, instanceId, "consumer", protocols, SESSION, REBALANCE, "client", "/127.0.0.1",
        version, probe.getRef()));
    return probe;
  }

  private TestProbe<JoinGroupResponseData> join(String memberId) {
    return join(memberId, null, (short) 9, protocols("t1"));
  }

  /** A new dynamic member: the MEMBER_ID_REQUIRED round trip, then the real join (response may still be pending). */
  private TestProbe<JoinGroupResponseData> joinNew() {
    var first = join("").receiveMessage();
    assertEquals(Errors.MEMBER_ID_REQUIRED.code(), first.errorCode());
    return join(first.memberId());
  }

  private SyncGroupResponseData sync(int generation, String memberId, Map<String, byte[]> assignments) {
    return syncProbe(generation, memberId, null, assignments).receiveMessage();
  }

  private TestProbe<SyncGroupResponseData> syncProbe(int generation, String memberId, String instanceId, Map<String, byte[]> assignments) {
    TestProbe<SyncGroupResponseData> probe = testKit.createTestProbe();
    kit.runCommand(new GroupEntity.Sync(generation, memberId, instanceId, "consumer", "range", assignments, probe.getRef()));
    return probe;
  }

  private Errors heartbeat(int generation, String memberId) {
    return heartbeat(generation, memberId, null);
  }

  private Errors heartbeat(int generation, String memberId, String instanceId) {
    TestProbe<HeartbeatResponseData> probe = testKit.createTestProbe();
    kit.runCommand(new GroupEntity.Heartbeat(generation, memberId, instanceId, probe.getRef()));
    return Errors.forCode(probe.receiveMessage().errorCode());
  }

  private OffsetCommitResponseData commit(int generation, String memberId, String topic, int partition, long offset, String metadata) {
    TestProbe<OffsetCommitResponseData> probe = testKit.createTestProbe();
    kit.runCommand(new GroupEntity.CommitOffsets(generation, memberId, null,
        List.of(new GroupEntity.PartitionOffset(topic, partition, offset, 3, metadata)), probe.getRef()));
    return probe.receiveMessage();
  }

  private static Errors commitError(OffsetCommitResponseData r) {
    return Errors.forCode(r.topics().get(0).partitions().get(0).errorCode());
  }

  private OffsetFetchResponseGroup fetch(List<TopicPartition> partitions) {
    TestProbe<OffsetFetchResponseGroup> probe = testKit.createTestProbe();
    kit.runCommand(new GroupEntity.FetchOffsets(partitions, probe.getRef()));
    return probe.receiveMessage();
  }

  private long fetched(String topic, int partition) {
    return fetch(List.of(new TopicPartition(topic, partition))).topics().get(0).partitions().get(0).committedOffset();
  }

  private DescribedGroup describe() {
    TestProbe<DescribedGroup> probe = testKit.createTestProbe();
    kit.runCommand(new GroupEntity.Describe(probe.getRef()));
    return probe.receiveMessage();
  }

  private LeaveGroupResponseData leave(String memberId, String instanceId) {
    TestProbe<LeaveGroupResponseData> probe = testKit.createTestProbe();
    kit.runCommand(new GroupEntity.Leave(List.of(new GroupEntity.LeavingMember(memberId, instanceId)), probe.getRef()));
    return probe.receiveMessage();
  }

  private Errors deleteGroup() {
    TestProbe<DeletableGroupResult> probe = testKit.createTestProbe();
    kit.runCommand(new GroupEntity.DeleteGroup(probe.getRef()));
    return Errors.forCode(probe.receiveMessage().errorCode());
  }

  private int eventCount() {
    return kit.persistenceTestKit().persistedInStorage(persistenceId()).size();
  }

  private String persistenceId() {
    return "group|g" + groups.get();
  }

  /** Two dynamic members A (leader) and B, Stable in generation {@code gen}; returns [A, B, gen]. */
  private record Pair(String a, String b, int generation) {}

  private Pair stablePair() {
    var a = joinNew().receiveMessage(); // delay 0: A alone completes generation 1
    assertEquals(1, a.generationId());
    assertEquals(Errors.NONE, Errors.forCode(sync(1, a.memberId(), Map.of(a.memberId(), new byte[] {1})).errorCode()));
    var bProbe = joinNew(); // B joining a Stable group starts a rebalance; A must rejoin
    assertEquals(Errors.REBALANCE_IN_PROGRESS, heartbeat(1, a.memberId()));
    var aProbe = join(a.memberId());
    var a2 = aProbe.receiveMessage();
    var b2 = bProbe.receiveMessage();
    assertEquals(2, a2.generationId());
    var followerSync = syncProbe(2, b2.memberId(), null, Map.of());
    var leaderSync = sync(2, a2.memberId(), Map.of(a2.memberId(), new byte[] {1}, b2.memberId(), new byte[] {2}));
    assertArrayEquals(new byte[] {1}, leaderSync.assignment());
    assertArrayEquals(new byte[] {2}, followerSync.receiveMessage().assignment());
    return new Pair(a2.memberId(), b2.memberId(), 2);
  }

  // ---------------------------------------------------------------- join / sync

  @Test
  void newMemberGetsMemberIdRequiredThenJoinsWithIt() {
    var first = join("").receiveMessage();
    assertEquals(Errors.MEMBER_ID_REQUIRED.code(), first.errorCode());
    assertTrue(first.memberId().startsWith("client-"), first.memberId());
    assertEquals(0, eventCount(), "MEMBER_ID_REQUIRED is not a durable fact");

    var joined = join(first.memberId()).receiveMessage();
    assertEquals(Errors.NONE.code(), joined.errorCode());
    assertEquals(first.memberId(), joined.memberId());
    assertEquals(1, joined.generationId());
    assertEquals(joined.memberId(), joined.leader());
    assertEquals("range", joined.protocolName());
    assertEquals(1, joined.members().size(), "the leader gets every member's metadata");
    assertArrayEquals(subscription("t1"), joined.members().get(0).metadata());
    assertInstanceOf(GroupEntity.GenerationStarted.class, kit.persistenceTestKit().persistedInStorage(persistenceId()).get(0));
    assertEquals(1, kit.getState().generationId());
  }

  @Test
  void versionsBelowFourJoinWithoutTheRoundTrip() {
    var joined = join("", null, (short) 3, protocols("t1")).receiveMessage();
    assertEquals(Errors.NONE.code(), joined.errorCode());
    assertEquals("range", joined.protocolName());
    assertEquals(1, joined.generationId());
  }

  @Test
  void twoMembersJoinDuringTheInitialDelayLeaderAssignsAndFollowerAssignmentsAreIgnored() {
    kit = kitFor(settings(3000, 1000));
    var aProbe = joinNew();
    var bProbe = joinNew();
    advance(3000); // B arrived during the delay: Kafka extends it once more
    aProbe.expectNoMessage(Duration.ofMillis(50));
    advance(3000);
    var a = aProbe.receiveMessage();
    var b = bProbe.receiveMessage();
    assertEquals(1, a.generationId());
    assertEquals(1, b.generationId());
    assertEquals(a.memberId(), a.leader());
    assertEquals(a.memberId(), b.leader());
    assertEquals(2, a.members().size());
    assertEquals(0, b.members().size(), "followers get no member metadata");

    // a follower's SyncGroup is parked; the assignments it carries are ignored
    var bSync = syncProbe(1, b.memberId(), null, Map.of(b.memberId(), new byte[] {9, 9}));
    bSync.expectNoMessage(Duration.ofMillis(50));
    assertEquals("CompletingRebalance", describe().groupState());
    var aSync = sync(1, a.memberId(), Map.of(a.memberId(), new byte[] {1}, b.memberId(), new byte[] {2}));
    assertArrayEquals(new byte[] {1}, aSync.assignment());
    assertEquals("consumer", aSync.protocolType());
    assertArrayEquals(new byte[] {2}, bSync.receiveMessage().assignment());

    var described = describe();
    assertEquals("Stable", described.groupState());
    assertEquals("range", described.protocolData());
    assertEquals(2, described.members().size());
    assertTrue(kit.getState().assignmentsReceived());
  }

  @Test
  void syncWithWrongGenerationOrUnknownMemberIsRejected() {
    var p = stablePair();
    assertEquals(Errors.ILLEGAL_GENERATION.code(), sync(1, p.a(), Map.of()).errorCode());
    assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), sync(2, "nobody", Map.of()).errorCode());
  }

  @Test
  void followerRejoinWithSameMetadataInStableGetsCurrentGenerationWithoutRebalance() {
    var p = stablePair();
    var again = join(p.b()).receiveMessage();
    assertEquals(Errors.NONE.code(), again.errorCode());
    assertEquals(p.generation(), again.generationId());
    assertEquals("Stable", describe().groupState());
  }

  @Test
  void aSupersededParkedJoinIsAnsweredNotDropped() {
    var p = stablePair();
    var firstTry = join(p.a());
    var secondTry = join(p.a()); // the client gave up on the first and sent another
    assertEquals(Errors.REBALANCE_IN_PROGRESS.code(), firstTry.receiveMessage().errorCode());
    var b = join(p.b());
    assertEquals(3, secondTry.receiveMessage().generationId());
    assertEquals(3, b.receiveMessage().generationId());
  }

  // ---------------------------------------------------------------- heartbeat, timeouts

  @Test
  void heartbeatIsOkWhenStableAndRebalanceInProgressDuringARebalance() {
    var p = stablePair();
    assertEquals(Errors.NONE, heartbeat(2, p.a()));
    assertEquals(Errors.NONE, heartbeat(2, p.b()));
    var aProbe = join(p.a()); // the leader rejoining starts a rebalance
    assertEquals(Errors.REBALANCE_IN_PROGRESS, heartbeat(2, p.b()));
    assertEquals("PreparingRebalance", describe().groupState());
    var bProbe = join(p.b()); // everyone rejoined: completes without waiting for the timeout
    assertEquals(3, aProbe.receiveMessage().generationId());
    assertEquals(3, bProbe.receiveMessage().generationId());
    assertEquals(Errors.ILLEGAL_GENERATION, heartbeat(2, p.b()));
    assertEquals(Errors.NONE, heartbeat(3, p.b()));
  }

  @Test
  void unknownMemberHeartbeatGetsUnknownMemberIdAndChangesNothing() {
    assertEquals(Errors.UNKNOWN_MEMBER_ID, heartbeat(0, "ghost"), "group does not exist");
    var p = stablePair();
    var events = eventCount();
    assertEquals(Errors.UNKNOWN_MEMBER_ID, heartbeat(2, "ghost"));
    assertEquals(events, eventCount());
    assertEquals("Stable", describe().groupState());
    assertEquals(Errors.NONE, heartbeat(2, p.a()));
  }

  @Test
  void sessionTimeoutRemovesAMemberAndTriggersARebalance() {
    var p = stablePair();
    advance(6000);
    assertEquals(Errors.NONE, heartbeat(2, p.a()));
    advance(4500); // B has not been heard of for 10.5 s
    assertEquals(Errors.REBALANCE_IN_PROGRESS, heartbeat(2, p.a()));
    assertEquals(Errors.UNKNOWN_MEMBER_ID, heartbeat(2, p.b()));
    var a = join(p.a()).receiveMessage();
    assertEquals(3, a.generationId());
    assertEquals(1, a.members().size());
    assertEquals(1, kit.getState().members().size());
  }

  @Test
  void rebalanceTimeoutRemovesMembersThatDidNotRejoin() {
    var p = stablePair();
    var aProbe = join(p.a());
    // a round trip first: the join (and its rebalance timer) is handled before manual time moves
    assertEquals(Errors.REBALANCE_IN_PROGRESS, heartbeat(2, p.b()));
    for (int i = 0; i < 3; i++) { // B stays alive by heartbeating but never rejoins
      advance(8000);
      assertEquals(Errors.REBALANCE_IN_PROGRESS, heartbeat(2, p.b()));
      aProbe.expectNoMessage(Duration.ofMillis(20));
    }
    advance(REBALANCE - 24_000 - 1);
    aProbe.expectNoMessage(Duration.ofMillis(20)); // not a millisecond early
    advance(1);
    var a = aProbe.receiveMessage();
    assertEquals(3, a.generationId());
    assertEquals(1, a.members().size());
    assertEquals(Errors.UNKNOWN_MEMBER_ID, heartbeat(3, p.b()));
  }

  @Test
  void membersThatNeverSyncAreRemovedAfterTheRebalanceTimeout() {
    var p = stablePair();
    var aProbe = join(p.a());
    var bProbe = join(p.b());
    assertEquals(3, aProbe.receiveMessage().generationId());
    bProbe.receiveMessage();
    var aSync = syncProbe(3, p.a(), null, Map.of(p.a(), new byte[] {1}));
    assertEquals(Errors.NONE.code(), aSync.receiveMessage().errorCode());
    for (int i = 0; i < 3; i++) {
      advance(8000);
      assertEquals(Errors.NONE, heartbeat(3, p.a()));
      assertEquals(Errors.NONE, heartbeat(3, p.b()));
    }
    advance(REBALANCE - 24_000); // B never sent SyncGroup
    assertEquals(Errors.REBALANCE_IN_PROGRESS, heartbeat(3, p.a()));
    assertEquals(Errors.UNKNOWN_MEMBER_ID, heartbeat(3, p.b()));
  }

  // ---------------------------------------------------------------- static membership, leave

  @Test
  void staticMemberRejoinReplacesItsMemberIdWithoutRebalanceAndFencesTheOldOne() {
    var a = join("", "instance-a", (short) 5, protocols("t1")).receiveMessage(); // static: no MEMBER_ID_REQUIRED
    assertEquals(Errors.NONE.code(), a.errorCode());
    assertEquals(1, a.generationId());
    sync(1, a.memberId(), Map.of(a.memberId(), new byte[] {7}));

    var again = join("", "instance-a", (short) 5, protocols("t1")).receiveMessage();
    assertEquals(Errors.NONE.code(), again.errorCode());
    assertNotEquals(a.memberId(), again.memberId());
    assertEquals(1, again.generationId(), "no rebalance");
    assertEquals(a.memberId(), again.leader(), "before v9 the old leader id is returned so the client does not reassign");
    assertEquals("Stable", describe().groupState());
    assertEquals(Errors.FENCED_INSTANCE_ID, heartbeat(1, a.memberId(), "instance-a"));
    assertEquals(Errors.NONE, heartbeat(1, again.memberId(), "instance-a"));
    assertArrayEquals(new byte[] {7}, syncProbe(1, again.memberId(), "instance-a", Map.of()).receiveMessage().assignment());

    // the replacement is durable
    kit.restart();
    assertEquals(Errors.NONE, heartbeat(1, again.memberId(), "instance-a"));
    assertEquals(Errors.FENCED_INSTANCE_ID, heartbeat(1, a.memberId(), "instance-a"));
  }

  @Test
  void staticLeaderRejoinAtV9IsToldToSkipTheAssignment() {
    var a = join("", "instance-a", (short) 9, protocols("t1")).receiveMessage();
    sync(1, a.memberId(), Map.of(a.memberId(), new byte[] {7}));
    var again = join("", "instance-a", (short) 9, protocols("t1")).receiveMessage();
    assertEquals(again.memberId(), again.leader());
    assertTrue(again.skipAssignment());
    assertEquals(1, again.members().size());
  }

  @Test
  void leaveGroupRemovesTheMemberAndRebalances() {
    var p = stablePair();
    var left = leave(p.b(), null);
    assertEquals(Errors.NONE.code(), left.members().get(0).errorCode());
    assertEquals(Errors.REBALANCE_IN_PROGRESS, heartbeat(2, p.a()));
    var a = join(p.a()).receiveMessage();
    assertEquals(3, a.generationId());
    assertEquals(1, a.members().size());
    assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), leave("ghost", null).members().get(0).errorCode());
    assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), leave("", "no-such-instance").members().get(0).errorCode());
  }

  @Test
  void leaveByGroupInstanceId() {
    var a = join("", "instance-a", (short) 5, protocols("t1")).receiveMessage();
    sync(1, a.memberId(), Map.of());
    assertEquals(Errors.NONE.code(), leave("", "instance-a").members().get(0).errorCode());
    assertEquals("Empty", describe().groupState());
    assertEquals(2, kit.getState().generationId(), "the last member leaving completes an empty generation");
  }

  // ---------------------------------------------------------------- offsets

  @Test
  void offsetsCommitAndFetchAndSurviveARestart() {
    assertEquals(Errors.NONE, commitError(commit(-1, "", "t1", 0, 42, "meta")), "simple commit creates the group");
    assertEquals(Errors.NONE, commitError(commit(-1, "", "t1", 1, 7, null)));
    var all = fetch(null);
    assertEquals("t1", all.topics().get(0).name());
    assertEquals(2, all.topics().get(0).partitions().size());
    assertEquals(42, all.topics().get(0).partitions().get(0).committedOffset());
    assertEquals("meta", all.topics().get(0).partitions().get(0).metadata());
    assertEquals(3, all.topics().get(0).partitions().get(0).committedLeaderEpoch());
    assertEquals(-1, fetched("t2", 0), "never committed");

    var restarted = kit.restart();
    assertEquals(2, restarted.state().offsets().size());
    assertEquals(42, fetched("t1", 0));
    assertEquals(7, fetched("t1", 1));
    assertEquals("meta", fetch(List.of(new TopicPartition("t1", 0))).topics().get(0).partitions().get(0).metadata());
  }

  @Test
  void commitRulesFollowKafka() {
    assertEquals(Errors.ILLEGAL_GENERATION, commitError(commit(5, "someone", "t1", 0, 1, "")), "unknown group, group-managed commit");
    var p = stablePair();
    assertEquals(Errors.NONE, commitError(commit(2, p.a(), "t1", 0, 10, "")));
    assertEquals(Errors.ILLEGAL_GENERATION, commitError(commit(1, p.a(), "t1", 0, 11, "")), "stale generation");
    assertEquals(Errors.UNKNOWN_MEMBER_ID, commitError(commit(2, "ghost", "t1", 0, 11, "")));
    assertEquals(Errors.UNKNOWN_MEMBER_ID, commitError(commit(-1, "", "t1", 0, 11, "")), "simple commit to a group with members");
    assertEquals(Errors.OFFSET_METADATA_TOO_LARGE, commitError(commit(2, p.a(), "t1", 0, 11, "x".repeat(5000))));
    assertEquals(10, fetched("t1", 0), "rejected commits change nothing");

    var aProbe = join(p.a()); // PreparingRebalance: commits of the current generation are still accepted
    assertEquals(Errors.NONE, commitError(commit(2, p.b(), "t1", 1, 5, "")));
    var bProbe = join(p.b());
    aProbe.receiveMessage();
    bProbe.receiveMessage();
    assertEquals(Errors.REBALANCE_IN_PROGRESS, commitError(commit(3, p.b(), "t1", 1, 6, "")), "CompletingRebalance");
    assertEquals(5, fetched("t1", 1));
  }

  @Test
  void snapshotsBoundRecovery() {
    kit = kitFor(settings(0, 3));
    for (int i = 1; i <= 7; i++) commit(-1, "", "t1", i % 2, i * 100L, "m" + i);
    var snapshots = kit.snapshotTestKit().orElseThrow().persistedInStorage(persistenceId());
    assertTrue(snapshots.size() >= 1, "snapshots taken: " + snapshots.size());
    kit.restart();
    assertEquals(700, fetched("t1", 1));
    assertEquals(600, fetched("t1", 0));
  }

  @Test
  void offsetsOfAGroupThatBecameEmptyExpireAfterTheRetention() {
    var p = stablePair();
    commit(2, p.a(), "t1", 0, 10, "");
    for (int i = 0; i < 9; i++) { // the group has members: nothing expires however old
      advance(8000);
      assertEquals(Errors.NONE, heartbeat(2, p.a()));
      assertEquals(Errors.NONE, heartbeat(2, p.b()));
    }
    assertEquals(10, fetched("t1", 0));

    leave(p.a(), null);
    leave(p.b(), null);
    assertEquals("Empty", describe().groupState());
    advance(RETENTION - CHECK);
    assertEquals(10, fetched("t1", 0), "not yet");
    advance(2 * CHECK);
    assertEquals(-1, fetched("t1", 0));
    assertEquals("Dead", describe().groupState(), "an empty group without offsets is gone");
  }

  @Test
  void offsetsOfASimpleGroupExpireByCommitTime() {
    commit(-1, "", "t1", 0, 1, "");
    advance(RETENTION / 2);
    commit(-1, "", "t1", 1, 2, "");
    advance(RETENTION / 2 + CHECK);
    assertEquals(-1, fetched("t1", 0));
    assertEquals(2, fetched("t1", 1));
  }

  @Test
  void deleteGroupRules() {
    assertEquals(Errors.GROUP_ID_NOT_FOUND, deleteGroup());
    var p = stablePair();
    commit(2, p.a(), "t1", 0, 10, "");
    assertEquals(Errors.NON_EMPTY_GROUP, deleteGroup());
    leave(p.a(), null);
    leave(p.b(), null);
    assertEquals(Errors.NONE, deleteGroup());
    assertEquals("Dead", describe().groupState());
    assertEquals(-1, fetched("t1", 0));
    assertEquals(Errors.GROUP_ID_NOT_FOUND, deleteGroup());
    kit.restart();
    assertEquals(-1, fetched("t1", 0));
    assertEquals(0, kit.getState().generationId());
  }

  @Test
  void deleteOffsetsRefusesTopicsTheGroupSubscribesTo() {
    TestProbe<OffsetDeleteResponseData> probe = testKit.createTestProbe();
    kit.runCommand(new GroupEntity.DeleteOffsets(List.of(new TopicPartition("t1", 0)), probe.getRef()));
    assertEquals(Errors.GROUP_ID_NOT_FOUND.code(), probe.receiveMessage().errorCode());

    var p = stablePair(); // subscribed to t1
    commit(2, p.a(), "t1", 0, 10, "");
    commit(2, p.a(), "other", 0, 20, "");
    kit.runCommand(new GroupEntity.DeleteOffsets(List.of(new TopicPartition("t1", 0), new TopicPartition("other", 0)), probe.getRef()));
    var r = probe.receiveMessage();
    assertEquals(Errors.NONE.code(), r.errorCode());
    assertEquals(Errors.GROUP_SUBSCRIBED_TO_TOPIC.code(), r.topics().find("t1").partitions().find(0).errorCode());
    assertEquals(Errors.NONE.code(), r.topics().find("other").partitions().find(0).errorCode());
    assertEquals(10, fetched("t1", 0));
    assertEquals(-1, fetched("other", 0));
  }

  @Test
  void offsetsOfDeletedTopicsAreRemoved() {
    commit(-1, "", "t1", 0, 1, "");
    commit(-1, "", "t2", 0, 2, "");
    TestProbe<Done> probe = testKit.createTestProbe();
    kit.runCommand(new GroupEntity.RemoveTopicOffsets(Set.of("t1"), probe.getRef()));
    probe.receiveMessage();
    assertEquals(-1, fetched("t1", 0));
    assertEquals(2, fetched("t2", 0));
  }

  // ---------------------------------------------------------------- failed persists

  // The entity is spawned directly here: EventSourcedBehaviorTestKit.runCommand waits for the state, which
  // a restarting or stopped entity does not give.

  private ActorRef<Command> spawnEntity() {
    return testKit.spawn(GroupEntity.create("g" + groups.incrementAndGet(), settings(0, 1000), now::get));
  }

  private <R> R ask(ActorRef<Command> entity, java.util.function.Function<ActorRef<R>, Command> command) {
    TestProbe<R> probe = testKit.createTestProbe();
    entity.tell(command.apply(probe.getRef()));
    return probe.receiveMessage();
  }

  private static GroupEntity.CommitOffsets simpleCommit(long offset, ActorRef<OffsetCommitResponseData> replyTo) {
    return new GroupEntity.CommitOffsets(-1, "", null, List.of(new GroupEntity.PartitionOffset("t1", 0, offset, 3, "")), replyTo);
  }

  private static long committedOffset(OffsetFetchResponseGroup r) {
    return r.topics().get(0).partitions().get(0).committedOffset();
  }

  @Test
  void aCommitWhoseEventIsNotPersistedIsAnsweredCoordinatorNotAvailableAndChangesNothing() {
    var journal = PersistenceTestKit.create(testKit.system());
    var entity = spawnEntity();
    assertEquals(Errors.NONE, commitError(ask(entity, r -> simpleCommit(42, r))));
    journal.failNextPersisted();
    assertEquals(Errors.COORDINATOR_NOT_AVAILABLE, commitError(ask(entity, r -> simpleCommit(43, r))));
    advance(1000); // the entity restarts after its back-off, on the manual clock
    OffsetFetchResponseGroup fetched = ask(entity, r -> new GroupEntity.FetchOffsets(List.of(new TopicPartition("t1", 0)), r));
    assertEquals(42, committedOffset(fetched));
    assertEquals(1, journal.persistedInStorage(persistenceId()).size());
  }

  @Test
  void aRejectedEventIsAnsweredCoordinatorNotAvailable() {
    var journal = PersistenceTestKit.create(testKit.system());
    var entity = spawnEntity();
    journal.rejectNextPersisted();
    assertEquals(Errors.COORDINATOR_NOT_AVAILABLE, commitError(ask(entity, r -> simpleCommit(43, r))));
    assertEquals(0, journal.persistedInStorage(persistenceId()).size());
  }

  @Test
  void aLeaderSyncWhoseAssignmentIsNotPersistedFailsEveryParkedSyncAndTheGroupRebalances() {
    var journal = PersistenceTestKit.create(testKit.system());
    var entity = spawnEntity();
    JoinGroupResponseData required = ask(entity, r -> joinCommand("", r));
    JoinGroupResponseData a = ask(entity, r -> joinCommand(required.memberId(), r));
    assertEquals(1, a.generationId());
    SyncGroupResponseData synced = ask(entity, r -> new GroupEntity.Sync(1, a.memberId(), null, "consumer", "range", Map.of(), r));
    assertEquals(Errors.NONE.code(), synced.errorCode());
    JoinGroupResponseData requiredB = ask(entity, r -> joinCommand("", r));
    TestProbe<JoinGroupResponseData> bJoin = testKit.createTestProbe();
    entity.tell(joinCommand(requiredB.memberId(), bJoin.getRef()));
    JoinGroupResponseData a2 = ask(entity, r -> joinCommand(a.memberId(), r));
    var b2 = bJoin.receiveMessage();
    assertEquals(2, a2.generationId());
    TestProbe<SyncGroupResponseData> followerSync = testKit.createTestProbe();
    entity.tell(new GroupEntity.Sync(2, b2.memberId(), null, "consumer", "range", Map.of(), followerSync.getRef()));
    var events = journal.persistedInStorage(persistenceId()).size();

    journal.failNextPersisted();
    SyncGroupResponseData leaderSync = ask(entity, r -> new GroupEntity.Sync(2, a2.memberId(), null, "consumer", "range",
        Map.of(a2.memberId(), new byte[] {1}, b2.memberId(), new byte[] {2}), r));
    assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(), leaderSync.errorCode());
    assertEquals(Errors.COORDINATOR_NOT_AVAILABLE.code(), followerSync.receiveMessage().errorCode());
    advance(1000);
    assertEquals(events, journal.persistedInStorage(persistenceId()).size(), "the assignment is not half-applied");
    HeartbeatResponseData hb = ask(entity, r -> new GroupEntity.Heartbeat(2, a2.memberId(), null, r));
    assertEquals(Errors.REBALANCE_IN_PROGRESS.code(), hb.errorCode(), "generation 2 never got its assignment: rejoin");
  }

  private static GroupEntity.Join joinCommand(String memberId, ActorRef<JoinGroupResponseData> replyTo) {
    return new GroupEntity.Join(memberId, null, "consumer", protocols("t1"), SESSION, REBALANCE, "client", "/127.0.0.1", (short) 9, replyTo);
  }

  // ---------------------------------------------------------------- recovery of membership, overview

  @Test
  void aStableGroupStaysStableAcrossARestart() {
    var p = stablePair();
    kit.restart();
    assertEquals(Errors.NONE, heartbeat(2, p.a()));
    assertEquals(Errors.NONE, heartbeat(2, p.b()));
    var d = describe();
    assertEquals("Stable", d.groupState());
    assertEquals(2, d.members().size());
    assertArrayEquals(new byte[] {2}, syncProbe(2, p.b(), null, Map.of()).receiveMessage().assignment());
  }

  @Test
  void aGenerationWithoutAssignmentIsRebalancedAfterARestart() {
    var p = stablePair();
    var aProbe = join(p.a());
    var bProbe = join(p.b());
    aProbe.receiveMessage();
    bProbe.receiveMessage(); // generation 3 started, leader has not synced
    kit.restart();
    assertEquals(Errors.REBALANCE_IN_PROGRESS, heartbeat(3, p.a()));
    var a = join(p.a());
    var b = join(p.b());
    assertEquals(4, a.receiveMessage().generationId());
    assertEquals(4, b.receiveMessage().generationId());
  }

  @Test
  void overviewForListGroups() {
    TestProbe<ListedGroup> probe = testKit.createTestProbe();
    kit.runCommand(new GroupEntity.GetOverview(probe.getRef()));
    assertEquals("Dead", probe.receiveMessage().groupState());
    stablePair();
    kit.runCommand(new GroupEntity.GetOverview(probe.getRef()));
    var o = probe.receiveMessage();
    assertEquals("Stable", o.groupState());
    assertEquals("consumer", o.protocolType());
  }

  @Test
  void inconsistentProtocolsAreRejected() {
    stablePair();
    TestProbe<JoinGroupResponseData> probe = testKit.createTestProbe();
    kit.runCommand(new GroupEntity.Join("", null, "consumer", List.of(new GroupEntity.Protocol("sticky", new byte[0])), SESSION,
        REBALANCE, "client", "/127.0.0.1", (short) 3, probe.getRef()));
    assertEquals(Errors.INCONSISTENT_GROUP_PROTOCOL.code(), probe.receiveMessage().errorCode());
    kit.runCommand(new GroupEntity.Join("", null, "consumer", protocols("t1"), 10, REBALANCE, "client", "/127.0.0.1", (short) 3,
        probe.getRef()));
    assertEquals(Errors.INVALID_SESSION_TIMEOUT.code(), probe.receiveMessage().errorCode());
    var all = new ArrayList<>(kit.persistenceTestKit().persistedInStorage(persistenceId()));
    assertTrue(all.stream().noneMatch(e -> e instanceof GroupEntity.GroupDeleted));
  }
}
