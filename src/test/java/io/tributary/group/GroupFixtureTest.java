package io.tributary.group;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.ExtendedActorSystem;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.javadsl.Adapter;
import akka.serialization.SerializationExtension;
import com.typesafe.config.ConfigFactory;
import io.tributary.group.GroupEntity.AssignmentsReceived;
import io.tributary.group.GroupEntity.CommittedOffset;
import io.tributary.group.GroupEntity.GenerationStarted;
import io.tributary.group.GroupEntity.GroupDeleted;
import io.tributary.group.GroupEntity.MemberRecord;
import io.tributary.group.GroupEntity.OffsetsCommitted;
import io.tributary.group.GroupEntity.OffsetsDeleted;
import io.tributary.group.GroupEntity.State;
import io.tributary.group.GroupEntity.StaticMemberReplaced;
import java.io.IOException;
import java.io.InputStream;
import java.io.NotSerializableException;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Events and snapshots written by earlier versions still load: src/test/resources/fixtures/group
 * holds the bytes that the serializer of format 1 (commit 07cf452) wrote for every persisted type
 * ({@link GroupFixtureWriter}); each is read through Akka's serialization, as the journal reads it,
 * and checked field by field against the values written.
 */
class GroupFixtureTest {

  private static final ActorTestKit testKit =
      ActorTestKit.create(ConfigFactory.parseString("akka.actor.provider = local").withFallback(ConfigFactory.load()));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static Object read(String file) throws IOException {
    byte[] bytes;
    try (InputStream in = GroupFixtureTest.class.getResourceAsStream("/fixtures/group/" + file)) {
      if (in == null) throw new IllegalStateException("missing fixture " + file);
      bytes = in.readAllBytes();
    }
    assertEquals(1, bytes[0], file + " is format 1");
    var manifest = file.substring(0, file.indexOf('.'));
    return SerializationExtension.get(Adapter.toClassic(testKit.system())).deserialize(bytes, GroupSerializer.IDENTIFIER, manifest).get();
  }

  private static void assertStaticMember(MemberRecord m) {
    assertEquals("c-1", m.memberId());
    assertEquals("inst", m.groupInstanceId());
    assertEquals("client", m.clientId());
    assertEquals("/10.0.0.1", m.clientHost());
    assertEquals(30000, m.rebalanceTimeoutMs());
    assertEquals(10000, m.sessionTimeoutMs());
    assertArrayEquals(new byte[] {0, 1, 2, 3}, m.metadata());
    assertArrayEquals(new byte[] {9}, m.assignment());
  }

  private static void assertDynamicMember(MemberRecord m) {
    assertEquals("c-2", m.memberId());
    assertNull(m.groupInstanceId());
    assertEquals("client-b", m.clientId());
    assertEquals("/10.0.0.2", m.clientHost());
    assertEquals(45000, m.rebalanceTimeoutMs());
    assertEquals(6000, m.sessionTimeoutMs());
    assertArrayEquals(new byte[0], m.metadata());
    assertArrayEquals(new byte[0], m.assignment());
  }

  private static void assertOffsets(Map<TopicPartition, CommittedOffset> offsets) {
    assertEquals(3, offsets.size());
    assertEquals(new CommittedOffset(42, 3, "meta", 1000L), offsets.get(new TopicPartition("t1", 0)));
    assertEquals(new CommittedOffset(7, -1, "", 1001L), offsets.get(new TopicPartition("t1", 1)));
    assertEquals(new CommittedOffset(0, 0, "\u00fcn\u00efc\u00f8d\u00e9", 1002L), offsets.get(new TopicPartition("t2", 5)));
  }

  @Test
  void generationStartedWithMembers() throws IOException {
    var e = (GenerationStarted) read("GS.members.bin");
    assertEquals(3, e.generationId());
    assertEquals("consumer", e.protocolType());
    assertEquals("range", e.protocolName());
    assertEquals("c-1", e.leaderId());
    assertEquals(2, e.members().size());
    assertStaticMember(e.members().get(0));
    assertDynamicMember(e.members().get(1));
    assertEquals(123L, e.timestamp());
  }

  @Test
  void emptyGenerationStarted() throws IOException {
    var e = (GenerationStarted) read("GS.empty.bin");
    assertEquals(4, e.generationId());
    assertEquals("consumer", e.protocolType());
    assertNull(e.protocolName());
    assertNull(e.leaderId());
    assertTrue(e.members().isEmpty());
    assertEquals(124L, e.timestamp());
  }

  @Test
  void assignmentsReceived() throws IOException {
    var e = (AssignmentsReceived) read("AR.two.bin");
    assertEquals(3, e.generationId());
    assertEquals(List.of("c-1", "c-2"), List.copyOf(e.assignments().keySet()));
    assertArrayEquals(new byte[] {1}, e.assignments().get("c-1"));
    assertArrayEquals(new byte[0], e.assignments().get("c-2"));
  }

  @Test
  void staticMemberReplaced() throws IOException {
    var e = (StaticMemberReplaced) read("SR.static.bin");
    assertEquals("c-0", e.oldMemberId());
    assertStaticMember(e.member());
  }

  @Test
  void offsetsCommitted() throws IOException {
    assertOffsets(((OffsetsCommitted) read("OC.three.bin")).offsets());
  }

  @Test
  void offsetsDeleted() throws IOException {
    var e = (OffsetsDeleted) read("OD.two.bin");
    assertEquals(List.of(new TopicPartition("t1", 0), new TopicPartition("t2", 5)), e.partitions());
  }

  @Test
  void groupDeleted() throws IOException {
    assertEquals(99L, ((GroupDeleted) read("GD.at99.bin")).timestamp());
  }

  @Test
  void stableSnapshot() throws IOException {
    var s = (State) read("ST.stable.bin");
    assertEquals(3, s.generationId());
    assertEquals("consumer", s.protocolType());
    assertEquals("range", s.protocolName());
    assertEquals("c-1", s.leaderId());
    assertEquals(2, s.members().size());
    assertStaticMember(s.members().get(0));
    assertDynamicMember(s.members().get(1));
    assertTrue(s.assignmentsReceived());
    assertEquals(5L, s.stateTimestamp());
    assertOffsets(s.offsets());
  }

  @Test
  void initialSnapshot() throws IOException {
    assertEquals(State.INITIAL, read("ST.initial.bin"));
  }

  @Test
  void aFormatFromTheFutureIsRefusedNotMisread() throws IOException {
    byte[] bytes;
    try (InputStream in = GroupFixtureTest.class.getResourceAsStream("/fixtures/group/GD.at99.bin")) {
      bytes = in.readAllBytes();
    }
    bytes[0] = (byte) (GroupSerializer.CURRENT_FORMAT + 1);
    var serializer = new GroupSerializer((ExtendedActorSystem) Adapter.toClassic(testKit.system()));
    var copy = bytes;
    assertThrows(NotSerializableException.class, () -> serializer.fromBinary(copy, "GD"));
  }
}
