package io.tributary.client.docs;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.ActorSystem;
import io.tributary.client.EmbeddedBroker;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Runs the README's recipes against an EmbeddedBroker. */
class RecipesTest extends io.tributary.client.EmbeddedBrokerTestBase {

  static long committed(String group, String topic) throws Exception {
    try (var admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      return admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().entrySet().stream()
          .filter(e -> e.getKey().topic().equals(topic) && e.getValue() != null)
          .mapToLong(e -> e.getValue().offset()).sum();
    }
  }

  static long endOffset(String topic) {
    try (var admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()))) {
      var tp = new TopicPartition(topic, 0);
      return admin.listOffsets(Map.of(tp, OffsetSpec.latest())).partitionResult(tp).get().offset();
    } catch (Exception e) {
      return -1;
    }
  }

  @Test
  void recipesRun() throws Exception {
    broker.createTopic("greetings", 1);
    broker.createTopic("shouts", 1);
    broker.createTopic("clicks", 3);

    Recipes.produce(system, broker.bootstrapServers()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(List.of("hello 1", "hello 2", "hello 3"),
        Recipes.plainConsume(system, broker.bootstrapServers()).toCompletableFuture().get(30, TimeUnit.SECONDS));

    var shouting = Recipes.shout(system, broker.bootstrapServers());
    await("100 shouts").atMost(Duration.ofSeconds(30)).until(() -> endOffset("shouts") == 100);
    shouting.first().drainAndShutdown(shouting.second()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(100, committed("shouter", "greetings"), "drainAndShutdown commits what was processed");

    var p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    try (var producer = new KafkaProducer<String, String>(p, new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < 300; i++) producer.send(new ProducerRecord<>("clicks", i % 3, null, "click " + i));
    }
    var perPartition = new ConcurrentHashMap<Integer, AtomicInteger>();
    var clicks = Recipes.perPartition(system, broker.bootstrapServers(),
        (partition, value) -> perPartition.computeIfAbsent(partition, k -> new AtomicInteger()).incrementAndGet());
    await("300 clicks").atMost(Duration.ofSeconds(30)).until(() -> perPartition.values().stream().mapToInt(AtomicInteger::get).sum() == 300);
    clicks.first().drainAndShutdown(clicks.second()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(3, perPartition.size());
    perPartition.values().forEach(n -> assertEquals(100, n.get()));
    assertEquals(300, committed("clicks-per-partition", "clicks"));
  }
}
