package io.tributary.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.node.BrokerNode;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.FindCoordinatorRequest;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.HeartbeatRequest;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.JoinGroupRequest;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.requests.ListGroupsRequest;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.OffsetCommitRequest;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetDeleteRequest;
import org.apache.kafka.common.requests.OffsetDeleteResponse;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.SyncGroupRequest;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Raw protocol requests (kafka-clients' request classes over a socket): bad input gets Kafka's
 * error code and leaves the group as it was; old and batched versions answer as Kafka does.
 */
class GroupErrorsTest {
  @TempDir
  Path dataDir;

  static final String GROUP = "g-raw";

  static byte[] subscription(String topic) {
    return Utils.toArray(ConsumerProtocol.serializeSubscription(new ConsumerPartitionAssignor.Subscription(List.of(topic))));
  }

  static byte[] assignment(TopicPartition... partitions) {
    return Utils.toArray(ConsumerProtocol.serializeAssignment(new ConsumerPartitionAssignor.Assignment(List.of(partitions))));
  }

  static JoinGroupRequest.Builder join(String group, String memberId, String topic) {
    var protocols = new JoinGroupRequestProtocolCollection();
    protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(subscription(topic)));
    return new JoinGroupRequest.Builder(new JoinGroupRequestData()
        .setGroupId(group).setMemberId(memberId).setSessionTimeoutMs(30000).setRebalanceTimeoutMs(30000)
        .setProtocolType("consumer").setProtocols(protocols));
  }

  static SyncGroupRequest.Builder sync(String group, int generation, String memberId, Map<String, byte[]> assignments) {
    var data = new SyncGroupRequestData().setGroupId(group).setGenerationId(generation).setMemberId(memberId)
        .setProtocolType("consumer").setProtocolName("range");
    assignments.forEach((m, a) -> data.assignments().add(new SyncGroupRequestAssignment().setMemberId(m).setAssignment(a)));
    return new SyncGroupRequest.Builder(data);
  }

  static HeartbeatRequest.Builder heartbeat(String group, int generation, String memberId) {
    return new HeartbeatRequest.Builder(new HeartbeatRequestData().setGroupId(group).setGenerationId(generation).setMemberId(memberId));
  }

  static DescribedGroup describe(RawClient client, String group) throws Exception {
    DescribeGroupsResponse r = client.send(new DescribeGroupsRequest.Builder(new DescribeGroupsRequestData().setGroups(List.of(group))), 5);
    return r.data().groups().get(0);
  }

  static String snapshot(DescribedGroup g) {
    var b = new StringBuilder(g.groupState()).append('|').append(g.protocolData());
    g.members().stream().sorted((x, y) -> x.memberId().compareTo(y.memberId())).forEach(m ->
        b.append('|').append(m.memberId()).append('=').append(ByteBuffer.wrap(m.memberAssignment())));
    return b.toString();
  }

  @Test
  void badInputGetsKafkasErrorAndLeavesTheGroupUnchanged() throws Exception {
    try (BrokerNode node = TestBrokers.start(dataDir, ConsumerGroupTest.NO_DELAY);
         RawClient a = new RawClient("127.0.0.1", node.port());
         RawClient b = new RawClient("127.0.0.1", node.port())) {
      String topic = "raw-t";
      try (Admin admin = Admin.create(TestBrokers.adminProps(node))) {
        admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
      }
      // member a forms generation 1 alone (MEMBER_ID_REQUIRED round trip first)
      JoinGroupResponse ja = a.send(join(GROUP, "", topic), 9);
      assertEquals(Errors.MEMBER_ID_REQUIRED, ja.error());
      String memberA = ja.data().memberId();
      ja = a.send(join(GROUP, memberA, topic), 9);
      assertEquals(Errors.NONE, ja.error());
      assertEquals(1, ja.data().generationId());
      assertEquals(memberA, ja.data().leader());
      SyncGroupResponse sa = a.send(sync(GROUP, 1, memberA, Map.of(memberA, assignment(new TopicPartition(topic, 0), new TopicPartition(topic, 1)))), 5);
      assertEquals(Errors.NONE, sa.error());

      // member b joins: its JoinGroup is parked until a rejoins
      JoinGroupResponse jb = b.send(join(GROUP, "", topic), 9);
      String memberB = jb.data().memberId();
      var parkedB = CompletableFuture.supplyAsync(() -> call(() -> b.<JoinGroupResponse>send(join(GROUP, memberB, topic), 9)));
      await("rebalance started").atMost(ConsumerGroupTest.WAIT).until(() -> call(() -> {
        HeartbeatResponse h = a.send(heartbeat(GROUP, 1, memberA), 4);
        return h.error() == Errors.REBALANCE_IN_PROGRESS;
      }));
      ja = a.send(join(GROUP, memberA, topic), 9);
      jb = parkedB.get(30, TimeUnit.SECONDS);
      assertEquals(Errors.NONE, ja.error());
      assertEquals(Errors.NONE, jb.error());
      assertEquals(2, ja.data().generationId());
      assertEquals(memberA, jb.data().leader());
      assertEquals(2, ja.data().members().size());
      assertTrue(jb.data().members().isEmpty(), "only the leader gets the member list");

      // the follower b sends assignments of its own: ignored; the leader's count
      byte[] forA = assignment(new TopicPartition(topic, 0));
      byte[] forB = assignment(new TopicPartition(topic, 1));
      byte[] evil = assignment(new TopicPartition(topic, 0), new TopicPartition(topic, 1));
      var parkedSyncB = CompletableFuture.supplyAsync(() -> call(() ->
          b.<SyncGroupResponse>send(sync(GROUP, 2, memberB, Map.of(memberA, evil, memberB, evil)), 5)));
      sa = a.send(sync(GROUP, 2, memberA, Map.of(memberA, forA, memberB, forB)), 5);
      assertEquals(Errors.NONE, sa.error());
      assertArrayEquals(forA, sa.data().assignment());
      SyncGroupResponse sb = parkedSyncB.get(30, TimeUnit.SECONDS);
      assertEquals(Errors.NONE, sb.error());
      assertArrayEquals(forB, sb.data().assignment());

      String stable = snapshot(describe(a, GROUP));
      assertTrue(stable.startsWith("Stable|range|"), stable);

      // a non-leader's SyncGroup with assignments once Stable: its current assignment, nothing changes
      sb = b.send(sync(GROUP, 2, memberB, Map.of(memberA, evil, memberB, evil)), 5);
      assertEquals(Errors.NONE, sb.error());
      assertArrayEquals(forB, sb.data().assignment());
      assertEquals(stable, snapshot(describe(a, GROUP)));

      // a heartbeat from an unknown member, and one of an old generation
      HeartbeatResponse h = a.send(heartbeat(GROUP, 2, "nobody-" + memberA), 4);
      assertEquals(Errors.UNKNOWN_MEMBER_ID, h.error());
      h = a.send(heartbeat(GROUP, 1, memberA), 4);
      assertEquals(Errors.ILLEGAL_GENERATION, h.error());
      h = a.send(heartbeat("g-never-existed", 1, memberA), 0);
      assertEquals(Errors.UNKNOWN_MEMBER_ID, h.error());
      assertEquals(stable, snapshot(describe(a, GROUP)));
      assertEquals(Errors.NONE, a.<HeartbeatResponse>send(heartbeat(GROUP, 2, memberA), 4).error());

      // an OffsetCommit to a topic that does not exist (and to a partition beyond the count)
      var commit = new OffsetCommitRequestData().setGroupId(GROUP).setGenerationIdOrMemberEpoch(2).setMemberId(memberA);
      commit.topics().add(new OffsetCommitRequestTopic().setName("no-such-topic")
          .setPartitions(List.of(new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(5))));
      commit.topics().add(new OffsetCommitRequestTopic().setName(topic).setPartitions(List.of(
          new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(7).setCommittedMetadata("m"),
          new OffsetCommitRequestPartition().setPartitionIndex(9).setCommittedOffset(7))));
      OffsetCommitResponse c = a.send(new OffsetCommitRequest.Builder(commit), 9);
      var errors = new java.util.HashMap<TopicPartition, Errors>();
      c.data().topics().forEach(t -> t.partitions().forEach(p ->
          errors.put(new TopicPartition(t.name(), p.partitionIndex()), Errors.forCode(p.errorCode()))));
      assertEquals(Map.of(new TopicPartition("no-such-topic", 0), Errors.UNKNOWN_TOPIC_OR_PARTITION,
          new TopicPartition(topic, 0), Errors.NONE,
          new TopicPartition(topic, 9), Errors.UNKNOWN_TOPIC_OR_PARTITION), errors);
      var allOfGroup = new java.util.HashMap<String, List<TopicPartition>>();
      allOfGroup.put(GROUP, null);
      OffsetFetchResponse f = a.send(new OffsetFetchRequest.Builder(allOfGroup, true, false), 9);
      var fetched = f.partitionDataMap(GROUP);
      assertEquals(Map.of(new TopicPartition(topic, 0), 7L), Map.of(fetched.keySet().iterator().next(),
          fetched.values().iterator().next().offset));
      assertEquals(1, fetched.size());
      assertEquals(stable, snapshot(describe(a, GROUP)));

      // empty group id: INVALID_GROUP_ID wherever Kafka requires a group id
      for (int v : new int[] {0, 4, 9}) {
        JoinGroupResponse j = a.send(join("", "", topic), v);
        assertEquals(Errors.INVALID_GROUP_ID, j.error(), "JoinGroup v" + v);
      }
      assertEquals(Errors.INVALID_GROUP_ID, a.<HeartbeatResponse>send(heartbeat("", 2, memberA), 4).error());
      assertEquals(Errors.INVALID_GROUP_ID, a.<SyncGroupResponse>send(sync("", 2, memberA, Map.of()), 5).error());
      LeaveGroupResponse l = a.send(new LeaveGroupRequest.Builder("", List.of(new MemberIdentity().setMemberId(memberA))), 5);
      assertEquals(Errors.INVALID_GROUP_ID, l.topLevelError());
      OffsetDeleteResponse od = a.send(new OffsetDeleteRequest.Builder(new OffsetDeleteRequestData().setGroupId("")), 0);
      assertEquals(Errors.INVALID_GROUP_ID.code(), od.data().errorCode());
      assertEquals(stable, snapshot(describe(a, GROUP)));
      ListGroupsResponse lg = a.send(new ListGroupsRequest.Builder(new ListGroupsRequestData()), 5);
      assertEquals(List.of(GROUP), lg.data().groups().stream().map(g -> g.groupId()).toList());
      assertEquals("Stable", lg.data().groups().get(0).groupState());
      assertEquals("classic", lg.data().groups().get(0).groupType());

      // batched leave (v3+): a leaves, b is told to rejoin
      LeaveGroupResponse leave = a.send(new LeaveGroupRequest.Builder(GROUP, List.of(new MemberIdentity().setMemberId(memberA),
          new MemberIdentity().setMemberId("nobody"))), 5);
      assertEquals(Errors.NONE, leave.topLevelError());
      assertEquals(Errors.NONE.code(), leave.data().members().get(0).errorCode());
      assertEquals(Errors.UNKNOWN_MEMBER_ID.code(), leave.data().members().get(1).errorCode());
      assertEquals("PreparingRebalance", describe(a, GROUP).groupState());
    }
  }

  @Test
  void oldAndBatchedVersionsAnswerAsKafka() throws Exception {
    try (BrokerNode node = TestBrokers.start(dataDir, ConsumerGroupTest.NO_DELAY);
         RawClient client = new RawClient("127.0.0.1", node.port())) {
      String topic = "old-t";
      try (Admin admin = Admin.create(TestBrokers.adminProps(node))) {
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
      }
      // FindCoordinator v0 (no key type), v3, v4 batched, and transaction keys
      FindCoordinatorResponse fc = client.send(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData().setKey("g-old")), 0);
      assertEquals(Errors.NONE, fc.error());
      assertEquals(node.port(), fc.data().port());
      assertEquals(node.settings().nodeId(), fc.data().nodeId());
      fc = client.send(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData().setKey("g-old").setKeyType((byte) 0)), 3);
      assertEquals("NONE", fc.data().errorMessage());
      fc = client.send(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData().setKeyType((byte) 0)
          .setCoordinatorKeys(List.of("g1", "g2"))), 6);
      assertEquals(2, fc.data().coordinators().size());
      fc.data().coordinators().forEach(co -> {
        assertEquals(Errors.NONE.code(), co.errorCode());
        assertEquals(node.port(), co.port());
        assertEquals("", co.errorMessage(), "Kafka 3.9 leaves the v4+ error message unset");
      });
      fc = client.send(new FindCoordinatorRequest.Builder(new FindCoordinatorRequestData().setKeyType((byte) 1)
          .setCoordinatorKeys(List.of("tx"))), 4);
      // the transaction coordinator of "tx" is this node (the transaction state topic is created on this first lookup)
      assertEquals(Errors.NONE.code(), fc.data().coordinators().get(0).errorCode());
      assertEquals(node.settings().nodeId(), fc.data().coordinators().get(0).nodeId());

      // a v0 member: no member id round trip, rebalance timeout = session timeout
      JoinGroupResponse j = client.send(join("g-old", "", topic), 0);
      assertEquals(Errors.NONE, j.error());
      String member = j.data().memberId();
      assertEquals(member, j.data().leader());
      assertEquals("range", j.data().protocolName());
      SyncGroupResponse s = client.send(sync("g-old", 1, member, Map.of(member, assignment(new TopicPartition(topic, 0)))), 0);
      assertEquals(Errors.NONE, s.error());
      assertEquals(Errors.NONE, client.<HeartbeatResponse>send(heartbeat("g-old", 1, member), 0).error());
      // OffsetCommit v2 with generation, OffsetFetch v1 (top-level form, no top-level error)
      var commit = new OffsetCommitRequestData().setGroupId("g-old").setGenerationIdOrMemberEpoch(1).setMemberId(member);
      commit.topics().add(new OffsetCommitRequestTopic().setName(topic)
          .setPartitions(List.of(new OffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(42))));
      OffsetCommitResponse c = client.send(new OffsetCommitRequest.Builder(commit), 2);
      assertEquals(Errors.NONE.code(), c.data().topics().get(0).partitions().get(0).errorCode());
      OffsetFetchResponse f = client.send(new OffsetFetchRequest.Builder("g-old", false, List.of(new TopicPartition(topic, 0)), false), 1);
      assertEquals(42L, f.data().topics().get(0).partitions().get(0).committedOffset());
      // OffsetFetch v8: two groups in one request, one of them unknown
      var multi = new java.util.LinkedHashMap<String, List<TopicPartition>>();
      multi.put("g-old", null);
      multi.put("g-none", List.of(new TopicPartition(topic, 0)));
      OffsetFetchResponse m = client.send(new OffsetFetchRequest.Builder(multi, false, false), 8);
      assertEquals(42L, m.partitionDataMap("g-old").get(new TopicPartition(topic, 0)).offset);
      assertEquals(-1L, m.partitionDataMap("g-none").get(new TopicPartition(topic, 0)).offset);
      // ListGroups v0 and the v4 states filter
      ListGroupsResponse lg = client.send(new ListGroupsRequest.Builder(new ListGroupsRequestData()), 0);
      assertEquals(List.of("g-old"), lg.data().groups().stream().map(g -> g.groupId()).toList());
      lg = client.send(new ListGroupsRequest.Builder(new ListGroupsRequestData().setStatesFilter(List.of("Empty"))), 4);
      assertTrue(lg.data().groups().isEmpty());
      lg = client.send(new ListGroupsRequest.Builder(new ListGroupsRequestData().setTypesFilter(List.of("consumer"))), 5);
      assertTrue(lg.data().groups().isEmpty());
      // LeaveGroup v0: top-level error only
      LeaveGroupResponse l = client.send(new LeaveGroupRequest.Builder("g-old", List.of(new MemberIdentity().setMemberId(member))), 0);
      assertEquals(Errors.NONE, l.error());
      assertEquals("Empty", describe(client, "g-old").groupState());
    }
  }

  @Test
  void gracefulShutdownAnswersAParkedJoinAtOnce() throws Exception {
    BrokerNode node = TestBrokers.start(dataDir, ConsumerGroupTest.NO_DELAY);
    try (RawClient a = new RawClient("127.0.0.1", node.port()); RawClient b = new RawClient("127.0.0.1", node.port())) {
      JoinGroupResponse ja = a.send(join("g-shutdown", "", "t"), 9);
      String memberA = ja.data().memberId();
      ja = a.send(join("g-shutdown", memberA, "t"), 9);
      assertEquals(Errors.NONE, ja.error());
      JoinGroupResponse jb = b.send(join("g-shutdown", "", "t"), 9);
      String memberB = jb.data().memberId();
      // b's join waits for a to rejoin, up to the 30 s rebalance timeout
      var parkedB = CompletableFuture.supplyAsync(() -> call(() -> b.<JoinGroupResponse>send(join("g-shutdown", memberB, "t"), 9)));
      await("rebalance started").atMost(ConsumerGroupTest.WAIT).until(() -> call(() ->
          a.<HeartbeatResponse>send(heartbeat("g-shutdown", 1, memberA), 4).error() == Errors.REBALANCE_IN_PROGRESS));
      long start = System.nanoTime();
      node.close();
      long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertEquals(Errors.COORDINATOR_NOT_AVAILABLE, parkedB.get(10, TimeUnit.SECONDS).error());
      assertTrue(tookMs < 8000, "shutdown took " + tookMs + " ms");
    } finally {
      node.close();
    }
  }

  interface Call<T> {
    T run() throws Exception;
  }

  static <T> T call(Call<T> c) {
    try {
      return c.run();
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
  }
}
