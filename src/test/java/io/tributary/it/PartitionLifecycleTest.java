package io.tributary.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tributary.node.BrokerNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Idle partitions close their files and reopen on demand; a waiting fetch wakes on new data. */
class PartitionLifecycleTest {

  @TempDir
  Path dataDir;

  @Test
  void idlePartitionsArePassivatedAndReopenOnDemand() throws Exception {
    try (BrokerNode node = TestBrokers.start(dataDir,
        "tributary.partition.passivate-idle-after = 300ms",
        "tributary.partition.idle-check-interval = 100ms")) {
      try (Admin admin = Admin.create(TestBrokers.adminProps(node))) {
        admin.createTopics(List.of(new NewTopic("idle", 4, (short) 1))).all().get();
      }
      try (var producer = new KafkaProducer<byte[], byte[]>(TestBrokers.producerProps(node))) {
        for (int i = 0; i < 400; i++) {
          producer.send(new ProducerRecord<>("idle", i % 4, null, ("v" + i).getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
      }
      await("all partitions passivated").atMost(Duration.ofSeconds(30)).until(() -> node.partitions().openPartitions().isEmpty());
      assertEquals(400, OffsetsAndRestartTest.readAll(node, "idle", 4, 400).size());
    }
  }

  @Test
  void aWaitingFetchWakesWhenDataArrives() throws Exception {
    try (BrokerNode node = TestBrokers.start(dataDir)) {
      try (Admin admin = Admin.create(TestBrokers.adminProps(node))) {
        admin.createTopics(List.of(new NewTopic("wake", 1, (short) 1))).all().get();
      }
      Properties props = TestBrokers.consumerProps(node);
      // a fetch that found nothing waits up to 60 s; only a high-watermark notification can end it sooner
      props.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "60000");
      props.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, "90000");
      var tp = new TopicPartition("wake", 0);
      try (var consumer = new KafkaConsumer<byte[], byte[]>(props);
           var producer = new KafkaProducer<byte[], byte[]>(TestBrokers.producerProps(node))) {
        consumer.assign(List.of(tp));
        consumer.seekToBeginning(List.of(tp));
        assertEquals(0, consumer.poll(Duration.ofMillis(500)).count()); // the consumer's fetch is now parked
        producer.send(new ProducerRecord<>("wake", 0, null, "hello".getBytes(StandardCharsets.UTF_8))).get();
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofSeconds(30));
        assertEquals(1, records.count(), "the parked fetch returned the new record before its 60 s wait");
        // the next fetch is parked again; don't let close() wait for it
        consumer.close(Duration.ZERO);
      }
    }
  }
}
