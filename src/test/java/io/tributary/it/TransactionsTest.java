package io.tributary.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions with the real kafka-clients 3.9 producer, consumer and admin on one node: a committed transaction is
 * visible to read_committed and an aborted one is not (read_uncommitted sees its records, never the markers); a second
 * producer with the same transactional id fences the first; the coordinator aborts a transaction that outlives its
 * timeout; offsets sent to a transaction are committed only with it; the coordinator's state survives a restart.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class TransactionsTest {
  private static final String[] SETTINGS = {
      "tributary.transaction.transaction.state.log.num.partitions = 5",
      "tributary.group.offsets.topic.num.partitions = 5",
      "tributary.group.initial.rebalance.delay.ms = 0",
      "tributary.transaction.transaction.abort.timed.out.transaction.cleanup.interval.ms = 200",
      "akka.actor.serialize-messages = on"};

  @TempDir
  Path dataDir;

  private static void createTopic(BrokerNode node, String topic, int partitions) throws Exception {
    try (Admin admin = Admin.create(TestBrokers.adminProps(node))) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
    }
  }

  private static KafkaProducer<byte[], byte[]> transactional(BrokerNode node, String transactionalId, int timeoutMs) {
    Properties p = TestBrokers.producerProps(node);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, timeoutMs);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
    return new KafkaProducer<>(p);
  }

  private static KafkaConsumer<byte[], byte[]> consumer(BrokerNode node, String isolation) {
    Properties p = TestBrokers.consumerProps(node);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return new KafkaConsumer<>(p);
  }

  private static ProducerRecord<byte[], byte[]> record(String topic, int partition, String value) {
    return new ProducerRecord<>(topic, partition, null, value.getBytes(StandardCharsets.UTF_8));
  }

  /** The values of every record up to the partitions' end offsets for this consumer's isolation level. */
  private static List<String> readAll(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions) {
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
    var values = new ArrayList<String>();
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      consumer.poll(Duration.ofMillis(100)).forEach(r -> values.add(new String(r.value(), StandardCharsets.UTF_8)));
      return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
    });
    return values;
  }

  private static TransactionDescription describe(Admin admin, String transactionalId) throws Exception {
    return admin.describeTransactions(List.of(transactionalId)).description(transactionalId).get();
  }

  @Test
  void committedIsVisibleToReadCommittedAndAbortedIsNot() throws Exception {
    try (BrokerNode node = TestBrokers.start(dataDir, SETTINGS)) {
      createTopic(node, "txn", 2);
      var partitions = List.of(new TopicPartition("txn", 0), new TopicPartition("txn", 1));
      try (var producer = transactional(node, "tx-visible", 60_000)) {
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(record("txn", 0, "c1"));
        producer.send(record("txn", 1, "c2"));
        producer.commitTransaction();
        producer.beginTransaction();
        producer.send(record("txn", 0, "a1"));
        producer.send(record("txn", 1, "a2"));
        producer.flush();
        producer.abortTransaction();
        producer.beginTransaction();
        producer.send(record("txn", 0, "c3"));
        producer.commitTransaction();
      }
      try (var committed = consumer(node, "read_committed")) {
        var values = readAll(committed, partitions);
        values.sort(String::compareTo);
        assertEquals(List.of("c1", "c2", "c3"), values);
      }
      try (var uncommitted = consumer(node, "read_uncommitted")) {
        var values = readAll(uncommitted, partitions);
        values.sort(String::compareTo);
        assertEquals(List.of("a1", "a2", "c1", "c2", "c3"), values, "aborted records, but no marker, are read");
      }
      try (Admin admin = Admin.create(TestBrokers.adminProps(node))) {
        await().atMost(Duration.ofSeconds(30)).until(() -> describe(admin, "tx-visible").state() == TransactionState.COMPLETE_COMMIT);
        TransactionDescription d = describe(admin, "tx-visible");
        assertEquals(0, d.producerEpoch());
        assertEquals(60_000, d.transactionTimeoutMs());
        assertTrue(d.topicPartitions().isEmpty(), "a completed transaction has no partitions");
        var listed = admin.listTransactions().all().get();
        assertTrue(listed.stream().map(TransactionListing::transactionalId).anyMatch("tx-visible"::equals), listed.toString());
      }
    }
  }

  @Test
  void aSecondProducerWithTheSameIdFencesTheFirstAndAbortsItsTransaction() throws Exception {
    try (BrokerNode node = TestBrokers.start(dataDir, SETTINGS)) {
      createTopic(node, "fenced", 1);
      var tp = new TopicPartition("fenced", 0);
      var first = transactional(node, "tx-fence", 60_000);
      try (var second = transactional(node, "tx-fence", 60_000)) {
        first.initTransactions();
        first.beginTransaction();
        first.send(record("fenced", 0, "zombie")).get();
        second.initTransactions(); // aborts the first producer's open transaction, then bumps the epoch
        second.beginTransaction();
        second.send(record("fenced", 0, "live")).get();
        second.commitTransaction();
        KafkaException e = assertThrows(KafkaException.class, first::commitTransaction);
        assertTrue(e instanceof ProducerFencedException || e.getCause() instanceof ProducerFencedException, e.toString());
      } finally {
        first.close(Duration.ZERO);
      }
      try (var committed = consumer(node, "read_committed")) {
        assertEquals(List.of("live"), readAll(committed, List.of(tp)));
      }
    }
  }

  @Test
  void anExpiredTransactionIsAbortedByTheCoordinatorWithTheEpochBumped() throws Exception {
    try (BrokerNode node = TestBrokers.start(dataDir, SETTINGS)) {
      createTopic(node, "expiring", 1);
      var tp = new TopicPartition("expiring", 0);
      try (var producer = transactional(node, "tx-expire", 1_000); Admin admin = Admin.create(TestBrokers.adminProps(node))) {
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(record("expiring", 0, "expired")).get();
        await().atMost(Duration.ofSeconds(30)).until(() -> describe(admin, "tx-expire").state() == TransactionState.COMPLETE_ABORT);
        assertEquals(1, describe(admin, "tx-expire").producerEpoch(), "the coordinator bumped the epoch to fence the producer");
        assertThrows(KafkaException.class, producer::commitTransaction);
      }
      try (var committed = consumer(node, "read_committed")) {
        assertEquals(List.of(), readAll(committed, List.of(tp)));
      }
      try (var uncommitted = consumer(node, "read_uncommitted")) {
        assertEquals(List.of("expired"), readAll(uncommitted, List.of(tp)));
      }
    }
  }

  @Test
  void offsetsSentToATransactionAreCommittedOnlyWithIt() throws Exception {
    try (BrokerNode node = TestBrokers.start(dataDir, SETTINGS)) {
      createTopic(node, "out", 1);
      createTopic(node, "in", 1);
      var in = new TopicPartition("in", 0);
      var group = new ConsumerGroupMetadata("copier");
      try (var producer = transactional(node, "tx-offsets", 60_000); Admin admin = Admin.create(TestBrokers.adminProps(node))) {
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(record("out", 0, "x"));
        producer.sendOffsetsToTransaction(Map.of(in, new OffsetAndMetadata(7)), group);
        assertNull(admin.listConsumerGroupOffsets("copier").partitionsToOffsetAndMetadata().get().get(in),
            "pending offsets are not visible");
        producer.abortTransaction();
        await().atMost(Duration.ofSeconds(30)).until(() -> describe(admin, "tx-offsets").state() == TransactionState.COMPLETE_ABORT);
        assertNull(admin.listConsumerGroupOffsets("copier").partitionsToOffsetAndMetadata().get().get(in),
            "aborted offsets are dropped");

        producer.beginTransaction();
        producer.send(record("out", 0, "y"));
        producer.sendOffsetsToTransaction(Map.of(in, new OffsetAndMetadata(9)), group);
        producer.commitTransaction();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
          var offset = admin.listConsumerGroupOffsets("copier").partitionsToOffsetAndMetadata().get().get(in);
          return offset != null && offset.offset() == 9;
        });
      }
    }
  }

  @Test
  void coordinatorStateSurvivesARestart() throws Exception {
    long producerId;
    try (BrokerNode node = TestBrokers.start(dataDir, SETTINGS)) {
      createTopic(node, "durable", 1);
      try (var producer = transactional(node, "tx-durable", 60_000); Admin admin = Admin.create(TestBrokers.adminProps(node))) {
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(record("durable", 0, "before"));
        producer.commitTransaction();
        producerId = describe(admin, "tx-durable").producerId();
      }
    }
    try (BrokerNode node = TestBrokers.start(dataDir, SETTINGS); Admin admin = Admin.create(TestBrokers.adminProps(node))) {
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(() -> describe(admin, "tx-durable").state() == TransactionState.COMPLETE_COMMIT);
      assertEquals(producerId, describe(admin, "tx-durable").producerId(), "the producer id is kept");
      try (var producer = transactional(node, "tx-durable", 60_000)) {
        producer.initTransactions();
        producer.beginTransaction();
        producer.send(record("durable", 0, "after"));
        producer.commitTransaction();
      }
      TransactionDescription d = describe(admin, "tx-durable");
      assertEquals(producerId, d.producerId());
      assertEquals(1, d.producerEpoch(), "the epoch continues from the recovered state");
      try (var committed = consumer(node, "read_committed")) {
        assertEquals(List.of("before", "after"), readAll(committed, List.of(new TopicPartition("durable", 0))));
      }
    }
  }

  @Test
  void anInvalidTimeoutIsRefused() throws Exception {
    try (BrokerNode node = TestBrokers.start(dataDir, SETTINGS);
         var producer = transactional(node, "tx-timeout", 900_001)) {
      // kafka-clients 3.9 reports this error code as "Unexpected error", with Kafka's message for it
      KafkaException e = assertThrows(KafkaException.class, producer::initTransactions);
      assertTrue(e.getMessage().contains(Errors.INVALID_TRANSACTION_TIMEOUT.message()), e.toString());
    }
  }
}
