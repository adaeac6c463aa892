package io.tributary.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.Address;
import akka.cluster.UniqueAddress;
import akka.cluster.ddata.LWWRegister;
import akka.cluster.ddata.SelfUniqueAddress;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializers;
import io.tributary.metadata.Controller.Reply;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Round trip of every message of {@link MetadataSerializer}, through Akka's serialization as configured in reference.conf. */
class MetadataSerializerTest {

  private static ActorTestKit testKit;
  private static TestProbe<Reply> probe;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("MetadataSerializerTest");
    probe = testKit.createTestProbe(Reply.class);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  static MetadataState state() {
    // distinct replicas, leaders, ISRs and epochs per partition, so a reader that mixes them up fails
    var partitions = new java.util.ArrayList<PartitionInfo>();
    for (int p = 0; p < 12; p++) {
      List<Integer> replicas = List.of(p % 3 + 1, (p + 1) % 3 + 1, (p + 2) % 3 + 1);
      partitions.add(new PartitionInfo(replicas, p == 5 ? PartitionInfo.NO_LEADER : p % 3 + 1, p == 11 ? Integer.MAX_VALUE : p,
          replicas.subList(0, p % 3 + 1), p == 10 ? Integer.MAX_VALUE : 100 + p));
    }
    // reassignments in progress: 2 -> [4, 1] (adding 4, removing 2, 3) and one that only removes
    partitions.set(7, new PartitionInfo(List.of(4, 1, 2, 3), 2, 9, List.of(2, 3, 1), 12, List.of(4), List.of(2, 3)));
    partitions.set(8, new PartitionInfo(List.of(3, 1), 3, 1, List.of(3, 1), 2, List.of(), List.of(1)));
    var orders = new TopicInfo("orders", Uuid.randomUuid(), Map.of("cleanup.policy", "compact", "retention.ms", "-1"), partitions);
    var unicode = TopicInfo.created("t\u00e9st_\u6f22", Uuid.randomUuid(), Map.of(), List.of(List.of(2)));
    var offsets = TopicInfo.created(MetadataImage.OFFSETS_TOPIC, Uuid.randomUuid(), Map.of(), List.of(List.of(1), List.of(2)));
    return new MetadataState(42, 7, Uuid.randomUuid().toString(), 1_000_000_000_123L,
        Map.of(orders.name(), orders, unicode.name(), unicode),
        Map.of(1, new BrokerInfo(1, "10.0.0.1", 9092, "rack-a", "akka://tributary@10.0.0.1:25520"),
            2, new BrokerInfo(2, "broker-2.example", 19092)),
        Map.of(offsets.name(), offsets));
  }

