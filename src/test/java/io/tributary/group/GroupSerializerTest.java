package io.tributary.group;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.Adapter;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializers;
import com.typesafe.config.ConfigFactory;
import io.tributary.group.GroupEntity.CommittedOffset;
import io.tributary.group.GroupEntity.MemberRecord;
import java.lang.reflect.RecordComponent;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.AssertionFailedError;

/** Every persisted or remotely sent message of the group package goes through GroupSerializer and back unchanged. */
class GroupSerializerTest {

  private static final ActorTestKit testKit =
      ActorTestKit.create(ConfigFactory.parseString("akka.actor.provider = local").withFallback(ConfigFactory.load()));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static final byte[] META = {0, 1, 2, 3};
  private static final MemberRecord MEMBER = new MemberRecord("c-1", "inst", "client", "/10.0.0.1", 30000, 10000, META, new byte[] {9});
  private static final MemberRecord DYNAMIC = new MemberRecord("c-2", null, "client", "/10.0.0.2", 30000, 10000, new byte[0], new byte[0]);

  private static List<Object> fixtures() {
    ActorRef<Object> ref = testKit.createTestProbe().getRef();
    var offsets = Map.of(new TopicPartition("t1", 0), new CommittedOffset(42, 3, "meta", 1000L),
        new TopicPartition("t1", 1), new CommittedOffset(7, -1, "", 1001L),
        new TopicPartition("t2", 5), new CommittedOffset(0, 0, "ünïcødé", 1002L));
    var assignments = new LinkedHashMap<String, byte[]>();
    assignments.put("c-1", new byte[] {1});
    assignments.put("c-2", new byte[0]);
    var topics = new LinkedHashSet<>(List.of("a", "b"));
    return List.of(
        // events and snapshot state
        new GroupEntity.GenerationStarted(3, "consumer", "range", "c-1", List.of(MEMBER, DYNAMIC), 123L),
        new GroupEntity.GenerationStarted(4, "consumer", null, null, List.of(), 124L),
        new GroupEntity.AssignmentsReceived(3, assignments),
        new GroupEntity.StaticMemberReplaced("c-0", MEMBER),
        new GroupEntity.OffsetsCommitted(offsets),
        new GroupEntity.OffsetsDeleted(List.of(new TopicPartition("t1", 0), new TopicPartition("t2", 5))),
        new GroupEntity.GroupDeleted(99L),
        new GroupEntity.State(3, "consumer", "range", "c-1", List.of(MEMBER, DYNAMIC), true, 5L, offsets),
        GroupEntity.State.INITIAL,
        new GroupEntity.State(3, "consumer", "range", "c-1", List.of(MEMBER), true, 5L, offsets,
            Map.of(1000L, offsets, 1001L, Map.of(new TopicPartition("t3", 0), new CommittedOffset(5, -1, "", 9L)))),
        new GroupEntity.TxnOffsetsPending(1000L, offsets),
        new GroupEntity.TxnOffsetsCompleted(1000L, true),
        new GroupEntity.TxnOffsetsCompleted(1001L, false),
        // commands
        new GroupEntity.Join("", null, "consumer", List.of(new GroupEntity.Protocol("range", META), new GroupEntity.Protocol("rr", new byte[0])),
            10000, 30000, "client", "/127.0.0.1", (short) 9, ref.narrow()),
        new GroupEntity.Join("c-1", "inst", "consumer", List.of(), 10000, 30000, "client", "/127.0.0.1", (short) 5, ref.narrow()),
        new GroupEntity.Sync(3, "c-1", "inst", "consumer", "range", assignments, ref.narrow()),
        new GroupEntity.Sync(3, "c-2", null, null, null, Map.of(), ref.narrow()),
        new GroupEntity.Heartbeat(3, "c-1", null, ref.narrow()),
        new GroupEntity.Leave(List.of(new GroupEntity.LeavingMember("c-1", null), new GroupEntity.LeavingMember("", "inst")), ref.narrow()),
        new GroupEntity.CommitOffsets(-1, "", null, List.of(new GroupEntity.PartitionOffset("t1", 0, 42, -1, null),
            new GroupEntity.PartitionOffset("t1", 1, 43, 2, "m")), ref.narrow()),
        new GroupEntity.FetchOffsets(null, ref.narrow()),
        new GroupEntity.FetchOffsets(List.of(new TopicPartition("t1", 0)), ref.narrow()),
        new GroupEntity.FetchOffsets(List.of(new TopicPartition("t1", 0)), true, ref.narrow()),
        new GroupEntity.FetchOffsets(null, true, ref.narrow()),
        new GroupEntity.TxnCommitOffsets(1000L, (short) 3, -1, "", null,
            List.of(new GroupEntity.PartitionOffset("t1", 0, 42, -1, null)), ref.narrow()),
        new GroupEntity.TxnCommitOffsets(1000L, (short) 3, 4, "c-1", "inst",
            List.of(new GroupEntity.PartitionOffset("t1", 1, 43, 2, "m")), ref.narrow()),
        new GroupEntity.CompleteTxnOffsets(1000L, (short) 3, true, ref.narrow()),
        new GroupEntity.Describe(ref.narrow()),
        new GroupEntity.GetOverview(ref.narrow()),
        new GroupEntity.DeleteGroup(ref.narrow()),
        new GroupEntity.DeleteOffsets(List.of(new TopicPartition("t1", 0)), ref.narrow()),
        new GroupEntity.RemoveTopicOffsets(topics, ref.narrow()),
        new GroupEntity.Unload(),
        // replies (kafka-clients generated messages)
        new JoinGroupResponseData().setErrorCode(Errors.NONE.code()).setGenerationId(3).setProtocolType("consumer")
            .setProtocolName("range").setLeader("c-1").setSkipAssignment(true).setMemberId("c-1")
            .setMembers(List.of(new JoinGroupResponseMember().setMemberId("c-1").setGroupInstanceId("inst").setMetadata(META))),
        new JoinGroupResponseData().setErrorCode(Errors.MEMBER_ID_REQUIRED.code()).setMemberId("c-9").setProtocolName(null),
        new SyncGroupResponseData().setProtocolType("consumer").setProtocolName("range").setAssignment(META),
        new HeartbeatResponseData().setErrorCode(Errors.REBALANCE_IN_PROGRESS.code()),
        new LeaveGroupResponseData().setMembers(List.of(new LeaveGroupResponseData.MemberResponse().setMemberId("c-1")
            .setGroupInstanceId("inst").setErrorCode(Errors.UNKNOWN_MEMBER_ID.code()))),
        new OffsetCommitResponseData().setTopics(List.of(new OffsetCommitResponseData.OffsetCommitResponseTopic().setName("t1")
            .setPartitions(List.of(new OffsetCommitResponseData.OffsetCommitResponsePartition().setPartitionIndex(1).setErrorCode((short) 22))))),
        new OffsetFetchResponseGroup().setGroupId("g").setTopics(List.of(new OffsetFetchResponseTopics().setName("t1")
            .setPartitions(List.of(new OffsetFetchResponsePartitions().setPartitionIndex(0).setCommittedOffset(42).setCommittedLeaderEpoch(3).setMetadata("m"))))),
        new DescribedGroup().setGroupId("g").setGroupState("Stable").setProtocolType("consumer").setProtocolData("range")
            .setMembers(List.of(new DescribedGroupMember().setMemberId("c-1").setGroupInstanceId("inst").setClientId("client")
                .setClientHost("/h").setMemberMetadata(META).setMemberAssignment(new byte[] {1}))),
        new ListedGroup().setGroupId("g").setProtocolType("consumer").setGroupState("Empty").setGroupType("classic"),
        new DeletableGroupResult().setGroupId("g").setErrorCode(Errors.NON_EMPTY_GROUP.code()),
        new OffsetDeleteResponseData().setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()),
        new org.apache.kafka.common.message.TxnOffsetCommitResponseData().setTopics(List.of(
            new org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponseTopic().setName("t1")
                .setPartitions(List.of(new org.apache.kafka.common.message.TxnOffsetCommitResponseData.TxnOffsetCommitResponsePartition()
                    .setPartitionIndex(0).setErrorCode(Errors.ILLEGAL_GENERATION.code()))))));
  }

  @TestFactory
  Stream<DynamicTest> everyMessageRoundTrips() {
    var serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    return fixtures().stream().map(original -> DynamicTest.dynamicTest(original.getClass().getSimpleName(), () -> {
      var serializer = serialization.findSerializerFor(original);
      assertInstanceOf(GroupSerializer.class, serializer, "bound in reference.conf");
      var manifest = Serializers.manifestFor(serializer, original);
      var bytes = serializer.toBinary(original);
      var copy = serialization.deserialize(bytes, serializer.identifier(), manifest).get();
      assertDeepEquals(original, copy, original.getClass().getSimpleName());
      assertArrayEquals(bytes, serializer.toBinary(copy), "stable encoding");
    }));
  }

  @Test
  void anOffsetCommitEventIsCompact() {
    var serializer = new GroupSerializer((akka.actor.ExtendedActorSystem) Adapter.toClassic(testKit.system()));
    var event = new GroupEntity.OffsetsCommitted(Map.of(new TopicPartition("orders", 3), new CommittedOffset(123456, 5, "", 1L)));
    var size = serializer.toBinary(event).length;
    assertTrue(size < 60, "bytes: " + size);
  }

  @Test
  void doneRepliesUseAkkasOwnSerializer() {
    var serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    var serializer = serialization.findSerializerFor(Done.getInstance());
    var bytes = serializer.toBinary(Done.getInstance());
    var manifest = Serializers.manifestFor(serializer, Done.getInstance());
    assertEquals(Done.getInstance(), serialization.deserialize(bytes, serializer.identifier(), manifest).get());
  }

  /** Records compared component by component (byte arrays by content), everything else by equals. */
  static void assertDeepEquals(Object expected, Object actual, String path) {
    if (expected == null || actual == null) {
      assertEquals(expected, actual, path);
    } else if (expected instanceof byte[] e) {
      assertArrayEquals(e, (byte[]) actual, path);
    } else if (expected.getClass().isRecord()) {
      assertEquals(expected.getClass(), actual.getClass(), path);
      for (RecordComponent c : expected.getClass().getRecordComponents()) {
        try {
          assertDeepEquals(c.getAccessor().invoke(expected), c.getAccessor().invoke(actual), path + "." + c.getName());
        } catch (ReflectiveOperationException e) {
          throw new AssertionError(e);
        }
      }
    } else if (expected instanceof Map<?, ?> e) {
      var a = (Map<?, ?>) actual;
      assertEquals(e.keySet(), a.keySet(), path);
      e.forEach((k, v) -> assertDeepEquals(v, a.get(k), path + "[" + k + "]"));
    } else if (expected instanceof List<?> e) {
      var a = (List<?>) actual;
      assertEquals(e.size(), a.size(), path);
      for (int i = 0; i < e.size(); i++) assertDeepEquals(e.get(i), a.get(i), path + "[" + i + "]");
    } else if (expected instanceof Collection<?> e) {
      assertEquals(e, actual, path);
    } else {
      assertEquals(expected, actual, path); // generated Kafka messages, ActorRefs, TopicPartitions, strings, numbers
    }
  }

  /** The comparison the round trip relies on must see a difference inside a byte array (record equals would not). */
  @Test
  void deepEqualsSeesByteArrayDifferences() {
    var a = new GroupEntity.Protocol("x", new byte[] {1});
    var b = new GroupEntity.Protocol("x", new byte[] {2});
    assertThrows(AssertionFailedError.class, () -> assertDeepEquals(a, b, "p"));
    assertDeepEquals(a, new GroupEntity.Protocol("x", new byte[] {1}), "p");
  }
}
