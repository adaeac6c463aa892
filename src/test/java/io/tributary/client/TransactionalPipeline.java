package io.tributary.client;

import akka.Done;
import akka.actor.ActorSystem;
import akka.japi.Pair;
import akka.stream.javadsl.Keep;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The exactly-once pipeline under test: Transactional.source(in) → transform → Transactional.sink(out).
 * Also a main class, so that a test can run it in a child JVM and kill that JVM.
 */
final class TransactionalPipeline {
  private TransactionalPipeline() {}

  record Running(Consumer.Control control, CompletionStage<Done> done) {}

  static String transform(String value) {
    return "copy:" + value;
  }

  /** Runs the pipeline; if {@code failAfter > 0}, the transform throws at that many records (a failed stream). */
  static Running start(ActorSystem system, String bootstrap, String in, String out, String group,
                       String transactionalId, int perSecond, int failAfter) {
    var consumerSettings = ConsumerSettings.create(system, new StringDeserializer(), new StringDeserializer())
        .withBootstrapServers(bootstrap)
        .withGroupId(group)
        .withProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
        .withProperty(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000")
        .withProperty(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000");
    var producerSettings = ProducerSettings.create(system, new StringSerializer(), new StringSerializer())
        .withBootstrapServers(bootstrap);
    var seen = new AtomicInteger();
    Pair<Consumer.Control, CompletionStage<Done>> m = Transactional.source(consumerSettings, Subscriptions.topics(in))
        .throttle(perSecond, Duration.ofSeconds(1))
        .map(msg -> {
          if (seen.incrementAndGet() == failAfter) throw new IllegalStateException("simulated failure at record " + failAfter);
          return ProducerMessage.single(new ProducerRecord<>(out, msg.record().key(), transform(msg.record().value())),
              msg.partitionOffset());
        })
        .toMat(Transactional.sink(producerSettings, transactionalId), Keep.both())
        .run(system);
    return new Running(m.first(), m.second());
  }

  /** {@code TransactionalPipeline bootstrap in out group transactionalId perSecond}: runs until killed. */
  public static void main(String[] args) throws Exception {
    var system = ActorSystem.create("transactional-pipeline");
    var running = start(system, args[0], args[1], args[2], args[3], args[4], Integer.parseInt(args[5]), 0);
    System.out.println("pipeline started");
    running.done().toCompletableFuture().get();
  }
}
