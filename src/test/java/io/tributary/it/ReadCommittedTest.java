package io.tributary.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

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
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transactions as consumers see them, with the real KafkaConsumer: transactions written with raw Produce requests and
 * ended with WriteTxnMarkers (what a coordinator sends). read_committed sees committed records only and stops at an
 * open transaction; read_uncommitted sees every record; neither sees the markers. The last stable offset and the
 * aborted transactions survive a restart and a kill -9 of the broker process.
 */
class ReadCommittedTest {
  static final String TOPIC = "txn";
  static final TopicPartition TP = new TopicPartition(TOPIC, 0);
  static final long A = 9001;
  static final long B = 9002;
  static final long C = 9003;

  @TempDir
  Path dir;

  /**
   * p0 | A: a0 a1 | B: b0 | A commits | B aborts | p1 | C: c0 (open) | p2. Offsets 0..8; the last stable offset is
   * 7, where C's transaction starts.
   */
  static void writeTransactions(TxnWire wire) throws Exception {
    assertEquals(0, wire.plain(TP, "p0"));
    assertEquals(1, wire.transactional(TP, A, (short) 0, 0, "a0", "a1"));
    assertEquals(3, wire.transactional(TP, B, (short) 0, 0, "b0"));
    wire.end(A, (short) 0, 1, true, TP);                                  // 4
    wire.end(B, (short) 0, 1, false, TP);                                 // 5
    assertEquals(6, wire.plain(TP, "p1"));
    assertEquals(7, wire.transactional(TP, C, (short) 0, 0, "c0"));
    assertEquals(8, wire.plain(TP, "p2"));
  }

  static void createTopic(String bootstrap) throws Exception {
    try (var admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
    }
  }

  @Test
  void readCommittedSeesCommittedRecordsOnlyAndStopsAtAnOpenTransaction() throws Exception {
    BrokerNode node = TestBrokers.start(dir, TestBrokers.NO_TXN_VERIFICATION);
    try {
      createTopic(node.bootstrapServers());
      try (var wire = new TxnWire(node.bootstrapServers())) {
        writeTransactions(wire);
      }
      assertEquals(List.of("0:p0", "1:a0", "2:a1", "3:b0", "6:p1", "7:c0", "8:p2"), readUntil(node.bootstrapServers(), false, 9));
      try (var consumer = consumer(node.bootstrapServers(), true)) {
        consumer.assign(List.of(TP));
        consumer.seekToBeginning(List.of(TP));
        assertEquals(List.of("0:p0", "1:a0", "2:a1", "6:p1"), poll(consumer, 7));
        assertEquals(7L, consumer.endOffsets(List.of(TP)).get(TP), "read_committed's end is the last stable offset");

        node.close();
        node = TestBrokers.start(dir, TestBrokers.NO_TXN_VERIFICATION);
        assertEquals(7L, lastStableOffset(node.bootstrapServers()), "after a restart");
        assertEquals(List.of("0:p0", "1:a0", "2:a1", "6:p1"), readUntil(node.bootstrapServers(), true, 7));

        try (var wire = new TxnWire(node.bootstrapServers())) {
          wire.end(C, (short) 0, 1, true, TP);                               // 9
        }
        assertEquals(List.of("0:p0", "1:a0", "2:a1", "6:p1", "7:c0", "8:p2"), readUntil(node.bootstrapServers(), true, 10));
      }
    } finally {
      node.close();
    }
  }

  @Test
  void theLastStableOffsetAndAbortedTransactionsSurviveKillMinus9() throws Exception {
    Path data = dir.resolve("data");
    var broker = ChildBroker.start(data, dir, dir.resolve("first.log"), Map.of(), List.of(TestBrokers.NO_TXN_VERIFICATION_JVM), Duration.ofSeconds(120));
    try {
      createTopic(broker.bootstrapServers());
      try (var wire = new TxnWire(broker.bootstrapServers())) {
        writeTransactions(wire);
      }
      broker.kill();
      broker = ChildBroker.start(data, dir, dir.resolve("second.log"), Map.of(), List.of(TestBrokers.NO_TXN_VERIFICATION_JVM), Duration.ofSeconds(120));
      assertEquals(7L, lastStableOffset(broker.bootstrapServers()), "C's transaction is still open");
      assertEquals(List.of("0:p0", "1:a0", "2:a1", "6:p1"), readUntil(broker.bootstrapServers(), true, 7));
      try (var wire = new TxnWire(broker.bootstrapServers())) {
        wire.end(C, (short) 0, 1, false, TP);                                // 9: aborted too
      }
      assertEquals(List.of("0:p0", "1:a0", "2:a1", "6:p1", "8:p2"), readUntil(broker.bootstrapServers(), true, 10));
      assertEquals(List.of("0:p0", "1:a0", "2:a1", "3:b0", "6:p1", "7:c0", "8:p2"),
          readUntil(broker.bootstrapServers(), false, 10));
    } finally {
      broker.close();
    }
  }

  // ---- consumers

  static KafkaConsumer<byte[], byte[]> consumer(String bootstrap, boolean readCommitted) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, org.apache.kafka.common.serialization.ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, readCommitted ? "read_committed" : "read_uncommitted");
    return new KafkaConsumer<>(p);
  }

  /** "offset:value" of everything a fresh consumer reads from the start until its position reaches {@code end}. */
  static List<String> readUntil(String bootstrap, boolean readCommitted, long end) {
    try (var consumer = consumer(bootstrap, readCommitted)) {
      consumer.assign(List.of(TP));
      consumer.seekToBeginning(List.of(TP));
      return poll(consumer, end);
    }
  }

  /** Polls until the consumer's position is {@code end}; the position never passes it (checked once more after). */
  static List<String> poll(KafkaConsumer<byte[], byte[]> consumer, long end) {
    List<String> out = new ArrayList<>();
    await("position " + end).atMost(Duration.ofSeconds(60)).until(() -> {
      for (var r : consumer.poll(Duration.ofMillis(200))) {
        out.add(r.offset() + ":" + new String(r.value(), StandardCharsets.UTF_8));
      }
      return consumer.position(TP) >= end;
    });
    for (var r : consumer.poll(Duration.ofMillis(500))) {
      out.add(r.offset() + ":" + new String(r.value(), StandardCharsets.UTF_8));
    }
    assertEquals(end, consumer.position(TP), "the consumer stops at " + end + " (read " + out + ")");
    return out;
  }

  static long lastStableOffset(String bootstrap) {
    try (var consumer = consumer(bootstrap, true)) {
      return consumer.endOffsets(List.of(TP)).get(TP);
    }
  }
}
