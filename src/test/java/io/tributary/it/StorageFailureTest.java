package io.tributary.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.node.BrokerNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.KafkaStorageException;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A failed write or fsync takes its partition offline, as Kafka takes a log directory offline: produce and
 * fetch get KAFKA_STORAGE_ERROR, /health names the partition, the other partitions keep working, and a restart
 * recovers the log to what was acknowledged.
 */
class StorageFailureTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BROKEN = "broken";
  private static final String HEALTHY = "healthy";

  @TempDir
  Path dataDir;

  @ParameterizedTest
  @EnumSource(value = FailingChannels.Failure.class, names = {"WRITE", "FSYNC"})
  void aFailedWriteOrFsyncTakesOnlyItsPartitionOffline(FailingChannels.Failure failure) throws Exception {
    var disk = new FailingChannels(BROKEN + "-0");
    // fsync before acknowledging, so that a failing fsync is on the produce path
    var config = TestBrokers.config(dataDir, "tributary.http.port = 0", "tributary.log.flush.policy = \"always\"");
    try (BrokerNode node = BrokerNode.start(config, disk)) {
      try (var admin = Admin.create(TestBrokers.adminProps(node))) {
        admin.createTopics(List.of(new NewTopic(BROKEN, 1, (short) 1), new NewTopic(HEALTHY, 1, (short) 1))).all().get();
      }
      try (var producer = new KafkaProducer<byte[], byte[]>(producerWithoutRetries(node))) {
        send(producer, BROKEN, "before");
        send(producer, HEALTHY, "before");

        if (failure == FailingChannels.Failure.WRITE) disk.breakWrites();
        else disk.breakFsync();

        var failed = assertThrows(ExecutionException.class, () -> send(producer, BROKEN, "during"));
        assertInstanceOf(KafkaStorageException.class, failed.getCause());
        disk.mend(); // offline stays offline: the log's state on disk is unknown until recovery
        failed = assertThrows(ExecutionException.class, () -> send(producer, BROKEN, "after"));
        assertInstanceOf(KafkaStorageException.class, failed.getCause());

        assertEquals(1, send(producer, HEALTHY, "during"));
      }

      try (var client = new RawClient("127.0.0.1", node.port())) {
        assertEquals(Errors.KAFKA_STORAGE_ERROR, Errors.forCode(fetch(client, BROKEN).errorCode()));
        var healthy = fetch(client, HEALTHY);
        assertEquals(Errors.NONE, Errors.forCode(healthy.errorCode()));
        assertEquals(List.of("before", "during"), values(healthy));
      }

      JsonNode health = health(node);
      assertEquals("DEGRADED", health.get("status").asText());
      JsonNode offline = health.get("offline_partitions");
      assertEquals(1, offline.size(), offline.toString());
      assertEquals(BROKEN, offline.get(0).get("topic").asText());
      assertEquals(0, offline.get(0).get("partition").asInt());
      assertEquals("KAFKA_STORAGE_ERROR", offline.get(0).get("error").asText());
      assertTrue(offline.get(0).get("reason").asText().contains("Input/output error"), offline.toString());
    }

    // the disk is mended; a restart recovers the partition: what was acknowledged is there, and nothing sent while
    // it was offline. A batch whose write succeeded but whose fsync failed may survive (recovery keeps every valid
    // batch), as an unacknowledged record may in Kafka; one whose write failed may not.
    try (BrokerNode node = BrokerNode.start(TestBrokers.config(dataDir, "tributary.http.port = 0"))) {
      try (var client = new RawClient("127.0.0.1", node.port())) {
        var recovered = fetch(client, BROKEN);
        assertEquals(Errors.NONE, Errors.forCode(recovered.errorCode()));
        var expected = failure == FailingChannels.Failure.WRITE ? List.of("before") : List.of("before", "during");
        assertEquals(expected, values(recovered));
      }
      assertEquals("UP", health(node).get("status").asText());
    }
  }

  @Test
  void aFailedPeriodicFsyncTakesThePartitionOfflineWithNoRequestInFlight() throws Exception {
    var disk = new FailingChannels(BROKEN + "-0");
    // interval policy: appends are acknowledged unflushed, and the partition's timer fsyncs them after flush.ms
    var config = TestBrokers.config(dataDir, "tributary.http.port = 0", "tributary.log.flush.ms = 500",
        "tributary.partition.idle-check-interval = 100ms");
    try (BrokerNode node = BrokerNode.start(config, disk)) {
      try (var admin = Admin.create(TestBrokers.adminProps(node))) {
        admin.createTopics(List.of(new NewTopic(BROKEN, 1, (short) 1), new NewTopic(HEALTHY, 1, (short) 1))).all().get();
      }
      try (var producer = new KafkaProducer<byte[], byte[]>(producerWithoutRetries(node))) {
        send(producer, BROKEN, "unflushed");
        disk.breakFsync();

        await("the periodic fsync to fail").atMost(Duration.ofSeconds(30))
            .until(() -> health(node).get("status").asText().equals("DEGRADED"));
        var failed = assertThrows(ExecutionException.class, () -> send(producer, BROKEN, "after"));
        assertInstanceOf(KafkaStorageException.class, failed.getCause());
        assertEquals(0, send(producer, HEALTHY, "after"));
      }
      String metrics = get(node, "/metrics");
      assertTrue(metrics.lines().anyMatch(l -> l.startsWith("tributary_partitions_offline{") && l.endsWith(" 1.0")),
          "the offline gauge counts the partition");
    }
  }

  private static java.util.Properties producerWithoutRetries(BrokerNode node) {
    var props = TestBrokers.producerProps(node);
    // the first answer is the one under test: no retries, hence no idempotence
    props.put(ProducerConfig.RETRIES_CONFIG, 0);
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    return props;
  }

  /** Sends one record and returns its offset. */
  private static long send(KafkaProducer<byte[], byte[]> producer, String topic, String value) throws Exception {
    return producer.send(new ProducerRecord<>(topic, 0, null, value.getBytes(StandardCharsets.UTF_8)))
        .get(30, TimeUnit.SECONDS).offset();
  }

  /** Fetch v12 (topics by name) of partition 0 from offset 0, answered at once. */
  private static FetchResponseData.PartitionData fetch(RawClient client, String topic) throws Exception {
    var partition = new FetchRequest.PartitionData(Uuid.ZERO_UUID, 0, 0, 1 << 20, Optional.empty());
    FetchResponse response = client.send(
        FetchRequest.Builder.forConsumer((short) 12, 0, 0, Map.of(new TopicPartition(topic, 0), partition)), 12);
    var topics = response.data().responses();
    assertEquals(1, topics.size());
    return topics.get(0).partitions().get(0);
  }

  private static List<String> values(FetchResponseData.PartitionData data) {
    var out = new java.util.ArrayList<String>();
    for (var batch : ((MemoryRecords) data.records()).batches()) {
      for (var record : batch) {
        out.add(StandardCharsets.UTF_8.decode(record.value()).toString());
      }
    }
    return out;
  }

  private static JsonNode health(BrokerNode node) throws Exception {
    return JSON.readTree(get(node, "/health"));
  }

  private static String get(BrokerNode node, String path) throws Exception {
    var http = HttpClient.newHttpClient();
    var response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode());
    return response.body();
  }
}
