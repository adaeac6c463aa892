package io.tributary.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import akka.actor.ExtendedActorSystem;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.javadsl.Adapter;
import akka.serialization.SerializationExtension;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.NotSerializableException;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Metadata written by earlier versions still loads: src/test/resources/fixtures/metadata holds the
 * bytes that the serializer of commit 07cf452 wrote for the durable state and the Controller's
 * replies (state format 1), and its v3/ directory those of commit 33a0eb3 (state format 3, before ISRs)
 * ({@link MetadataFixtureWriter}); each is read through Akka's serialization and checked
 * field by field against the values written.
 */
class MetadataFixtureTest {

  private static final ActorTestKit testKit =
      ActorTestKit.create(ConfigFactory.parseString("akka.actor.provider = local").withFallback(ConfigFactory.load()));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static byte[] bytes(String file) throws IOException {
    try (InputStream in = MetadataFixtureTest.class.getResourceAsStream("/fixtures/metadata/" + file)) {
      if (in == null) throw new IllegalStateException("missing fixture " + file);
      return in.readAllBytes();
    }
  }

  private static Object read(String file) throws IOException {
    var name = file.substring(file.lastIndexOf('/') + 1);
    var manifest = name.substring(0, name.indexOf('.'));
    return SerializationExtension.get(Adapter.toClassic(testKit.system()))
        .deserialize(bytes(file), MetadataSerializer.IDENTIFIER, manifest).get();
  }

  private static void assertOrders(TopicInfo t) {
    assertEquals("orders", t.name());
    assertEquals(new Uuid(0x0123456789abcdefL, 0x0fedcba987654321L), t.topicId());
    assertEquals(12, t.partitionCount());
    assertEquals(Map.of("cleanup.policy", "compact", "retention.ms", "-1"), t.configs());
  }

  private static void assertState(MetadataState s) {
    assertEquals(42, s.version());
    assertEquals("cluster-abc", s.clusterId());
    assertEquals(1_000_000_000_123L, s.nextProducerId());
    assertEquals(2, s.topics().size());
    assertOrders(s.topics().get("orders"));
    var unicode = s.topics().get("t\u00e9st_\u6f22");
    assertEquals(new Uuid(1L, 2L), unicode.topicId());
    assertEquals(1, unicode.partitionCount());
    assertEquals(Map.of(), unicode.configs());
    assertEquals(2, s.brokers().size());
    assertEquals(new BrokerInfo(1, "10.0.0.1", 9092), s.brokers().get(1));
    assertEquals(new BrokerInfo(2, "broker-2.example", 19092), s.brokers().get(2));
  }

  @Test
  void state() throws IOException {
    assertEquals(1, bytes("S.full.bin")[0], "state format 1");
    MetadataState s = (MetadataState) read("S.full.bin");
    assertState(s);
    // format 1 had no assignments: no replicas, no ISR, no leader until a node adopts them
    for (PartitionInfo p : s.topics().get("orders").partitions()) {
      assertEquals(new PartitionInfo(List.of(), PartitionInfo.NO_LEADER, 0, List.of(), 0), p);
    }
  }

  @Test
  void emptyState() throws IOException {
    var s = (MetadataState) read("S.empty.bin");
    assertEquals(0, s.version());
    assertEquals("", s.clusterId());
    assertEquals(0, s.nextProducerId());
    assertEquals(Map.of(), s.topics());
    assertEquals(Map.of(), s.brokers());
  }

  @Test
  void topicDone() throws IOException {
    var r = (Controller.TopicDone) read("TD.orders.bin");
    assertOrders(r.topic());
    assertState(r.state());
  }

  @Test
  void producerIdsAllocated() throws IOException {
    var r = (Controller.ProducerIdsAllocated) read("PA.5000.bin");
    assertEquals(5000, r.firstId());
    assertState(r.state());
  }

  @Test
  void brokerRegistered() throws IOException {
    assertState(((Controller.BrokerRegistered) read("BR.state.bin")).state());
  }

