package io.tributary.protocol;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.tributary.it.TestBrokers;
import io.tributary.node.BrokerNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions across two nodes (every message serialized): a transaction spans partitions led by both nodes, so the
 * coordinator's markers go to the other node over the Kafka protocol and a leader verifies a first transactional
 * write with a coordinator on the other node (KIP-890); the coordinator's journal is its replicated
 * {@code __transaction_state} partition; a transaction's offsets are completed in a group coordinated by either node.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class TwoNodeCoordinatorTest {
  private static final String[] SETTINGS = {
      "tributary.transaction.transaction.state.log.num.partitions = 4",
      "tributary.group.offsets.topic.num.partitions = 4",
      "tributary.group.initial.rebalance.delay.ms = 0"};

  @TempDir
  Path dir;

  @Test
  void aTransactionOverBothNodesCommitsAndAbortsAsAWhole() throws Exception {
    List<BrokerNode> nodes = TwoNodes.start(dir, SETTINGS);
    try {
      BrokerNode one = nodes.get(0);
      try (Admin admin = Admin.create(TestBrokers.adminProps(one))) {
        admin.createTopics(List.of(new NewTopic("spread", Map.of(0, List.of(1), 1, List.of(2))),
            new NewTopic("source", Map.of(0, List.of(2))))).all().get();
      }
      var partitions = List.of(new TopicPartition("spread", 0), new TopicPartition("spread", 1));
      var source = new TopicPartition("source", 0);
      // whichever node coordinates an id, one of the two partitions is led by the other node
      for (int i = 0; i < 4; i++) {
        String id = "two-node-" + i;
        Properties p = TestBrokers.producerProps(nodes.get(i % 2));
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
        try (var producer = new KafkaProducer<byte[], byte[]>(p)) {
          producer.initTransactions();
          producer.beginTransaction();
          producer.send(record("spread", 0, "c0-" + i));
          producer.send(record("spread", 1, "c1-" + i));
          producer.sendOffsetsToTransaction(Map.of(source, new OffsetAndMetadata(i + 1)), new ConsumerGroupMetadata("two-node-group-" + i));
          producer.commitTransaction();
          producer.beginTransaction();
          producer.send(record("spread", 0, "a0-" + i));
          producer.send(record("spread", 1, "a1-" + i));
          producer.flush();
          producer.abortTransaction();
        }
      }
      try (Admin admin = Admin.create(TestBrokers.adminProps(nodes.get(1)))) {
        for (int i = 0; i < 4; i++) {
          String id = "two-node-" + i;
          await().atMost(Duration.ofSeconds(60)).until(() ->
              admin.describeTransactions(List.of(id)).description(id).get().state() == TransactionState.COMPLETE_ABORT);
          var offsets = admin.listConsumerGroupOffsets("two-node-group-" + i).partitionsToOffsetAndMetadata().get();
          assertEquals(i + 1, offsets.get(source).offset(), "committed with the transaction");
        }
      }
      Properties c = TestBrokers.consumerProps(nodes.get(1));
      c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
      try (var consumer = new KafkaConsumer<byte[], byte[]>(c)) {
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        var end = consumer.endOffsets(partitions);
        var values = new ArrayList<String>();
        await().atMost(Duration.ofSeconds(60)).until(() -> {
          consumer.poll(Duration.ofMillis(100)).forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
          return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
        });
        values.sort(String::compareTo);
        assertEquals(List.of("c0-0", "c0-1", "c0-2", "c0-3", "c1-0", "c1-1", "c1-2", "c1-3"), values);
        assertNotEquals(0, end.get(partitions.get(1)));
      }
    } finally {
      for (var n : nodes) n.close();
    }
  }

  private static ProducerRecord<byte[], byte[]> record(String topic, int partition, String value) {
    return new ProducerRecord<>(topic, partition, null, value.getBytes(StandardCharsets.UTF_8));
  }
}
