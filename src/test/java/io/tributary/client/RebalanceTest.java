package io.tributary.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.ActorSystem;
import akka.japi.Pair;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Source;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two committable streams in one group over 100,000 records; the second is started, stopped and restarted
 * while the first runs. No record is lost, and no stream emits a record of a partition after its revoke of
 * that partition completed (until the partition is assigned to it again).
 */
class RebalanceTest extends EmbeddedBrokerTestBase {
  static final int N = 100_000;
  static final int PARTITIONS = 6;

  /** One observation, ordered by a global sequence number. */
  record Event(String stream, String kind, TopicPartition partition, long offset, long seq) {}

  final AtomicLong seq = new AtomicLong();
  final ConcurrentLinkedQueue<Event> events = new ConcurrentLinkedQueue<>();
  final Set<String> emitted = ConcurrentHashMap.newKeySet();

  Pair<Consumer.Control, CompletionStage<Done>> run(String name) {
    var settings = ConsumerSettings.create(system, new StringDeserializer(), new StringDeserializer())
        .withBootstrapServers(broker.bootstrapServers())
        .withGroupId("rebalance-group")
        .withProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
        .withProperty(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000")
        .withProperty(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000");
    var listener = new RebalanceListener() {
      @Override
      public void onAssigned(Collection<TopicPartition> partitions) {
        for (var tp : partitions) events.add(new Event(name, "assigned", tp, -1, seq.incrementAndGet()));
      }

      @Override
      public void onRevoked(Collection<TopicPartition> partitions) {
        for (var tp : partitions) events.add(new Event(name, "revoked", tp, -1, seq.incrementAndGet()));
      }
    };
    // Consumer.committableSource, observed at the exact point of emission (the mapper runs as the record is
    // pushed, under the buffer's lock): a map() stage after the source would see it a moment later.
    var subscription = Subscriptions.topics("rebalance-in").withRebalanceListener(listener);
    var source = Source.fromGraph(new ConsumerSourceStage<String, String, CommittableMessage<String, String>>(
        settings, subscription, (engine, r, epoch) -> {
          var tp = new TopicPartition(r.topic(), r.partition());
          events.add(new Event(name, "emitted", tp, r.offset(), seq.incrementAndGet()));
          emitted.add(tp.partition() + "@" + r.offset());
          return Consumer.committable(engine, r, epoch);
        }));
    return source
        .map(CommittableMessage::committableOffset)
        .throttle(10_000, Duration.ofSeconds(1))
        .toMat(Committer.sink(CommitterSettings.create(system).withMaxInterval(Duration.ofMillis(500))), Keep.both())
        .run(system);
  }

  long emittedBy(String stream) {
    return events.stream().filter(e -> e.stream().equals(stream) && e.kind().equals("emitted")).count();
  }

  @Test
  void noLossAndNoEmissionAfterRevoke() throws Exception {
    broker.createTopic("rebalance-in", PARTITIONS);
    ClientTests.produce(broker.bootstrapServers(), "rebalance-in", N, Integer::toString);

    var a = run("A");
    await("A under way").atMost(Duration.ofSeconds(30)).until(() -> emitted.size() >= 15_000);
    var b = run("B");
    await("B under way").atMost(Duration.ofSeconds(30)).until(() -> emittedBy("B") >= 5_000);
    b.first().drainAndShutdown(b.second()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    long afterStop = emitted.size();
    await("A alone again").atMost(Duration.ofSeconds(30)).until(() -> emitted.size() >= afterStop + 10_000);
    var b2 = run("B2");
    await("every record emitted").atMost(Duration.ofSeconds(50)).until(() -> emitted.size() >= N);
    a.first().drainAndShutdown(a.second()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    b2.first().drainAndShutdown(b2.second()).toCompletableFuture().get(30, TimeUnit.SECONDS);

    var end = ClientTests.endOffsets(broker.bootstrapServers(), "rebalance-in");
    for (var e : end.entrySet()) {
      for (long o = 0; o < e.getValue(); o++) {
        assertTrue(emitted.contains(e.getKey().partition() + "@" + o), "lost " + e.getKey() + "@" + o);
      }
    }
    assertEquals(N, emitted.size());
    assertTrue(emittedBy("B") > 0 && emittedBy("B2") > 0, "B and B2 both took part");
    assertTrue(events.stream().filter(e -> e.kind().equals("revoked")).count() >= PARTITIONS, "rebalances happened");

    // After a stream's revoke of p completed, it emits nothing of p until p is assigned to it again.
    List<Event> violations = new ArrayList<>();
    var owned = new ConcurrentHashMap<String, Set<TopicPartition>>();
    events.stream().sorted((x, y) -> Long.compare(x.seq(), y.seq())).forEach(e -> {
      var mine = owned.computeIfAbsent(e.stream(), s -> new HashSet<>());
      switch (e.kind()) {
        case "assigned" -> mine.add(e.partition());
        case "revoked" -> mine.remove(e.partition());
        default -> {
          if (!mine.contains(e.partition())) violations.add(e);
        }
      }
    });
    System.out.printf("rebalance: %d emissions for %d records, %d revokes%n", emittedBy("A") + emittedBy("B")
        + emittedBy("B2"), N, events.stream().filter(e -> e.kind().equals("revoked")).count());
    assertTrue(violations.isEmpty(), "emitted after revoke: " + violations.stream().limit(5).toList());
  }
}
