package io.tributary.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.javadsl.Adapter;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializers;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every partition-entity message that may go through sharding survives serialization, with the configured serializer. */
class PartitionSerializerTest {
  private static final ActorTestKit testKit = ActorTestKit.create();

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  static Stream<Object> messages() {
    var probe = testKit.<PartitionEntity.OpenReply>createTestProbe();
    return Stream.of(
        new PartitionEntity.Open(probe.ref()),
        new PartitionEntity.Delete(),
        new PartitionEntity.ConfigChanged(),
        PartitionEntity.Stop.INSTANCE,
        new PartitionEntity.Opened(Uuid.randomUuid()),
        PartitionEntity.OpenFailed.of(Errors.NOT_LEADER_OR_FOLLOWER, "Partition t-0 is being closed \u00e9"));
  }

  @ParameterizedTest
  @MethodSource("messages")
  void roundTrip(Object message) {
    var serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    var serializer = serialization.findSerializerFor(message);
    assertEquals(PartitionSerializer.IDENTIFIER, serializer.identifier());
    byte[] bytes = serializer.toBinary(message);
    Object back = serialization.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, message)).get();
    assertEquals(message, back);
  }
}
