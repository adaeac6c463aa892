package io.tributary.txn;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.persistence.testkit.PersistenceTestKitPlugin;
import akka.persistence.testkit.PersistenceTestKitSnapshotPlugin;
import com.typesafe.config.ConfigFactory;
import io.tributary.txn.TransactionEntity.Command;
import io.tributary.txn.TransactionEntity.Result;
import io.tributary.txn.TransactionEntity.State;
import io.tributary.txn.TransactionEntity.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The coordinator entity with a journal (the persistence testkit's, every event serialized) and a marker writer the
 * test controls: a transaction prepared before the entity stopped is completed by the next incarnation, which writes
 * its markers again; an expired transaction is aborted by the entity's timer with the epoch bumped.
 */
class TransactionEntityTest {
  private static final TopicPartition TP = new TopicPartition("t", 0);
  private static final AtomicLong ids = new AtomicLong();

  private ActorTestKit testKit;
  private final AtomicLong producerIds = new AtomicLong(1000);
  /** Every markers write asked for, with the future the test completes. */
  private final List<Written> written = new CopyOnWriteArrayList<>();

  private record Written(MarkerWriter.Markers markers, CompletableFuture<Void> done) {}

  @BeforeEach
  void start() {
    testKit = ActorTestKit.create(PersistenceTestKitPlugin.getInstance().config()
        .withFallback(PersistenceTestKitSnapshotPlugin.config())
        .withFallback(ConfigFactory.parseString("akka.actor.provider = local\nakka.actor.serialize-messages = on"))
        .withFallback(ConfigFactory.load()));
  }

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
  }

  private static TransactionSettings settings(Duration tick) {
    var s = TransactionRulesTest.SETTINGS;
    return new TransactionSettings(s.partitions(), s.replicationFactor(), s.maxTimeoutMs(), s.idExpirationMs(), tick,
        s.askTimeout(), s.markerRetryBackoff(), s.markerRequestTimeout(), s.markerConnectTimeout(), s.snapshotEvery(),
        s.keepSnapshots(), s.journalFailureMinBackoff(), s.journalFailureMaxBackoff(), s.journalFailureRandomFactor(), true);
  }

  private ActorRef<Command> spawn(String id, TransactionSettings settings, boolean completeMarkers) {
    MarkerWriter writer = (markers, wanted) -> {
      var done = new CompletableFuture<Void>();
      written.add(new Written(markers, done));
      if (completeMarkers) done.complete(null);
      return done;
    };
    return testKit.spawn(TransactionEntity.create(id, settings,
        () -> CompletableFuture.completedFuture(producerIds.getAndIncrement()), writer, System::currentTimeMillis));
  }

  private Result ask(ActorRef<Command> entity, java.util.function.Function<ActorRef<Result>, Command> command) {
    TestProbe<Result> probe = testKit.createTestProbe();
    entity.tell(command.apply(probe.getRef()));
    return probe.receiveMessage(Duration.ofSeconds(10));
  }

  private State describe(ActorRef<Command> entity) {
    TestProbe<State> probe = testKit.createTestProbe();
    entity.tell(new TransactionEntity.Describe(probe.getRef()));
    return probe.receiveMessage(Duration.ofSeconds(10));
  }

  @Test
  void aPreparedCommitIsCompletedByTheNextIncarnation() {
    String id = "recovering-" + ids.incrementAndGet();
    var settings = settings(Duration.ofMinutes(10));
    var first = spawn(id, settings, false);
    Result init = ask(first, r -> new TransactionEntity.InitProducerId(60_000, -1L, (short) -1, r));
    assertEquals(Errors.NONE, init.error());
    assertEquals(0, init.producerEpoch());
    assertEquals(Errors.NONE, ask(first, r -> new TransactionEntity.AddPartitions(init.producerId(), (short) 0, List.of(TP), r)).error());
    assertEquals(Errors.NONE, ask(first, r -> new TransactionEntity.AddOffsets(init.producerId(), (short) 0, "g", r)).error());
    assertEquals(Errors.NONE, ask(first, r -> new TransactionEntity.EndTransaction(init.producerId(), (short) 0, true, r)).error());
    await().atMost(Duration.ofSeconds(10)).until(() -> written.size() == 1);
    assertEquals(new MarkerWriter.Markers(id, init.producerId(), (short) 0, true, List.of(TP), List.of("g")), written.get(0).markers());
    assertEquals(Status.PREPARE_COMMIT, describe(first).status(), "the markers are not written yet");
    testKit.stop(first);

    var second = spawn(id, settings, true);
    State recovered = describe(second);
    await().atMost(Duration.ofSeconds(10)).until(() -> describe(second).status() == Status.COMPLETE_COMMIT);
    assertEquals(init.producerId(), recovered.producerId());
    assertEquals(2, written.size(), "the markers are written again after recovery");
    assertEquals(written.get(0).markers(), written.get(1).markers());
    // the first incarnation's writer finishing late changes nothing
    written.get(0).done().complete(null);
    assertEquals(Status.COMPLETE_COMMIT, describe(second).status());
  }

  @Test
  void anExpiredTransactionIsAbortedWithTheEpochBumped() {
    String id = "expiring-" + ids.incrementAndGet();
    var entity = spawn(id, settings(Duration.ofMillis(50)), true);
    Result init = ask(entity, r -> new TransactionEntity.InitProducerId(300, -1L, (short) -1, r));
    assertEquals(Errors.NONE, ask(entity, r -> new TransactionEntity.AddPartitions(init.producerId(), (short) 0, List.of(TP), r)).error());
    await().atMost(Duration.ofSeconds(10)).until(() -> describe(entity).status() == Status.COMPLETE_ABORT);
    State s = describe(entity);
    assertEquals(1, s.producerEpoch());
    assertEquals(new MarkerWriter.Markers(id, init.producerId(), (short) 1, false, List.of(TP), List.of()), written.get(0).markers());
    assertEquals(Errors.PRODUCER_FENCED,
        ask(entity, r -> new TransactionEntity.EndTransaction(init.producerId(), (short) 0, true, r)).error(),
        "the producer of the expired transaction is fenced");
  }
}
