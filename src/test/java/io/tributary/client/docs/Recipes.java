package io.tributary.client.docs;

import akka.Done;
import akka.actor.ActorSystem;
import akka.japi.Pair;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import io.tributary.client.CommitterSettings;
import io.tributary.client.Committer;
import io.tributary.client.Consumer;
import io.tributary.client.ConsumerSettings;
import io.tributary.client.Producer;
import io.tributary.client.ProducerMessage;
import io.tributary.client.ProducerSettings;
import io.tributary.client.Subscriptions;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** The README's four recipes, compiled and run by RecipesTest. Text between the markers is what the README shows. */
public final class Recipes {
  private Recipes() {}

  // #produce
  static CompletionStage<Done> produce(ActorSystem system, String bootstrap) {
    var settings = ProducerSettings.create(system, new StringSerializer(), new StringSerializer())
        .withBootstrapServers(bootstrap);
    return Source.range(1, 100)
        .map(i -> new ProducerRecord<>("greetings", Integer.toString(i), "hello " + i))
        .runWith(Producer.plainSink(settings), system);
  }
  // #produce

  // #plain-consume
  static CompletionStage<List<String>> plainConsume(ActorSystem system, String bootstrap) {
    var settings = ConsumerSettings.create(system, new StringDeserializer(), new StringDeserializer())
        .withBootstrapServers(bootstrap)
        .withProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return Consumer.plainSource(settings, Subscriptions.assignment(new TopicPartition("greetings", 0)))
        .map(record -> record.value())
        .take(3) // cancelling the stream closes the consumer
        .runWith(Sink.seq(), system);
  }
  // #plain-consume

  // #at-least-once
  static Pair<Consumer.Control, CompletionStage<Done>> shout(ActorSystem system, String bootstrap) {
    var consumerSettings = ConsumerSettings.create(system, new StringDeserializer(), new StringDeserializer())
        .withBootstrapServers(bootstrap)
        .withGroupId("shouter")
        .withProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    var producerSettings = ProducerSettings.create(system, new StringSerializer(), new StringSerializer())
        .withBootstrapServers(bootstrap);
    return Consumer.committableSource(consumerSettings, Subscriptions.topics("greetings"))
        .map(msg -> ProducerMessage.single(
            new ProducerRecord<>("shouts", msg.record().key(), msg.record().value().toUpperCase()),
            msg.committableOffset()))
        .toMat(Producer.committableSink(producerSettings, CommitterSettings.create(system)), Keep.both())
        .run(system);
    // to stop: control.drainAndShutdown(done) — finishes the records in flight and commits them first
  }
  // #at-least-once

  // #partitioned
  static Pair<Consumer.Control, CompletionStage<Done>> perPartition(ActorSystem system, String bootstrap,
                                                                    BiConsumer<Integer, String> handler) {
    var settings = ConsumerSettings.create(system, new StringDeserializer(), new StringDeserializer())
        .withBootstrapServers(bootstrap)
        .withGroupId("clicks-per-partition")
        .withProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    var committerSettings = CommitterSettings.create(system);
    return Consumer.committablePartitionedSource(settings, Subscriptions.topics("clicks"))
        // one sub-stream per assigned partition, in order within it; it completes when the partition is revoked
        .mapAsyncUnordered(16, partition -> partition.second()
            .map(msg -> {
              handler.accept(partition.first().partition(), msg.record().value());
              return msg.committableOffset();
            })
            .runWith(Committer.sink(committerSettings), system))
        .toMat(Sink.ignore(), Keep.both())
        .run(system);
  }
  // #partitioned
}
