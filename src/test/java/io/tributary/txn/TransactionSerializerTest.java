package io.tributary.txn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.Adapter;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializers;
import com.typesafe.config.ConfigFactory;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every persisted or remotely sent message of the transaction package goes through TransactionSerializer and back unchanged. */
class TransactionSerializerTest {
  private static final ActorTestKit testKit =
      ActorTestKit.create(ConfigFactory.parseString("akka.actor.provider = local").withFallback(ConfigFactory.load()));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  private static List<Object> fixtures() {
    ActorRef<Object> ref = testKit.createTestProbe().getRef();
    var t0 = new TopicPartition("orders", 0);
    var t1 = new TopicPartition("ünïcødé", 7);
    return List.of(
        new TransactionEntity.ProducerIdInitialized(1000L, -1L, (short) 0, (short) -1, 60_000, 123L),
        new TransactionEntity.ProducerIdInitialized(2000L, 1000L, (short) 0, (short) 32766, 1, 124L),
        new TransactionEntity.PartitionsAdded(List.of(t0, t1), List.of("g1"), 125L),
        new TransactionEntity.PartitionsAdded(List.of(), List.of(), 126L),
        new TransactionEntity.TransactionPrepared(true, (short) 3, (short) 2, 127L),
        new TransactionEntity.TransactionPrepared(false, (short) 4, (short) -1, 128L),
        new TransactionEntity.TransactionCompleted(129L),
        new TransactionEntity.TransactionalIdExpired(130L),
        TransactionEntity.State.INITIAL,
        new TransactionEntity.State(1000L, 999L, (short) 5, (short) 4, 60_000, TransactionEntity.Status.PREPARE_COMMIT,
            new LinkedHashSet<>(List.of(t0, t1)), new LinkedHashSet<>(List.of("g1", "g2")), 100L, 200L),
        new TransactionEntity.InitProducerId(60_000, -1L, (short) -1, ref.narrow()),
        new TransactionEntity.InitProducerId(1_000, 1000L, (short) 3, ref.narrow()),
        new TransactionEntity.AddPartitions(1000L, (short) 3, List.of(t0, t1), ref.narrow()),
        new TransactionEntity.VerifyPartitions(1000L, (short) 3, List.of(t1), ref.narrow()),
        new TransactionEntity.AddOffsets(1000L, (short) 3, "g1", ref.narrow()),
        new TransactionEntity.EndTransaction(1000L, (short) 3, true, ref.narrow()),
        new TransactionEntity.EndTransaction(1000L, (short) 3, false, ref.narrow()),
        new TransactionEntity.Describe(ref.narrow()),
        new TransactionEntity.Unload(),
        new TransactionEntity.Result((short) 0, 1000L, (short) 3),
        new TransactionEntity.Result((short) 90, -1L, (short) -1),
        new TransactionEntity.Verification(Map.of(t0, (short) 0, t1, (short) 120)));
  }

  @TestFactory
  Stream<DynamicTest> everyMessageRoundTrips() {
    var serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    return fixtures().stream().map(original -> DynamicTest.dynamicTest(original.getClass().getSimpleName(), () -> {
      var serializer = serialization.findSerializerFor(original);
      assertInstanceOf(TransactionSerializer.class, serializer, "bound in reference.conf");
      var manifest = Serializers.manifestFor(serializer, original);
      var bytes = serializer.toBinary(original);
      var copy = serialization.deserialize(bytes, serializer.identifier(), manifest).get();
      assertEquals(original, copy);
      assertArrayEquals(bytes, serializer.toBinary(copy), "stable encoding");
    }));
  }
}