  @Test
  void rejected() throws IOException {
    var r = (Controller.Rejected) read("RJ.exists.bin");
    assertEquals(36, r.errorCode());
    assertEquals("Topic 'orders' already exists.", r.message());
  }

  @Test
  void aStateFormatFromTheFutureIsRefusedNotMisread() throws IOException {
    var bytes = bytes("S.full.bin");
    bytes[0] = 99;
    var serializer = new MetadataSerializer((ExtendedActorSystem) Adapter.toClassic(testKit.system()));
    assertThrows(NotSerializableException.class, () -> serializer.fromBinary(bytes, "S"));
  }

  // ---- format 3: assignments, leaders and leader epochs, no ISR ----

  /**
   * What format 3 held, as this version reads it: every partition's replicas in sync (the leader alone when it has
   * no replicas, none without a leader), at partition epoch 0.
   */
  private static void assertReplicatedState(MetadataState s) {
    assertEquals(77, s.version());
    assertEquals(5, s.controllerEpoch());
    assertEquals("cluster-v3", s.clusterId());
    assertEquals(2000, s.nextProducerId());
    var orders = s.topics().get("orders");
    assertEquals(new Uuid(0x0123456789abcdefL, 0x0fedcba987654321L), orders.topicId());
    assertEquals(Map.of("cleanup.policy", "compact", "retention.ms", "-1"), orders.configs());
    assertEquals(7, orders.partitionCount());
    for (int p = 0; p < 6; p++) {
      List<Integer> replicas = List.of(p % 3 + 1, (p + 1) % 3 + 1);
      assertEquals(new PartitionInfo(replicas, p % 3 + 1, 10 + p, replicas, 0), orders.partition(p), "partition " + p);
    }
    assertEquals(new PartitionInfo(List.of(), PartitionInfo.NO_LEADER, 3, List.of(), 0), orders.partition(6));
    var offsets = s.internalTopics().get(MetadataImage.OFFSETS_TOPIC);
    assertEquals(new Uuid(3L, 4L), offsets.topicId());
    assertEquals(List.of(new PartitionInfo(List.of(2), 2, 1, List.of(2), 0), new PartitionInfo(List.of(3), 3, 0, List.of(3), 0)),
        offsets.partitions());
    assertEquals(Map.of(1, new BrokerInfo(1, "10.0.0.1", 9092, "rack-a", "akka://tributary@10.0.0.1:25520"),
        2, new BrokerInfo(2, "10.0.0.2", 9092, null, "akka://tributary@10.0.0.2:25520"),
        3, new BrokerInfo(3, "10.0.0.3", 9092, "rack-c", "akka://tributary@10.0.0.3:25520")), s.brokers());
  }

  @Test
  void stateFormat3() throws IOException {
    assertEquals(3, bytes("v3/S.replicated.bin")[0], "state format 3");
    assertReplicatedState((MetadataState) read("v3/S.replicated.bin"));
  }

  @Test
  void repliesOfFormat3() throws IOException {
    var done = (Controller.TopicDone) read("v3/TD3.orders.bin");
    assertEquals(List.of(1, 2), done.topic().isr(0));
    assertEquals(0, done.topic().partitionEpoch(0));
    assertReplicatedState(done.state());
    var pids = (Controller.ProducerIdsAllocated) read("v3/PA3.2000.bin");
    assertEquals(2000, pids.firstId());
    assertReplicatedState(pids.state());
    assertReplicatedState(((Controller.BrokerRegistered) read("v3/BR3.state.bin")).state());
  }

  /** A format-3 state read by this version and written again is in the current format (5) and reads back equal. */
  @Test
  void aFormat3StateIsRewrittenInTheCurrentFormat() throws IOException {
    var state = (MetadataState) read("v3/S.replicated.bin");
    var serializer = new MetadataSerializer((ExtendedActorSystem) Adapter.toClassic(testKit.system()));
    byte[] again = serializer.toBinary(state);
    assertEquals(5, again[0], "state format 5");
    assertEquals(state, serializer.fromBinary(again, "S"));
  }
}
