package io.tributary.it.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.client.EmbeddedBroker;
import io.tributary.it.TestBrokers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The Kafka clients most used outside the JVM, each running its scenario script under
 * {@code src/test/clients/<client>/} against real brokers: one with topic auto-creation, one without (for
 * the unknown-topic scenario). A script prints one line per scenario, {@code PASS <name>} or
 * {@code FAIL <name>: <reason>}; every expected scenario must have printed PASS. Then a Java consumer reads
 * what the client compressed.
 */
class NonJavaClientsTest {
  private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(4);
  /** Records each script's compression scenarios write, to {@code <prefix>-<codec>}, valued "<codec> record <i>...". */
  private static final int COMPRESSED_RECORDS = 50;

  private static EmbeddedBroker broker;
  private static EmbeddedBroker noAutoCreateBroker;

  @BeforeAll
  static void startBrokers() {
    broker = EmbeddedBroker.start();
    noAutoCreateBroker = EmbeddedBroker.start("tributary.auto.create.topics.enable = false");
  }

  @AfterAll
  static void stopBrokers() {
    Stream.of(broker, noAutoCreateBroker).filter(b -> b != null).forEach(EmbeddedBroker::close);
  }

  @ParameterizedTest
  @EnumSource(ClientScript.class)
  void everyScenarioPasses(ClientScript client) throws Exception {
    ExternalClients.require(List.of(client.requirement));
    String prefix = client.name().toLowerCase() + "-" + System.nanoTime();
    var result = client.run(List.of(), Map.of(
        "BOOTSTRAP", broker.bootstrapServers(),
        "NO_AUTO_CREATE_BOOTSTRAP", noAutoCreateBroker.bootstrapServers(),
        "TOPIC_PREFIX", prefix), SCRIPT_TIMEOUT);
    var expected = client.scenarios.stream().collect(Collectors.toMap(s -> s, s -> "PASS " + s, (a, b) -> a, LinkedHashMap::new));
    assertEquals(expected, ClientScript.outcomes(result), client + " printed:\n" + String.join("\n", result.stdout()));
    assertEquals(0, result.exitCode(), client + " exit code");
    for (String codec : List.of("gzip", "snappy", "lz4", "zstd")) {
      javaConsumerReads(prefix + "-" + codec, codec + " record ");
    }
  }

  /**
   * The broker stores batches as produced, without decompressing them: a Java consumer must be able to read
   * what each client compressed (the 50 records of its compression scenario), not only the client itself.
   */
  private static void javaConsumerReads(String topic, String valuePrefix) {
    var tp = new TopicPartition(topic, 0);
    try (var consumer = new KafkaConsumer<byte[], byte[]>(TestBrokers.consumerProps(broker.node()))) {
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      List<String> values = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (values.size() < COMPRESSED_RECORDS && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
      }
      assertEquals(COMPRESSED_RECORDS, values.size(), "records of " + topic + " read by a Java consumer");
      values.forEach(v -> assertTrue(v.startsWith(valuePrefix), topic + " holds " + v));
    }
  }
}
