package io.tributary.it.clients;

import static io.tributary.it.clients.ExternalClients.CLIENTS_DIR;
import static io.tributary.it.clients.ExternalClients.KAFKAJS_DIR;
import static io.tributary.it.clients.ExternalClients.PYTHON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.client.EmbeddedBroker;
import io.tributary.it.TestBrokers;
import io.tributary.it.clients.ExternalClients.Requirement;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka clients most used outside the JVM, each running its scenario script under
 * {@code src/test/clients/<client>/} against real brokers: one with topic auto-creation, one without (for
 * the unknown-topic scenario). A script prints one line per scenario, {@code PASS <name>} or
 * {@code FAIL <name>: <reason>}; every expected scenario must have printed PASS. Then a Java consumer reads
 * what the client compressed.
 */
class NonJavaClientsTest {
  private static final Logger log = LoggerFactory.getLogger(NonJavaClientsTest.class);
  private static final Duration SCRIPT_TIMEOUT = Duration.ofMinutes(4);
  /** Records each script's compression scenarios write, to {@code <prefix>-<codec>}, valued "<codec> record <i>...". */
  private static final int COMPRESSED_RECORDS = 50;
  private static final Pattern RESULT = Pattern.compile("(PASS|FAIL) ([a-z0-9-]+)(: .*)?");
  private static final List<String> SCENARIOS = List.of("produce-consume", "auto-create", "consumer-group",
      "compression-gzip", "compression-snappy", "compression-lz4", "compression-zstd", "headers-timestamps",
      "offsets-for-times", "idempotent-produce", "offset-out-of-range", "unknown-topic");

  enum Client {
    KCAT(List.of("bash", "scenarios.sh"), CLIENTS_DIR.resolve("kcat"), SCENARIOS,
        ExternalClients.executable("kcat", "apt-get install kcat")),
    CONFLUENT_KAFKA(List.of(PYTHON, "scenarios.py"), CLIENTS_DIR.resolve("confluent-kafka"), SCENARIOS,
        ExternalClients.pythonModules("confluent-kafka", "apt-get install python3-confluent-kafka", "confluent_kafka")),
    // kafka-python 2.0 has no idempotent producer
    KAFKA_PYTHON(List.of(PYTHON, "scenarios.py"), CLIENTS_DIR.resolve("kafka-python"),
        SCENARIOS.stream().filter(s -> !s.equals("idempotent-produce")).toList(),
        ExternalClients.pythonModules("kafka-python with its codecs",
            "apt-get install python3-kafka python3-snappy python3-lz4 python3-zstandard", "kafka", "snappy", "lz4.frame", "zstandard")),
    KAFKAJS(List.of("node", "scenarios.js"), KAFKAJS_DIR, SCENARIOS, ExternalClients.kafkajs());

    final List<String> command;
    final Path dir;
    final List<String> scenarios;
    final Requirement requirement;

    Client(List<String> command, Path dir, List<String> scenarios, Requirement requirement) {
      this.command = command;
      this.dir = dir;
      this.scenarios = scenarios;
      this.requirement = requirement;
    }
  }

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
  @EnumSource(Client.class)
  void everyScenarioPasses(Client client) throws Exception {
    ExternalClients.require(List.of(client.requirement));
    String prefix = client.name().toLowerCase() + "-" + System.nanoTime();
    var result = ExternalClients.run(client.command, client.dir, Map.of(
        "BOOTSTRAP", broker.bootstrapServers(),
        "NO_AUTO_CREATE_BOOTSTRAP", noAutoCreateBroker.bootstrapServers(),
        "TOPIC_PREFIX", prefix), SCRIPT_TIMEOUT);
    log.info("{} exited with {}; stdout:\n{}\nstderr:\n{}", client, result.exitCode(), String.join("\n", result.stdout()), result.stderr());

    Map<String, String> outcomes = new LinkedHashMap<>(); // scenario -> the line it printed
    for (String line : result.stdout()) {
      var m = RESULT.matcher(line);
      if (m.matches()) outcomes.put(m.group(2), line);
    }
    var expected = client.scenarios.stream().collect(Collectors.toMap(s -> s, s -> "PASS " + s, (a, b) -> a, LinkedHashMap::new));
    assertEquals(expected, outcomes, client + " printed:\n" + String.join("\n", result.stdout()));
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
