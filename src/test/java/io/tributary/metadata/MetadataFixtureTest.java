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
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Metadata written by earlier versions still loads: src/test/resources/fixtures/metadata holds the
 * bytes that the serializer of commit 07cf452 wrote for the durable state and the Controller's
 * replies ({@link MetadataFixtureWriter}); each is read through Akka's serialization and checked
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
    var manifest = file.substring(0, file.indexOf('.'));
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
    assertState((MetadataState) read("S.full.bin"));
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
    bytes[0] = 2;
    var serializer = new MetadataSerializer((ExtendedActorSystem) Adapter.toClassic(testKit.system()));
    assertThrows(NotSerializableException.class, () -> serializer.fromBinary(bytes, "S"));
  }
}