  static Stream<Object> messages() {
    var ref = probe.ref();
    var state = state();
    return Stream.of(
        state,
        MetadataState.EMPTY,
        new Controller.CreateTopic("orders", 3, 1, List.of(), Map.of("retention.ms", "1000"), true, ref),
        new Controller.CreateTopic("manual", -1, -1, List.of(List.of(1, 2), List.of(2, 3)), Map.of(), false, ref),
        new Controller.EnsureOffsetsTopic(50, 3, ref),
        new Controller.EnsureInternalTopic("__transaction_state", 50, 3, ref),
        new Controller.DeleteTopic("orders", ref),
        new Controller.CreatePartitions("orders", 7, List.of(), false, ref),
        new Controller.CreatePartitions("orders", 9, List.of(List.of(3), List.of(1)), true, ref),
        new Controller.ReplaceTopicConfigs("orders", Map.of("segment.bytes", "1024", "k", ""), false, ref),
        new Controller.AllocateProducerIds(1000, ref),
        new Controller.RegisterBroker(new BrokerInfo(3, "host", 9093), ref),
        new Controller.RegisterBroker(new BrokerInfo(4, "host", 9094, "rack-b", "akka://tributary@host:25521"), ref),
        new Controller.TopicDone(state.topics().get("orders"), state),
        new Controller.ProducerIdsAllocated(5000, state),
        new Controller.BrokerRegistered(state),
        new Controller.AlterPartition("orders", Uuid.randomUuid(), 3, 2, 7, 9, List.of(2, 1), ref),
        new Controller.AlterPartition("by-name", null, 0, 1, 0, 0, List.of(), ref),
        new Controller.PartitionAltered(state.topics().get("orders").partition(4), state),
        new Controller.ElectLeaders(org.apache.kafka.common.ElectionType.PREFERRED, List.of(
            new Controller.ElectionTarget("orders", List.of(3, 0, 7)), new Controller.ElectionTarget("t\u00e9st", List.of())), ref),
        new Controller.ElectLeaders(org.apache.kafka.common.ElectionType.UNCLEAN, null, ref),
        new Controller.ElectLeaders(org.apache.kafka.common.ElectionType.PREFERRED, List.of(), ref),
        new Controller.LeadersElected(List.of(
            new Controller.TopicElections("orders", List.of(
                new Controller.PartitionElection(3, (short) 0, null),
                new Controller.PartitionElection(0, (short) 84, "Leader election not needed for topic partition."))),
            new Controller.TopicElections("missing", List.of(new Controller.PartitionElection(-1, (short) 3, "No such topic as missing"))),
            new Controller.TopicElections("empty", List.of())), state),
        new Controller.LeadersElected(List.of(), MetadataState.EMPTY),
        new Controller.PartitionAltered(state.topics().get("orders").partition(7), state),
        new Controller.AlterReassignments(List.of(
            new Controller.ReassignmentTarget("orders", List.of(
                new Controller.PartitionTarget(7, List.of(4, 1)),
                new Controller.PartitionTarget(3, null),
                new Controller.PartitionTarget(-1, List.of()))),
            new Controller.ReassignmentTarget("t\u00e9st", List.of())), ref),
        new Controller.AlterReassignments(List.of(), ref),
        new Controller.ReassignmentsAltered(List.of(
            new Controller.TopicOutcomes("orders", List.of(
                new Controller.PartitionOutcome(7, (short) 0, null),
                new Controller.PartitionOutcome(3, (short) 85, "No partition reassignment is in progress."))),
            new Controller.TopicOutcomes("missing", List.of(
                new Controller.PartitionOutcome(0, (short) 3, "Unable to find a topic named missing.")))), state),
        new Controller.ReassignmentsAltered(List.of(), MetadataState.EMPTY),
        Controller.Rejected.of(org.apache.kafka.common.protocol.Errors.TOPIC_ALREADY_EXISTS, "Topic 'orders' already exists."),
        new ControllerSeat.Forwarded(new Controller.AlterPartition("orders", Uuid.randomUuid(), 3, 2, 7, 9, List.of(2, 1), ref)),
        new ControllerSeat.Forwarded(new Controller.CreateTopic("manual", -1, -1, List.of(List.of(1, 2)), Map.of("k", "v"), false, ref)),
        new ControllerSeat.Forwarded(new Controller.ElectLeaders(org.apache.kafka.common.ElectionType.UNCLEAN, null, ref)),
        new ControllerSeat.Forwarded(new Controller.AlterReassignments(List.of(new Controller.ReassignmentTarget("orders",
            List.of(new Controller.PartitionTarget(0, null)))), ref)));
  }

  @ParameterizedTest
  @MethodSource("messages")
  void roundTrip(Object message) {
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    var serializer = serialization.findSerializerFor(message);
    assertInstanceOf(MetadataSerializer.class, serializer);
    byte[] bytes = serializer.toBinary(message);
    String manifest = Serializers.manifestFor(serializer, message);
    assertEquals(message, serialization.deserialize(bytes, serializer.identifier(), manifest).get());
  }

  /**
   * An EnsureOffsetsTopic from a node of the version before the replicated offsets topic ("EO": partitions and the
   * reply ref, no replication factor) reads as one replica per partition, what that node asked for.
   */
  @Test
  void anEnsureOffsetsTopicWithoutAReplicationFactorReadsAsOneReplica() throws Exception {
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    var current = new Controller.EnsureOffsetsTopic(50, 3, probe.ref());
    var serializer = (MetadataSerializer) serialization.findSerializerFor(current);
    assertEquals("EO2", serializer.manifest(current));
    byte[] bytes = serializer.toBinary(current);
    // "EO2" is the partition count, the replication factor, the reply ref; "EO" is the same without the factor
    var old = new java.io.ByteArrayOutputStream();
    old.write(bytes, 0, 4);
    old.write(bytes, 8, bytes.length - 8);
    assertEquals(new Controller.EnsureOffsetsTopic(50, 1, probe.ref()), serializer.fromBinary(old.toByteArray(), "EO"));
  }

  /** The register as Distributed Data stores it (durably and in gossip): Akka's serializer around ours. */
  @Test
  void registerRoundTrip() {
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    var node = new SelfUniqueAddress(new UniqueAddress(new Address("akka", "sys", "127.0.0.1", 2552), 7L));
    LWWRegister<MetadataState> register = MetadataStore.register(node, state());
    var serializer = serialization.findSerializerFor(register);
    byte[] bytes = serializer.toBinary(register);
    @SuppressWarnings("unchecked")
    var back = (LWWRegister<MetadataState>) serialization.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, register)).get();
    assertEquals(register.getValue(), back.getValue());
    assertEquals(((long) 7 << 32) | 42, back.timestamp(), "controller epoch, then version");
  }
}
