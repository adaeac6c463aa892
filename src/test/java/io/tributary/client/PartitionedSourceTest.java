package io.tributary.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.ActorSystem;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A sub-source per assigned partition, completed when a second group member takes partitions away. */
class PartitionedSourceTest extends EmbeddedBrokerTestBase {

  @Test
  void subSourcesFollowTheAssignment() throws Exception {
    broker.createTopic("parted", 4);
    ClientTests.produce(broker.bootstrapServers(), "parted", 4_000, Integer::toString);
    var settings = ConsumerSettings.create(system, new StringDeserializer(), new StringDeserializer())
        .withBootstrapServers(broker.bootstrapServers())
        .withGroupId("parted-group")
        .withProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    var live = new AtomicInteger();
    var completed = new AtomicInteger();
    var records = new AtomicInteger();
    var wrongPartition = new AtomicInteger();
    var a = Consumer.plainPartitionedSource(settings, Subscriptions.topics("parted"))
        .map(p -> {
          live.incrementAndGet();
          p.second()
              .map(r -> {
                if (r.partition() != p.first().partition()) wrongPartition.incrementAndGet();
                return records.incrementAndGet();
              })
              .runWith(Sink.ignore(), system)
              .whenComplete((d, e) -> {
                live.decrementAndGet();
                completed.incrementAndGet();
              });
          return p.first();
        })
        .toMat(Sink.ignore(), Keep.both())
        .run(system);
    await("four sub-sources and every record").atMost(Duration.ofSeconds(30)).until(() -> live.get() == 4 && records.get() == 4_000);

    var b = Consumer.plainSource(settings, Subscriptions.topics("parted")).toMat(Sink.ignore(), Keep.both()).run(system);
    await("the rebalance").atMost(Duration.ofSeconds(30)).until(() -> completed.get() >= 4 && live.get() == 2);

    b.first().shutdown().toCompletableFuture().get(30, TimeUnit.SECONDS);
    a.first().drainAndShutdown(a.second()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    await("sub-sources complete on shutdown").atMost(Duration.ofSeconds(10)).until(() -> live.get() == 0);
    assertEquals(0, wrongPartition.get());
    assertTrue(records.get() >= 4_000);
  }
}
