package io.tributary.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** Topic-pattern subscriptions (including topics created later) and the at-most-once source. */
class SubscriptionsTest extends EmbeddedBrokerTestBase {

  private ConsumerSettings<String, String> settings(String group) {
    return ConsumerSettings.create(system, new StringDeserializer(), new StringDeserializer())
        .withBootstrapServers(broker.bootstrapServers())
        .withGroupId(group)
        .withProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
        // a new matching topic is noticed at the next metadata refresh
        .withProperty(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "300");
  }

  @Test
  void topicPatternFollowsMatchingTopicsIncludingNewOnes() throws Exception {
    broker.createTopic("pattern-a", 2);
    broker.createTopic("pattern-b", 1);
    broker.createTopic("other-c", 1);
    ClientTests.produce(broker.bootstrapServers(), "pattern-a", 300, i -> "a" + i);
    ClientTests.produce(broker.bootstrapServers(), "pattern-b", 200, i -> "b" + i);
    ClientTests.produce(broker.bootstrapServers(), "other-c", 100, i -> "c" + i);

    // Distinct records per topic: the plain source commits nothing, so when the new topic joins the
    // subscription the (eager) rebalance starts the old partitions again from auto.offset.reset, as Kafka does.
    var records = ConcurrentHashMap.<String>newKeySet();
    var seen = new ConcurrentHashMap<String, Integer>();
    var run = Consumer.plainSource(settings("pattern-group"), Subscriptions.topicPattern("pattern-.*"))
        .toMat(Sink.foreach((ConsumerRecord<String, String> r) -> {
          if (records.add(r.topic() + "/" + r.partition() + "/" + r.offset())) seen.merge(r.topic(), 1, Integer::sum);
        }), Keep.both())
        .run(system);
    var control = run.first();
    await("records of the matching topics").atMost(Duration.ofSeconds(60)).until(() -> seen.getOrDefault("pattern-a", 0) == 300 && seen.getOrDefault("pattern-b", 0) == 200);

    broker.createTopic("pattern-new", 1);
    ClientTests.produce(broker.bootstrapServers(), "pattern-new", 50, i -> "n" + i);
    await("records of a matching topic created after subscribing").atMost(Duration.ofSeconds(60)).until(() -> seen.getOrDefault("pattern-new", 0) == 50);

    control.shutdown().toCompletableFuture().get(30, TimeUnit.SECONDS);
    run.second().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(Map.of("pattern-a", 300, "pattern-b", 200, "pattern-new", 50), Map.copyOf(seen));
  }

  @Test
  void atMostOnceSourceCommitsEachRecordBeforeEmittingIt() throws Exception {
    broker.createTopic("at-most-once", 1);
    ClientTests.produce(broker.bootstrapServers(), "at-most-once", 200, Integer::toString);
    var tp = new TopicPartition("at-most-once", 0);

    // Each record reaches the sink only after its offset was committed, so the committed position is always
    // past every record the sink has seen.
    var violations = new ConcurrentHashMap<Long, Long>();
    var admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    var firstRun = Consumer.atMostOnceSource(settings("amo-group"), Subscriptions.topics("at-most-once"))
        .take(40)
        .map(r -> {
          long committed = ClientTests.committed(admin, "amo-group").getOrDefault(tp, 0L);
          if (committed < r.offset() + 1) violations.put(r.offset(), committed);
          return r;
        })
        .toMat(Sink.seq(), Keep.both())
        .run(system);
    List<ConsumerRecord<String, String>> first = firstRun.second().toCompletableFuture().get(60, TimeUnit.SECONDS);
    // the consumer's shutdown commits what it staged last (a record it fetched but never emitted: at most once)
    firstRun.first().isShutdown().toCompletableFuture().get(30, TimeUnit.SECONDS);
    admin.close();
    assertEquals(40, first.size());
    assertTrue(violations.isEmpty(), "records emitted before their commit: " + violations);

    // A restart resumes after the last committed record: nothing is delivered twice.
    long committed = ClientTests.committed(broker.bootstrapServers(), "amo-group").get(tp);
    assertTrue(committed >= 40, "committed " + committed);
    List<ConsumerRecord<String, String>> rest = Consumer.atMostOnceSource(settings("amo-group"), Subscriptions.topics("at-most-once"))
        .takeWhile(r -> r.offset() < 199, true)
        .runWith(Sink.seq(), system)
        .toCompletableFuture().get(60, TimeUnit.SECONDS);
    assertEquals(committed, rest.get(0).offset());
    var offsets = new HashSet<Long>();
    first.forEach(r -> offsets.add(r.offset()));
    rest.forEach(r -> assertTrue(offsets.add(r.offset()), "delivered twice: " + r.offset()));
    assertEquals(199L, rest.get(rest.size() - 1).offset());
  }
}
