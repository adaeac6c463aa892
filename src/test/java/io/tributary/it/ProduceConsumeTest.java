package io.tributary.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.node.BrokerNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The default Java producer (idempotent, acks=all) and an assign()-ing consumer against a real
 * node: every record comes back exactly once, in per-partition order, intact, for each
 * compression type.
 */
class ProduceConsumeTest {
  private static final int RECORDS = 100_000;
  private static final int PARTITIONS = 6;
  private static final long BASE_TIMESTAMP = 1_700_000_000_000L;

  @TempDir
  static Path dataDir;
  static BrokerNode node;

  @BeforeAll
  static void start() {
    node = TestBrokers.start(dataDir);
  }

  @AfterAll
  static void stop() {
    if (node != null) node.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"none", "gzip", "snappy", "lz4", "zstd"})
  void everyRecordComesBackOnceInOrderAndIntact(String compression) throws Throwable {
    String topic = "records-" + compression;
    try (Admin admin = Admin.create(TestBrokers.adminProps(node))) {
      admin.createTopics(List.of(new NewTopic(topic, PARTITIONS, (short) 1))).all().get();
    }

    Map<String, Integer> partitionOfKey = new ConcurrentHashMap<>();
    AtomicReference<Throwable> sendFailure = new AtomicReference<>();
    var props = TestBrokers.producerProps(node);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
    props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    try (var producer = new KafkaProducer<byte[], byte[]>(props)) {
      for (int i = 0; i < RECORDS; i++) {
        String key = key(i);
        var headers = new RecordHeaders().add("seq", ByteBuffer.allocate(4).putInt(i).array()).add("codec", bytes(compression));
        producer.send(new ProducerRecord<>(topic, null, BASE_TIMESTAMP + i, bytes(key), value(i), headers), (md, e) -> {
          if (e != null) {
            sendFailure.compareAndSet(null, e);
            return;
          }
          Integer previous = partitionOfKey.putIfAbsent(key, md.partition());
          if (previous != null && previous != md.partition()) {
            sendFailure.compareAndSet(null, new AssertionError("key " + key + " in partitions " + previous + " and " + md.partition()));
          }
        });
      }
      producer.flush();
    }
    if (sendFailure.get() != null) throw sendFailure.get();

    var seen = new BitSet(RECORDS);
    int[] lastSeqOfPartition = new int[PARTITIONS];
    java.util.Arrays.fill(lastSeqOfPartition, -1);
    try (var consumer = new KafkaConsumer<byte[], byte[]>(TestBrokers.consumerProps(node))) {
      List<TopicPartition> tps = new ArrayList<>();
      for (int p = 0; p < PARTITIONS; p++) tps.add(new TopicPartition(topic, p));
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      int count = 0;
      long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
      while (count < RECORDS && System.nanoTime() < deadline) {
        for (var r : consumer.poll(Duration.ofMillis(500))) {
          var seqHeader = r.headers().lastHeader("seq");
          assertNotNull(seqHeader, "seq header");
          int i = ByteBuffer.wrap(seqHeader.value()).getInt();
          assertTrue(!seen.get(i), "record " + i + " delivered twice");
          seen.set(i);
          count++;
          assertTrue(i > lastSeqOfPartition[r.partition()], "out of order in partition " + r.partition() + ": " + i);
          lastSeqOfPartition[r.partition()] = i;
          assertEquals(key(i), new String(r.key(), StandardCharsets.UTF_8));
          assertArrayEquals(value(i), r.value());
          assertEquals(BASE_TIMESTAMP + i, r.timestamp());
          assertEquals(compression, new String(r.headers().lastHeader("codec").value(), StandardCharsets.UTF_8));
          assertEquals(partitionOfKey.get(key(i)), r.partition(), "partition of key " + key(i));
        }
      }
      assertEquals(RECORDS, count, "records consumed");
      Map<TopicPartition, Long> ends = consumer.endOffsets(tps);
      assertEquals(RECORDS, ends.values().stream().mapToLong(Long::longValue).sum(), "sum of end offsets");
    }
    assertEquals(RECORDS, seen.cardinality());
  }

  private static String key(int i) {
    return "key-" + (i % 997);
  }

  private static byte[] value(int i) {
    // compressible, varying payload of ~100 bytes
    return ("value-" + i + "-" + "x".repeat(40 + i % 50)).getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

}
