package io.tributary.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.node.BrokerNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code message.timestamp.type=LogAppendTime}: the broker stamps batches with its clock (the producer's
 * timestamps are replaced), answers the append time in the produce response, and keeps the CRC valid
 * (the consumer checks it: {@code check.crcs} is on by default); CreateTime topics keep the producer's.
 */
class LogAppendTimeTest {
  static final long OLD = 1_000_000L; // 1970: far from any append time

  @TempDir
  static Path dataDir;
  static BrokerNode node;
  static Admin admin;

  @BeforeAll
  static void start() {
    node = TestBrokers.start(dataDir);
    admin = Admin.create(TestBrokers.adminProps(node));
  }

  @AfterAll
  static void stop() {
    if (admin != null) admin.close();
    if (node != null) node.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"none", "lz4"})
  void batchesGetTheBrokersClock(String compression) throws Exception {
    String topic = "lat-" + compression;
    admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1)
        .configs(Map.of("message.timestamp.type", "LogAppendTime")))).all().get();
    long before = System.currentTimeMillis();
    List<RecordMetadata> acks = produce(topic, compression, 50);
    long after = System.currentTimeMillis();

    for (var m : acks) {
      assertTrue(m.timestamp() >= before && m.timestamp() <= after, "acknowledged with the append time: " + m.timestamp());
    }
    List<ConsumerRecord<byte[], byte[]>> records = readAll(topic, 50);
    for (int i = 0; i < records.size(); i++) {
      var r = records.get(i);
      assertEquals(TimestampType.LOG_APPEND_TIME, r.timestampType());
      assertEquals(acks.get(i).timestamp(), r.timestamp(), "record " + i);
      assertEquals("v" + i, new String(r.value()));
    }
    // the time index holds append times: looking up "before" finds the first record
    var tp = new TopicPartition(topic, 0);
    try (var consumer = new KafkaConsumer<byte[], byte[]>(TestBrokers.consumerProps(node))) {
      assertEquals(0L, consumer.offsetsForTimes(Map.of(tp, before)).get(tp).offset());
    }
  }

  @Test
  void createTimeTopicsKeepTheProducersTimestampsUntilAlteredToLogAppendTime() throws Exception {
    String topic = "lat-altered";
    admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
    produce(topic, "none", 5);
    admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.TOPIC, topic), List.of(
        new AlterConfigOp(new ConfigEntry("message.timestamp.type", "LogAppendTime"), AlterConfigOp.OpType.SET)))).all().get();
    // the partition applies the new config asynchronously: produce until a batch comes back stamped
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    int produced = 5;
    while (produce(topic, "none", 1).get(0).timestamp() == OLD) {
      produced++;
      assertTrue(System.nanoTime() < deadline, "LogAppendTime never took effect");
    }
    produced++;
    List<ConsumerRecord<byte[], byte[]>> records = readAll(topic, produced);
    for (int i = 0; i < 5; i++) {
      assertEquals(TimestampType.CREATE_TIME, records.get(i).timestampType());
      assertEquals(OLD, records.get(i).timestamp());
    }
    var last = records.get(produced - 1);
    assertEquals(TimestampType.LOG_APPEND_TIME, last.timestampType());
    assertTrue(last.timestamp() > OLD);
  }

  private static List<RecordMetadata> produce(String topic, String compression, int n) throws Exception {
    var props = TestBrokers.producerProps(node);
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, compression);
    props.put(ProducerConfig.LINGER_MS_CONFIG, "20");
    var futures = new ArrayList<java.util.concurrent.Future<RecordMetadata>>();
    try (var producer = new KafkaProducer<byte[], byte[]>(props)) {
      for (int i = 0; i < n; i++) {
        futures.add(producer.send(new ProducerRecord<>(topic, 0, OLD, null, ("v" + i).getBytes())));
      }
      producer.flush();
    }
    var out = new ArrayList<RecordMetadata>();
    for (var f : futures) out.add(f.get());
    return out;
  }

  private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int n) {
    var tp = new TopicPartition(topic, 0);
    var out = new ArrayList<ConsumerRecord<byte[], byte[]>>();
    try (var consumer = new KafkaConsumer<byte[], byte[]>(TestBrokers.consumerProps(node))) {
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (out.size() < n && System.nanoTime() < deadline) consumer.poll(Duration.ofMillis(100)).forEach(out::add);
    }
    assertEquals(n, out.size());
    return out;
  }
}
