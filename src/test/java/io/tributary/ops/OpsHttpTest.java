package io.tributary.ops;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.it.TestBrokers;
import io.tributary.node.BrokerNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /metrics, /health, /ready and the records API of a real node. */
class OpsHttpTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  static Path dataDir;

  static BrokerNode node;
  static HttpClient http;
  static Admin admin;

  @BeforeAll
  static void start() throws Exception {
    node = TestBrokers.start(dataDir, "tributary.http.port = 0", "tributary.group.initial.rebalance.delay.ms = 0");
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    admin = Admin.create(TestBrokers.adminProps(node));
  }

  @AfterAll
  static void stop() {
    if (admin != null) admin.close();
    if (node != null) node.close();
  }

  static HttpResponse<String> get(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
        .timeout(Duration.ofSeconds(60)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  static HttpResponse<String> post(String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + path))
        .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  static PrometheusText scrape() throws Exception {
    var r = get("/metrics");
    assertEquals(200, r.statusCode(), r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    return PrometheusText.parse(r.body());
  }

  static void createTopic(String name, int partitions) throws Exception {
    admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
  }

  @Test
  void healthAndReadiness() throws Exception {
    var health = get("/health");
    assertEquals(200, health.statusCode());
    assertEquals("UP", JSON.readTree(health.body()).get("status").asText());
    assertEquals("Up", JSON.readTree(health.body()).get("member_status").asText(), "a single node is an Up member of its own cluster");
    var ready = get("/ready");
    assertEquals(200, ready.statusCode());
    assertEquals("READY", JSON.readTree(ready.body()).get("status").asText());
  }

  @Test
  void countersMoveByWhatWasProducedAndConsumed() throws Exception {
    createTopic("metrics-t", 1);
    var before = scrape();
    double produceRequestsBefore = before.value("tributary_kafka_requests_seconds_count", "api", "Produce");

    int records = 10;
    try (var producer = new KafkaProducer<byte[], byte[]>(TestBrokers.producerProps(node))) {
      for (int i = 0; i < records; i++) {
        producer.send(new ProducerRecord<>("metrics-t", ("k" + i).getBytes(), new byte[100])).get(); // one request each
      }
    }
    List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
    var tp = new TopicPartition("metrics-t", 0);
    try (var consumer = new KafkaConsumer<byte[], byte[]>(TestBrokers.consumerProps(node))) {
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (got.size() < records && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(100)).forEach(got::add);
      }
    }
    assertEquals(records, got.size());

    var after = scrape();
    assertEquals(records, after.value("tributary_topic_records_in_total", "topic", "metrics-t"));
    assertEquals(records, after.value("tributary_topic_records_out_total", "topic", "metrics-t"));
    double bytesIn = after.value("tributary_topic_bytes_in_total", "topic", "metrics-t");
    assertTrue(bytesIn > records * 100, "bytes in covers the values: " + bytesIn);
    assertEquals(bytesIn, after.value("tributary_partition_size_bytes", "topic", "metrics-t", "partition", "0"),
        "everything appended is in the log");
    assertEquals(bytesIn, after.value("tributary_topic_bytes_out_total", "topic", "metrics-t"),
        "the consumer read the whole log once");
    assertEquals(records, after.value("tributary_partition_log_end_offset", "topic", "metrics-t", "partition", "0"));
    assertEquals(0, after.value("tributary_partition_log_start_offset", "topic", "metrics-t", "partition", "0"));
    assertEquals(records, after.value("tributary_kafka_requests_seconds_count", "api", "Produce") - produceRequestsBefore);
    assertTrue(after.value("tributary_kafka_requests_seconds_count", "api", "Fetch") >= 1);
    assertTrue(after.value("tributary_kafka_requests_seconds_bucket", "api", "Produce", "le", "+Inf") >= records);
    assertEquals("histogram", after.types.get("tributary_kafka_requests_seconds"));
    assertEquals(1, after.value("tributary_cluster_members", "status", "Up"));
    assertEquals(0, after.value("tributary_cluster_members", "status", "Joining"));
    assertTrue(after.has("tributary_cluster_unreachable_members"));
    assertEquals(0, after.value("tributary_cluster_unreachable_members"));
    assertTrue(after.has("tributary_kafka_connections_active"));
    assertTrue(after.value("tributary_kafka_connections_active") >= 1, "the test's admin client is connected");
    assertTrue(after.has("jvm_memory_used_bytes"));
    assertTrue(after.has("jvm_gc_pause_seconds_count") || after.has("jvm_gc_memory_allocated_bytes_total"));
  }

  @Test
  void partitionsLedCountsWhatTheAdminClientSeesThisNodeLead() throws Exception {
    createTopic("led-a", 3);
    createTopic("led-b", 2);
    var described = admin.describeTopics(admin.listTopics().names().get()).allTopicNames().get();
    long ledHere = described.values().stream().flatMap(d -> d.partitions().stream())
        .filter(p -> p.leader() != null && p.leader().id() == node.settings().nodeId()).count();
    assertTrue(ledHere >= 5, "a single node leads every partition: " + described);
    await("the gauge to count the new topics' partitions").atMost(WAIT)
        .until(() -> scrape().value("tributary_partitions_led") == ledHere);
  }

  @Test
  void recordsApiRoundTripsBinaryKeysValuesAndHeaders() throws Exception {
    createTopic("http-t", 2);
    byte[] key = {0, 1, 2, (byte) 0xff, (byte) 0x80};
    byte[] value = {(byte) 0xc3, 0x28, 0, 42};
    byte[] header = {(byte) 0xfe, 0};
    var b64 = Base64.getEncoder();
    String body = JSON.writeValueAsString(Map.of("encoding", "base64", "records", List.of(
        Map.of("key", b64.encodeToString(key), "value", b64.encodeToString(value), "partition", 1,
            "headers", List.of(Map.of("name", "bin", "value", b64.encodeToString(header)))),
        Map.of("value", b64.encodeToString("second".getBytes()), "partition", 1))));
    var produced = post("/v1/topics/http-t/records", body);
    assertEquals(200, produced.statusCode(), produced.body());
    JsonNode offsets = JSON.readTree(produced.body()).get("offsets");
    assertEquals(1, offsets.get(0).get("partition").asInt());
    assertEquals(0, offsets.get(0).get("offset").asLong());
    assertEquals(1, offsets.get(1).get("offset").asLong());

    var read = get("/v1/topics/http-t/partitions/1/records?offset=0&limit=10&encoding=base64");
    assertEquals(200, read.statusCode(), read.body());
    JsonNode page = JSON.readTree(read.body());
    assertEquals(2, page.get("records").size(), read.body());
    assertEquals(2, page.get("nextOffset").asLong());
    JsonNode first = page.get("records").get(0);
    assertArrayEquals(key, Base64.getDecoder().decode(first.get("key").asText()));
    assertArrayEquals(value, Base64.getDecoder().decode(first.get("value").asText()));
    assertEquals("bin", first.get("headers").get(0).get("name").asText());
    assertArrayEquals(header, Base64.getDecoder().decode(first.get("headers").get(0).get("value").asText()));
    assertTrue(page.get("records").get(1).get("key").isNull());

    // a Kafka consumer sees the same bytes
    try (var consumer = new KafkaConsumer<byte[], byte[]>(TestBrokers.consumerProps(node))) {
      var tp = new TopicPartition("http-t", 1);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (got.isEmpty() && System.nanoTime() < deadline) consumer.poll(Duration.ofMillis(100)).forEach(got::add);
      assertArrayEquals(key, got.get(0).key());
      assertArrayEquals(value, got.get(0).value());
      assertArrayEquals(header, got.get(0).headers().lastHeader("bin").value());
    }

    // limit and offset
    var one = JSON.readTree(get("/v1/topics/http-t/partitions/1/records?offset=1&limit=1").body());
    assertEquals(1, one.get("records").size());
    assertEquals("second", one.get("records").get(0).get("value").asText());

    var topics = JSON.readTree(get("/v1/topics").body());
    assertTrue(topics.get("topics").toString().contains("\"http-t\""), topics.toString());
    var described = get("/v1/topics/http-t");
    assertEquals(200, described.statusCode(), described.body());
    JsonNode d = JSON.readTree(described.body());
    assertEquals(2, d.get("partitions").size());
    assertEquals(2, d.get("partitions").get(1).get("endOffset").asLong());
    assertEquals(0, d.get("partitions").get(0).get("endOffset").asLong());

    // text (utf8) records
    var text = post("/v1/topics/http-t/records",
        "{\"records\":[{\"key\":\"k\",\"value\":\"h\u00e9llo\",\"partition\":0,\"headers\":{\"h\":\"v\"}}]}");
    assertEquals(200, text.statusCode(), text.body());
    var textRead = JSON.readTree(get("/v1/topics/http-t/partitions/0/records").body());
    assertEquals("h\u00e9llo", textRead.get("records").get(0).get("value").asText());
    assertEquals("v", textRead.get("records").get(0).get("headers").get(0).get("value").asText());
  }

  @Test
  void errorsAreJsonWithTheKafkaErrorName() throws Exception {
    createTopic("http-errors", 1);
    var malformed = post("/v1/topics/http-errors/records", "{\"records\": [ {\"value\": ");
    assertEquals(400, malformed.statusCode(), malformed.body());
    assertEquals("INVALID_REQUEST", JSON.readTree(malformed.body()).get("error").asText());

    var notBase64 = post("/v1/topics/http-errors/records", "{\"encoding\":\"base64\",\"records\":[{\"value\":\"***\"}]}");
    assertEquals(400, notBase64.statusCode(), notBase64.body());

    var noRecords = post("/v1/topics/http-errors/records", "{\"records\": []}");
    assertEquals(400, noRecords.statusCode(), noRecords.body());

    String valid = "{\"records\":[{\"value\":\"x\"}]}";
    for (var r : List.of(post("/v1/topics/no-such-topic/records", valid), get("/v1/topics/no-such-topic"),
        get("/v1/topics/no-such-topic/partitions/0/records"), get("/v1/topics/http-errors/partitions/7/records"))) {
      assertEquals(404, r.statusCode(), r.body());
      JsonNode error = JSON.readTree(r.body());
      assertEquals("UNKNOWN_TOPIC_OR_PARTITION", error.get("error").asText());
      assertEquals(3, error.get("error_code").asInt());
      assertFalse(error.get("message").asText().isEmpty());
    }
    assertFalse(JSON.readTree(get("/v1/topics").body()).get("topics").toString().contains("no-such-topic"),
        "the HTTP API never auto-creates topics");

    var outOfRange = get("/v1/topics/http-errors/partitions/0/records?offset=99");
    assertEquals(416, outOfRange.statusCode(), outOfRange.body());
    assertEquals("OFFSET_OUT_OF_RANGE", JSON.readTree(outOfRange.body()).get("error").asText());
    assertEquals(400, get("/v1/topics/http-errors/partitions/0/records?limit=abc").statusCode());
  }

  @Test
  void groupsWithLag() throws Exception {
    createTopic("http-groups", 1);
    try (var producer = new KafkaProducer<byte[], byte[]>(TestBrokers.producerProps(node))) {
      for (int i = 0; i < 5; i++) producer.send(new ProducerRecord<>("http-groups", new byte[] {(byte) i})).get();
    }
    var props = TestBrokers.consumerProps(node);
    props.put("group.id", "http-g");
    try (var consumer = new KafkaConsumer<byte[], byte[]>(props)) {
      consumer.commitSync(Map.of(new TopicPartition("http-groups", 0), new OffsetAndMetadata(2)));
    }
    var r = get("/v1/groups");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode group = null;
    for (JsonNode g : JSON.readTree(r.body()).get("groups")) if (g.get("group").asText().equals("http-g")) group = g;
    assertTrue(group != null, r.body());
    assertEquals(3, group.get("lag").asLong());
    JsonNode p = group.get("partitions").get(0);
    assertEquals(2, p.get("committedOffset").asLong());
    assertEquals(5, p.get("endOffset").asLong());
    assertEquals(3, p.get("lag").asLong());
  }

  @Test
  void groupLagInMetricsAndDeletedTopicsLeaveTheScrape() throws Exception {
    createTopic("lag-t", 2);
    try (var producer = new KafkaProducer<byte[], byte[]>(TestBrokers.producerProps(node))) {
      for (int i = 0; i < 20; i++) producer.send(new ProducerRecord<>("lag-t", 0, null, new byte[] {(byte) i})).get();
      for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>("lag-t", 1, null, new byte[] {(byte) i})).get();
    }
    var props = TestBrokers.consumerProps(node);
    props.put("group.id", "lag-g");
    try (var consumer = new KafkaConsumer<byte[], byte[]>(props)) {
      consumer.commitSync(Map.of(new TopicPartition("lag-t", 0), new OffsetAndMetadata(5),
          new TopicPartition("lag-t", 1), new OffsetAndMetadata(10)));
    }
    var m = scrape();
    assertEquals(5, m.value("tributary_group_committed_offset", "group", "lag-g", "topic", "lag-t", "partition", "0"));
    assertEquals(10, m.value("tributary_group_committed_offset", "group", "lag-g", "topic", "lag-t", "partition", "1"));
    assertEquals(15, m.value("tributary_group_lag", "group", "lag-g", "topic", "lag-t", "partition", "0"));
    assertTrue(m.has("tributary_group_lag", "group", "lag-g", "topic", "lag-t", "partition", "1"));
    assertEquals(0, m.value("tributary_group_lag", "group", "lag-g", "topic", "lag-t", "partition", "1"));
    assertEquals(15, m.value("tributary_group_lag_sum", "group", "lag-g"));
    assertEquals(30, m.value("tributary_topic_records_in_total", "topic", "lag-t"));

    admin.deleteTopics(List.of("lag-t")).all().get();
    PrometheusText after = await("the deleted topic's series to leave the scrape").atMost(WAIT).until(OpsHttpTest::scrape,
        scraped -> !scraped.has("tributary_topic_records_in_total", "topic", "lag-t")
            && !scraped.has("tributary_group_committed_offset", "topic", "lag-t")
            && !scraped.has("tributary_partition_log_end_offset", "topic", "lag-t"));
    assertFalse(after.has("tributary_topic_records_in_total", "topic", "lag-t"), "a deleted topic's counters are dropped");
    assertFalse(after.has("tributary_topic_bytes_in_total", "topic", "lag-t"));
    assertFalse(after.has("tributary_group_committed_offset", "topic", "lag-t"), "its group offsets are removed");
    assertFalse(after.has("tributary_group_lag", "topic", "lag-t"));
    assertFalse(after.has("tributary_partition_log_end_offset", "topic", "lag-t"));
  }
}
