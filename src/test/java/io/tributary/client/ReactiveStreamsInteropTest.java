package io.tributary.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.ActorSystem;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/** The Reactive Streams forms driven by a second reactive library, Project Reactor. */
class ReactiveStreamsInteropTest extends EmbeddedBrokerTestBase {

  @Test
  void reactorFluxIntoSubscriberAndOutOfPublisher() throws Exception {
    broker.createTopic("interop", 1);
    var producerSettings = ProducerSettings.create(system, new StringSerializer(), new StringSerializer())
        .withBootstrapServers(broker.bootstrapServers());
    var sink = Producer.plainSubscriber(producerSettings, system);
    Flux.range(0, 5_000)
        .map(i -> new ProducerRecord<String, String>("interop", Integer.toString(i), "v" + i))
        .subscribe(sink.first());
    sink.second().toCompletableFuture().get(30, TimeUnit.SECONDS);

    var consumerSettings = ConsumerSettings.create(system, new StringDeserializer(), new StringDeserializer())
        .withBootstrapServers(broker.bootstrapServers());
    var source = Consumer.plainPublisher(consumerSettings,
        Subscriptions.assignmentWithOffsets(java.util.Map.of(new TopicPartition("interop", 0), 0L)), system);
    List<String> values = Flux.from(source.second())
        .limitRate(64) // requests 64 at a time: the consumer only fetches what is asked for
        .map(ConsumerRecord::value)
        .take(5_000)
        .collectList()
        .block(Duration.ofSeconds(30));
    assertEquals(IntStream.range(0, 5_000).mapToObj(i -> "v" + i).toList(), values);
    // take() cancelled the subscription: the consumer shuts down
    source.first().isShutdown().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
