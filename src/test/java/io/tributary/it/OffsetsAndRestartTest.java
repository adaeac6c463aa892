package io.tributary.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tributary.node.BrokerNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ListOffsets (earliest, latest, by time), out-of-range fetches, and a restart on the same data directory. */
class OffsetsAndRestartTest {

  @TempDir
  Path dataDir;

  @Test
  void offsetsByPositionAndTimeAreRightAndOutOfRangeRaises() throws Exception {
    try (BrokerNode node = TestBrokers.start(dataDir)) {
      String topic = "offsets";
      var tp = new TopicPartition(topic, 0);
      try (Admin admin = Admin.create(TestBrokers.adminProps(node))) {
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
      }
      long t0 = 1_600_000_000_000L;
      try (var producer = new KafkaProducer<byte[], byte[]>(TestBrokers.producerProps(node))) {
        for (int i = 0; i < 1000; i++) {
          producer.send(new ProducerRecord<>(topic, 0, t0 + i * 10L, null, ("v" + i).getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
      }
      Properties props = TestBrokers.consumerProps(node);
      props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
      try (var consumer = new KafkaConsumer<byte[], byte[]>(props)) {
        assertEquals(0L, consumer.beginningOffsets(List.of(tp)).get(tp));
        assertEquals(1000L, consumer.endOffsets(List.of(tp)).get(tp));
        var byTime = consumer.offsetsForTimes(Map.of(tp, t0 + 5005));
        assertEquals(501L, byTime.get(tp).offset(), "first record at or after the timestamp");
        assertEquals(t0 + 5010, byTime.get(tp).timestamp());
        assertEquals(0L, consumer.offsetsForTimes(Map.of(tp, 0L)).get(tp).offset());
        assertNull(consumer.offsetsForTimes(Map.of(tp, t0 + 1_000_000)).get(tp), "no record that late");

        consumer.assign(List.of(tp));
        consumer.seek(tp, 5000);
        assertThrows(OffsetOutOfRangeException.class, () -> {
          long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
          while (System.nanoTime() < deadline) consumer.poll(Duration.ofMillis(200));
        });
      }
    }
  }

  @Test
  void restartKeepsTopicsAndRecords() throws Exception {
    Uuid id;
    try (BrokerNode node = TestBrokers.start(dataDir)) {
      try (Admin admin = Admin.create(TestBrokers.adminProps(node))) {
        admin.createTopics(List.of(new NewTopic("kept", 3, (short) 1))).all().get();
        id = admin.describeTopics(List.of("kept")).allTopicNames().get().get("kept").topicId();
      }
      try (var producer = new KafkaProducer<byte[], byte[]>(TestBrokers.producerProps(node))) {
        for (int i = 0; i < 3000; i++) {
          producer.send(new ProducerRecord<>("kept", i % 3, null, ("v" + i).getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
      }
    }
    try (BrokerNode node = TestBrokers.start(dataDir)) {
      try (Admin admin = Admin.create(TestBrokers.adminProps(node))) {
        var description = admin.describeTopics(List.of("kept")).allTopicNames().get().get("kept");
        assertEquals(id, description.topicId(), "topic id survives restart");
        assertEquals(3, description.partitions().size());
      }
      List<String> values = readAll(node, "kept", 3, 3000);
      assertEquals(3000, values.size());
      for (int p = 0; p < 3; p++) {
        final int partition = p;
        var expected = new ArrayList<String>();
        for (int i = p; i < 3000; i += 3) expected.add(partition + ":v" + i);
        assertEquals(expected, values.stream().filter(v -> v.startsWith(partition + ":")).toList());
      }
      // and it keeps appending after the old end
      try (var producer = new KafkaProducer<byte[], byte[]>(TestBrokers.producerProps(node))) {
        var md = producer.send(new ProducerRecord<>("kept", 0, null, "after".getBytes(StandardCharsets.UTF_8))).get();
        assertEquals(1000L, md.offset());
      }
    }
  }

  static List<String> readAll(BrokerNode node, String topic, int partitions, int expected) {
    var out = new ArrayList<String>();
    try (var consumer = new KafkaConsumer<byte[], byte[]>(TestBrokers.consumerProps(node))) {
      var tps = new ArrayList<TopicPartition>();
      for (int p = 0; p < partitions; p++) tps.add(new TopicPartition(topic, p));
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (out.size() < expected && System.nanoTime() < deadline) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
          out.add(r.partition() + ":" + new String(r.value(), StandardCharsets.UTF_8));
        }
      }
    }
    return out;
  }
}
