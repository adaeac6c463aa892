package io.tributary.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.node.BrokerNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceDataCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.ResponseHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input over the wire: broken frames close only their own connection, bad requests get the
 * Kafka error a Kafka broker gives, and none of it disturbs a producer that keeps sending on
 * another connection the whole time.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class BadInputTest {
  private static final int MAX_REQUEST_BYTES = 1024 * 1024;
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(20);
  private static final String STEADY_TOPIC = "steady";

  @TempDir
  static Path data;

  static BrokerNode node;
  static String bootstrap;
  static KafkaProducer<String, String> steadyProducer;
  static Thread steadySender;
  static final AtomicBoolean stopSteady = new AtomicBoolean();
  static final AtomicLong steadyAcks = new AtomicLong();
  static final List<Throwable> steadyFailures = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void startBrokerAndSteadyProducer() throws Exception {
    node = RobustSupport.startNode(data, Map.of("tributary.kafka.socket.request.max.bytes", MAX_REQUEST_BYTES));
    bootstrap = node.bootstrapServers();
    var props = RobustSupport.producerProps(bootstrap);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 1);
    steadyProducer = RobustSupport.producer(props);
    steadyProducer.send(new ProducerRecord<>(STEADY_TOPIC, "first")).get(60, TimeUnit.SECONDS);
    steadySender = new Thread(() -> {
      long i = 0;
      while (!stopSteady.get()) {
        try {
          steadyProducer.send(new ProducerRecord<>(STEADY_TOPIC, "k" + (i % 10), "steady-" + i++)).get(60, TimeUnit.SECONDS);
          steadyAcks.incrementAndGet();
        } catch (InterruptedException e) {
          return;
        } catch (Exception e) {
          steadyFailures.add(e);
        }
      }
    }, "steady-producer");
    steadySender.start();
  }

  @AfterAll
  static void stop() throws Exception {
    stopSteady.set(true);
    if (steadySender != null) steadySender.join(60_000);
    if (steadyProducer != null) steadyProducer.close(Duration.ofSeconds(10));
    if (node != null) node.close();
  }

  private long acksBefore;

  @BeforeEach
  void noteSteadyProgress() {
    acksBefore = steadyAcks.get();
  }

  /** The producer on its own connection kept going (a few more acknowledgements, no failure). */
  @AfterEach
  void steadyProducerUndisturbed() {
    await("the steady producer to get 20 more acknowledgements").atMost(Duration.ofSeconds(30)).until(() -> steadyAcks.get() >= acksBefore + 20 || !steadyFailures.isEmpty());
    assertEquals(List.of(), steadyFailures, "the steady producer's sends failed");
  }

  // ------------------------------------------------------------------- frames: close only that connection

  @Test
  void garbageFrameClosesOnlyThatConnection() throws Exception {
    byte[] garbage = new byte[64];
    Arrays.fill(garbage, (byte) 0xFF); // api key -1: not a request header
    try (var conn = new RawKafkaConnection(bootstrap)) {
      conn.sendFrame(garbage);
      assertTrue(conn.closedByBroker(CLOSE_TIMEOUT), "the broker kept a connection that sent a garbage frame");
    }
    assertStillServing();
  }

  @Test
  void validHeaderWithGarbageBodyClosesOnlyThatConnection() throws Exception {
    var header = new RequestHeader(ApiKeys.METADATA, (short) 12, "bad-input", 1);
    byte[] headerOnly = RawKafkaConnection.header(header);
    byte[] frame = Arrays.copyOf(headerOnly, headerOnly.length + 30);
    Arrays.fill(frame, headerOnly.length, frame.length, (byte) 0x7F); // topics: a compact array of 126 entries that are not there
    try (var conn = new RawKafkaConnection(bootstrap)) {
      conn.sendFrame(frame);
      assertTrue(conn.closedByBroker(CLOSE_TIMEOUT), "the broker kept a connection that sent an unparseable Metadata body");
    }
    assertStillServing();
  }

  @Test
  void unknownApiKeyClosesOnlyThatConnection() throws Exception {
    ByteBuffer header = ByteBuffer.allocate(14);
    header.putShort((short) 9999).putShort((short) 0).putInt(5).putShort((short) -1).putInt(0);
    try (var conn = new RawKafkaConnection(bootstrap)) {
      conn.sendFrame(header.array());
      assertTrue(conn.closedByBroker(CLOSE_TIMEOUT), "the broker kept a connection that sent API key 9999");
    }
    assertStillServing();
  }

  @Test
  void truncatedFrameDoesNotHoldUpOtherClients() throws Exception {
    try (var conn = new RawKafkaConnection(bootstrap)) {
      ByteBuffer partial = ByteBuffer.allocate(14);
      partial.putInt(100).put(new byte[10]); // says 100 bytes, sends 10
      conn.sendRaw(partial.array());
      // while it waits for the other 90 bytes, everyone else is served
      assertStillServing();
      long acks = steadyAcks.get();
      await("the steady producer to progress while a frame is incomplete").atMost(Duration.ofSeconds(30)).until(() -> steadyAcks.get() >= acks + 10);
      assertFalse(conn.closedByBroker(Duration.ofMillis(200)), "an incomplete frame is not an error (yet)");
      conn.shutdownOutput(); // the client gives up mid-frame
      assertTrue(conn.closedByBroker(CLOSE_TIMEOUT), "the broker kept a connection that ended mid-frame");
    }
    assertStillServing();
  }

  @Test
  void manyStalledConnectionsDoNotHoldUpOtherClients() throws Exception {
    List<RawKafkaConnection> stalled = new ArrayList<>();
    try {
      for (int i = 0; i < 100; i++) {
        var conn = new RawKafkaConnection(bootstrap);
        stalled.add(conn);
        conn.sendRaw(new byte[] {0, 0, 1, 0, 0, 3}); // 256 bytes announced, 2 sent
      }
      assertStillServing();
      long acks = steadyAcks.get();
      await("the steady producer to progress beside 100 stalled connections").atMost(Duration.ofSeconds(30)).until(() -> steadyAcks.get() >= acks + 10);
    } finally {
      for (var conn : stalled) conn.close();
    }
    assertStillServing();
  }

  @Test
  void frameAboveTheSizeLimitClosesOnlyThatConnection() throws Exception {
    try (var conn = new RawKafkaConnection(bootstrap)) {
      ByteBuffer big = ByteBuffer.allocate(4 + 1000);
      big.putInt(MAX_REQUEST_BYTES + 1).put(new byte[1000]); // the broker must decide from the size alone
      conn.sendRaw(big.array());
      assertTrue(conn.closedByBroker(CLOSE_TIMEOUT), "the broker kept a connection that announced a frame above the limit");
    }
    try (var conn = new RawKafkaConnection(bootstrap)) {
      conn.sendRaw(new byte[] {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xF0, 1, 2, 3}); // negative size
      assertTrue(conn.closedByBroker(CLOSE_TIMEOUT), "the broker kept a connection that sent a negative frame size");
    }
    assertStillServing();
  }

  // ------------------------------------------------------------------- versions

  @Test
  void apiVersionsInAnUnknownVersionGetsUnsupportedVersionWithTheApiList() throws Exception {
    try (var conn = new RawKafkaConnection(bootstrap)) {
      var header = new RequestHeader(ApiKeys.API_VERSIONS, (short) 99, "bad-input", 42);
      conn.sendFrame(RawKafkaConnection.request(header, new ApiVersionsRequestData()
          .setClientSoftwareName("bad-input").setClientSoftwareVersion("1"), (short) 3));
      ByteBuffer frame = conn.readFrame();
      assertEquals(42, ResponseHeader.parse(frame, (short) 0).correlationId());
      var response = ApiVersionsResponse.parse(frame, (short) 0);
      assertEquals(Errors.UNSUPPORTED_VERSION.code(), response.data().errorCode());
      assertFalse(response.data().apiKeys().isEmpty(), "the error response must list the supported APIs");
      assertTrue(response.data().apiKeys().find(ApiKeys.PRODUCE.id) != null, "PRODUCE missing from " + response.data().apiKeys());
      assertTrue(response.data().apiKeys().find(ApiKeys.API_VERSIONS.id) != null);

      // the client falls back to a version the list offers, on the same connection
      short max = response.data().apiKeys().find(ApiKeys.API_VERSIONS.id).maxVersion();
      var retry = new RequestHeader(ApiKeys.API_VERSIONS, max, "bad-input", 43);
      conn.sendFrame(RawKafkaConnection.request(retry, new ApiVersionsRequestData()
          .setClientSoftwareName("bad-input").setClientSoftwareVersion("1"), max));
      ByteBuffer ok = conn.readFrame();
      assertEquals(43, ResponseHeader.parse(ok, (short) 0).correlationId());
      assertEquals(Errors.NONE.code(), ApiVersionsResponse.parse(ok, max).data().errorCode());
    }
  }

  @Test
  void produceBelowTheMinimumVersionGetsUnsupportedVersion() throws Exception {
    TopicPartition tp = new TopicPartition(STEADY_TOPIC + "-v2", 0);
    steadyProducer.send(new ProducerRecord<>(tp.topic(), 0, null, "exists")).get(60, TimeUnit.SECONDS);
    long endBefore = endOffset(tp);
    short v2 = 2;
    var records = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("old-client".getBytes(StandardCharsets.UTF_8)));
    try (var conn = new RawKafkaConnection(bootstrap)) {
      var header = new RequestHeader(ApiKeys.PRODUCE, v2, "bad-input", 77);
      conn.sendFrame(RawKafkaConnection.request(header, produce(tp, records, (short) 1), v2));
      ByteBuffer frame = conn.readFrame();
      assertEquals(77, ResponseHeader.parse(frame, ApiKeys.PRODUCE.responseHeaderVersion(v2)).correlationId());
      var partition = ProduceResponse.parse(frame, v2).data().responses().iterator().next().partitionResponses().get(0);
      assertEquals(Errors.UNSUPPORTED_VERSION.code(), partition.errorCode());
    }
    assertEquals(endBefore, endOffset(tp), "a rejected produce must not append");
  }

  // ------------------------------------------------------------------- bad requests: Kafka's errors

  @Test
  void createTopicsWithAnInvalidNameGetsInvalidTopic() throws Exception {
    try (var admin = Admin.create(RobustSupport.adminProps(bootstrap))) {
      for (String name : List.of("bad/name", "a".repeat(300), "..", "spaces are bad")) {
        var e = assertThrows(ExecutionException.class,
            () -> admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get(60, TimeUnit.SECONDS),
            "createTopics(" + abbreviate(name) + ")");
        assertInstanceOf(InvalidTopicException.class, e.getCause(), "createTopics(" + abbreviate(name) + "): " + e.getCause());
      }
    }
  }

  @Test
  void produceToAnInvalidTopicNameGetsInvalidTopic() {
    // its own producer: a producer keeps asking for a topic it once sent to, and logs the error each time
    try (var producer = RobustSupport.producer(RobustSupport.producerProps(bootstrap))) {
      for (String name : List.of("bad/name", "a".repeat(300))) {
        var e = assertThrows(ExecutionException.class,
            () -> producer.send(new ProducerRecord<>(name, "v")).get(60, TimeUnit.SECONDS));
        assertInstanceOf(InvalidTopicException.class, e.getCause(), "produce to " + abbreviate(name) + ": " + e.getCause());
      }
    }
  }

  @Test
  void batchWithABadCrcGetsCorruptMessageAndIsNotAppended() throws Exception {
    TopicPartition tp = new TopicPartition("crc-check", 0);
    steadyProducer.send(new ProducerRecord<>(tp.topic(), 0, null, "good")).get(60, TimeUnit.SECONDS);
    long endBefore = endOffset(tp);

    var records = corruptBatch();
    short v9 = 9;
    try (var conn = new RawKafkaConnection(bootstrap)) {
      var header = new RequestHeader(ApiKeys.PRODUCE, v9, "bad-input", 11);
      conn.sendFrame(RawKafkaConnection.request(header, produce(tp, records, (short) 1), v9));
      ByteBuffer frame = conn.readFrame();
      assertEquals(11, ResponseHeader.parse(frame, ApiKeys.PRODUCE.responseHeaderVersion(v9)).correlationId());
      var partition = ProduceResponse.parse(frame, v9).data().responses().iterator().next().partitionResponses().get(0);
      assertEquals(Errors.CORRUPT_MESSAGE.code(), partition.errorCode(), "error " + Errors.forCode(partition.errorCode()));
    }
    assertEquals(endBefore, endOffset(tp), "a corrupt batch must not be appended");
    // and the partition still takes good batches at the next offset
    var md = steadyProducer.send(new ProducerRecord<>(tp.topic(), 0, null, "good again")).get(60, TimeUnit.SECONDS);
    assertEquals(endBefore, md.offset());
  }

  @Test
  void corruptBatchWithAcks0ClosesTheConnection() throws Exception {
    TopicPartition tp = new TopicPartition("crc-check-acks0", 0);
    steadyProducer.send(new ProducerRecord<>(tp.topic(), 0, null, "good")).get(60, TimeUnit.SECONDS);
    long endBefore = endOffset(tp);
    short v9 = 9;
    try (var conn = new RawKafkaConnection(bootstrap)) {
      var header = new RequestHeader(ApiKeys.PRODUCE, v9, "bad-input", 12);
      conn.sendFrame(RawKafkaConnection.request(header, produce(tp, corruptBatch(), (short) 0), v9));
      // acks=0 gets no response, so Kafka closes the connection to tell the client something went wrong
      assertTrue(conn.closedByBroker(CLOSE_TIMEOUT), "the broker kept the connection of a failed acks=0 produce");
    }
    assertEquals(endBefore, endOffset(tp), "a corrupt batch must not be appended");
  }

  @Test
  void truncatedBatchInAProduceRequestIsRejectedAndNotAppended() throws Exception {
    TopicPartition tp = new TopicPartition("truncated-batch", 0);
    steadyProducer.send(new ProducerRecord<>(tp.topic(), 0, null, "good")).get(60, TimeUnit.SECONDS);
    long endBefore = endOffset(tp);
    var whole = MemoryRecords.withRecords(Compression.NONE,
        new SimpleRecord("a".getBytes(StandardCharsets.UTF_8)), new SimpleRecord("b".repeat(100).getBytes(StandardCharsets.UTF_8)));
    ByteBuffer cut = whole.buffer().duplicate();
    cut.limit(cut.limit() - 40);
    short v9 = 9;
    try (var conn = new RawKafkaConnection(bootstrap)) {
      var header = new RequestHeader(ApiKeys.PRODUCE, v9, "bad-input", 13);
      conn.sendFrame(RawKafkaConnection.request(header, produce(tp, MemoryRecords.readableRecords(cut.slice()), (short) 1), v9));
      ByteBuffer frame = conn.readFrame();
      ResponseHeader.parse(frame, ApiKeys.PRODUCE.responseHeaderVersion(v9));
      var partition = ProduceResponse.parse(frame, v9).data().responses().iterator().next().partitionResponses().get(0);
      var error = Errors.forCode(partition.errorCode());
      assertTrue(error == Errors.CORRUPT_MESSAGE || error == Errors.INVALID_RECORD, "error for a truncated batch: " + error);
    }
    assertEquals(endBefore, endOffset(tp), "a truncated batch must not be appended");
  }

  @Test
  void recordAboveTheTopicsMaxMessageBytesGetsMessageTooLarge() throws Exception {
    String topic = "small-messages";
    try (var admin = Admin.create(RobustSupport.adminProps(bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1).configs(Map.of("max.message.bytes", "1024"))))
          .all().get(60, TimeUnit.SECONDS);
    }
    var props = RobustSupport.producerProps(bootstrap);
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 10 * 1024 * 1024);
    try (var producer = RobustSupport.producer(props)) {
      TopicPartition tp = new TopicPartition(topic, 0);
      producer.send(new ProducerRecord<>(topic, 0, null, "x".repeat(500))).get(60, TimeUnit.SECONDS);
      long endBefore = endOffset(tp);
      var e = assertThrows(ExecutionException.class,
          () -> producer.send(new ProducerRecord<>(topic, 0, null, "x".repeat(2000))).get(60, TimeUnit.SECONDS));
      assertInstanceOf(RecordTooLargeException.class, e.getCause(), "2000-byte record: " + e.getCause());
      assertEquals(endBefore, endOffset(tp), "a too large record must not be appended");
      var md = producer.send(new ProducerRecord<>(topic, 0, null, "x".repeat(500))).get(60, TimeUnit.SECONDS);
      assertEquals(endBefore, md.offset(), "the producer and the partition go on after the rejection");
    }
  }

  // ------------------------------------------------------------------------------------------

  /** A fresh connection still gets ApiVersions answered. */
  private static void assertStillServing() throws Exception {
    try (var conn = new RawKafkaConnection(bootstrap)) {
      var header = new RequestHeader(ApiKeys.API_VERSIONS, (short) 0, "bad-input", 1000);
      conn.sendFrame(RawKafkaConnection.request(header, new ApiVersionsRequestData(), (short) 0));
      ByteBuffer frame = conn.readFrame();
      assertEquals(1000, ResponseHeader.parse(frame, (short) 0).correlationId());
      assertEquals(Errors.NONE.code(), ApiVersionsResponse.parse(frame, (short) 0).data().errorCode());
    }
  }

  /** A one-record batch with one bit of its value flipped after the CRC was computed. */
  private static MemoryRecords corruptBatch() {
    byte[] value = "this value gets one bit flipped on the way".getBytes(StandardCharsets.UTF_8);
    var records = MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(System.currentTimeMillis(), "k".getBytes(), value));
    records.batches().iterator().next().ensureValid();
    ByteBuffer buffer = records.buffer();
    int at = indexOf(buffer, value) + 5;
    buffer.put(at, (byte) (buffer.get(at) ^ 0x01));
    assertThrows(RuntimeException.class, () -> records.batches().iterator().next().ensureValid(), "the CRC should no longer match");
    return records;
  }

  private static ProduceRequestData produce(TopicPartition tp, MemoryRecords records, short acks) {
    var topics = new TopicProduceDataCollection();
    topics.add(new TopicProduceData().setName(tp.topic()).setPartitionData(List.of(
        new PartitionProduceData().setIndex(tp.partition()).setRecords(records))));
    return new ProduceRequestData().setAcks(acks).setTimeoutMs(30_000).setTopicData(topics);
  }

  private static long endOffset(TopicPartition tp) {
    try (var consumer = RobustSupport.consumer(RobustSupport.consumerProps(bootstrap))) {
      return consumer.endOffsets(List.of(tp)).get(tp);
    }
  }

  private static int indexOf(ByteBuffer buffer, byte[] needle) {
    outer:
    for (int i = buffer.position(); i <= buffer.limit() - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (buffer.get(i + j) != needle[j]) continue outer;
      }
      return i;
    }
    throw new AssertionError("value not found in the batch");
  }

  private static String abbreviate(String s) {
    return s.length() > 20 ? s.substring(0, 20) + "...(" + s.length() + " chars)" : s;
  }
}
