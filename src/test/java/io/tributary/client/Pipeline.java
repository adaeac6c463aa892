package io.tributary.client;

import akka.Done;
import akka.actor.ActorSystem;
import akka.japi.Pair;
import akka.stream.KillSwitches;
import akka.stream.UniqueKillSwitch;
import akka.stream.javadsl.Keep;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The at-least-once pipeline under test: committableSource(in) → transform → Producer.flow(out) → Committer.
 * Also a main class, so that a test can run it in a child JVM and kill that JVM.
 */
final class Pipeline {
  private Pipeline() {}

  /** What a running pipeline materializes. */
  record Running(Consumer.Control control, UniqueKillSwitch killSwitch, CompletionStage<Done> done) {}

  static String transform(String value) {
    return "out:" + value;
  }

  static Running start(ActorSystem system, String bootstrap, String in, String out, String group, int perSecond) {
    var consumerSettings = ConsumerSettings.create(system, new StringDeserializer(), new StringDeserializer())
        .withBootstrapServers(bootstrap)
        .withGroupId(group)
        .withProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
        .withProperty(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000")
        .withProperty(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000");
    var producerSettings = ProducerSettings.create(system, new StringSerializer(), new StringSerializer())
        .withBootstrapServers(bootstrap);
    var committerSettings = CommitterSettings.create(system).withMaxInterval(Duration.ofSeconds(1));
    Pair<Pair<Consumer.Control, UniqueKillSwitch>, CompletionStage<Done>> m =
        Consumer.committableSource(consumerSettings, Subscriptions.topics(in))
            .throttle(perSecond, Duration.ofSeconds(1))
            .viaMat(KillSwitches.<CommittableMessage<String, String>>single(), Keep.both())
            .map(msg -> ProducerMessage.single(
                new ProducerRecord<>(out, msg.record().key(), transform(msg.record().value())),
                msg.committableOffset()))
            .via(Producer.flow(producerSettings))
            .map(ProducerMessage.Results::passThrough)
            .toMat(Committer.sink(committerSettings), Keep.both())
            .run(system);
    return new Running(m.first().first(), m.first().second(), m.second());
  }

  /** {@code Pipeline bootstrap in out group perSecond}: runs until killed. */
  public static void main(String[] args) throws Exception {
    var system = ActorSystem.create("pipeline");
    var running = start(system, args[0], args[1], args[2], args[3], Integer.parseInt(args[4]));
    System.out.println("pipeline started");
    running.done().toCompletableFuture().get();
  }
}
