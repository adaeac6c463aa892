package io.tributary.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.ActorSystem;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Committer batches, and a stream that ends by take() still commits its last batch. */
class CommitterTest extends EmbeddedBrokerTestBase {

  @Test
  void takeThenCommitCommitsEverything() throws Exception {
    broker.createTopic("commit-take", 3);
    ClientTests.produce(broker.bootstrapServers(), "commit-take", 25_000, Integer::toString);
    var settings = ConsumerSettings.create(system, new StringDeserializer(), new StringDeserializer())
        .withBootstrapServers(broker.bootstrapServers())
        .withGroupId("commit-take-group")
        .withProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    Consumer.committableSource(settings, Subscriptions.topics("commit-take"))
        .take(25_000)
        .map(CommittableMessage::committableOffset)
        .runWith(Committer.sink(CommitterSettings.create(system).withMaxInterval(Duration.ofSeconds(30))), system)
        .toCompletableFuture().get(60, TimeUnit.SECONDS);
    assertEquals(25_000L, ClientTests.total(ClientTests.committed(broker.bootstrapServers(), "commit-take-group")));
  }
}
