package io.tributary.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.node.BrokerNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.NoOffsetForPartitionException;
import org.apache.kafka.clients.consumer.OffsetOutOfRangeException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Retention (by time, by size) and DeleteRecords move the log start offset; consumers see the new
 * start, and one positioned below it with {@code auto.offset.reset=none} gets an error.
 *
 * Old records are produced with timestamps an hour in the past, so that time retention has
 * something to delete at once and new records are safe from it, whatever the machine's speed.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class RetentionTest {
  private static final long HOUR = 3_600_000L;
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path data;

  private BrokerNode node;

  @AfterEach
  void stopNode() {
    if (node != null) node.close();
  }

  private String start(Map<String, Object> settings) {
    var all = new HashMap<String, Object>(settings);
    all.put("tributary.log.retention.check.interval.ms", 200);
    node = RobustSupport.startNode(data, all);
    return node.bootstrapServers();
  }

  @Test
  void retentionMsDeletesSegmentsOfOldRecords() throws Exception {
    String bootstrap = start(Map.of("tributary.log.segment.bytes", 1024, "tributary.log.retention.ms", 60_000));
    var tp = new TopicPartition("by-time", 0);
    long firstNew = produce(bootstrap, tp, 40, System.currentTimeMillis() - HOUR, 10);
    long expectedStart = segmentBaseContaining(tp, firstNew);
    assertTrue(expectedStart > 0, "the old records should fill whole segments");

    awaitLogStart(bootstrap, tp, expectedStart);
    assertConsumersSeeTheNewStart(bootstrap, tp, expectedStart, firstNew + 10);
  }

  @Test
  void retentionBytesDeletesTheOldestSegments() throws Exception {
    long retentionBytes = 3000;
    String bootstrap = start(Map.of("tributary.log.segment.bytes", 1024, "tributary.log.retention.bytes", retentionBytes));
    var tp = new TopicPartition("by-size", 0);
    long end = produce(bootstrap, tp, 0, 0, 60);

    await("the log to shrink to retention.bytes + one segment").atMost(DEADLINE).until(() -> logBytes(tp) <= retentionBytes + 1024);
    long start = beginningOffset(bootstrap, tp);
    assertTrue(start > 0, "log start offset " + start);
    assertEquals(segmentBase(tp, 0), start, "the log starts at its first remaining segment");
    assertConsumersSeeTheNewStart(bootstrap, tp, start, end);
  }

  @Test
  void topicLevelRetentionAppliesWhenAltered() throws Exception {
    String bootstrap = start(Map.of());
    var tp = new TopicPartition("altered", 0);
    try (var admin = Admin.create(RobustSupport.adminProps(bootstrap))) {
      admin.createTopics(List.of(new NewTopic(tp.topic(), 1, (short) 1).configs(Map.of("segment.bytes", "1024"))))
          .all().get(60, TimeUnit.SECONDS);
      long firstNew = produce(bootstrap, tp, 40, System.currentTimeMillis() - HOUR, 10);
      long expectedStart = segmentBaseContaining(tp, firstNew);
      assertTrue(expectedStart > 0, "the old records should fill whole segments");
      assertEquals(0L, beginningOffset(bootstrap, tp), "nothing is older than the default retention.ms");

      var resource = new ConfigResource(ConfigResource.Type.TOPIC, tp.topic());
      admin.incrementalAlterConfigs(Map.of(resource, List.of(
          new AlterConfigOp(new ConfigEntry("retention.ms", "60000"), AlterConfigOp.OpType.SET))))
          .all().get(60, TimeUnit.SECONDS);
      awaitLogStart(bootstrap, tp, expectedStart);
      assertConsumersSeeTheNewStart(bootstrap, tp, expectedStart, firstNew + 10);
    }
  }

  @Test
  void deleteRecordsMovesTheLogStartAndSurvivesARestart() throws Exception {
    String bootstrap = start(Map.of());
    var tp = new TopicPartition("delete-records", 0);
    long end = produce(bootstrap, tp, 0, 0, 50);
    try (var admin = Admin.create(RobustSupport.adminProps(bootstrap))) {
      var result = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(20))).lowWatermarks().get(tp)
          .get(60, TimeUnit.SECONDS);
      assertEquals(20, result.lowWatermark());
      assertEquals(20L, beginningOffset(bootstrap, tp));
      assertConsumersSeeTheNewStart(bootstrap, tp, 20, end);

      var beyond = assertThrows(ExecutionException.class, () -> admin.deleteRecords(
          Map.of(tp, RecordsToDelete.beforeOffset(end + 10))).lowWatermarks().get(tp).get(60, TimeUnit.SECONDS));
      assertInstanceOf(org.apache.kafka.common.errors.OffsetOutOfRangeException.class, beyond.getCause(), beyond.toString());
    }
    node.close();
    node = null;
    bootstrap = start(Map.of());
    assertEquals(20L, beginningOffset(bootstrap, tp), "log start offset after a restart");
    assertConsumersSeeTheNewStart(bootstrap, tp, 20, end);
  }

  // ------------------------------------------------------------------------------------------

  /**
   * Produces {@code old} records stamped {@code oldTimestamp} then {@code fresh} records stamped
   * now, one batch each, to partition 0; returns the offset of the first fresh record.
   */
  private static long produce(String bootstrap, TopicPartition tp, int old, long oldTimestamp, int fresh) throws Exception {
    try (KafkaProducer<String, String> producer = RobustSupport.producer(RobustSupport.producerProps(bootstrap))) {
      String pad = "p".repeat(100);
      for (int i = 0; i < old; i++) {
        producer.send(new ProducerRecord<>(tp.topic(), 0, oldTimestamp + i, null, "old-" + i + pad)).get(60, TimeUnit.SECONDS);
      }
      long firstFresh = -1;
      for (int i = 0; i < fresh; i++) {
        var md = producer.send(new ProducerRecord<>(tp.topic(), 0, null, "new-" + i + pad)).get(60, TimeUnit.SECONDS);
        if (i == 0) firstFresh = md.offset();
      }
      return old == 0 ? old + fresh : firstFresh;
    }
  }

  private void awaitLogStart(String bootstrap, TopicPartition tp, long expected) {
    try (var consumer = RobustSupport.consumer(RobustSupport.consumerProps(bootstrap))) {
      await("log start offset of " + tp + " to reach " + expected).atMost(DEADLINE).until(() -> consumer.beginningOffsets(List.of(tp)).get(tp) >= expected);
      assertEquals(expected, consumer.beginningOffsets(List.of(tp)).get(tp),
          "retention deletes whole segments: the log must start at the first kept segment");
    }
  }

  /**
   * seekToBeginning reads from {@code start}; a position below it is out of range: reset=none
   * raises, reset=earliest moves to {@code start}; the log still ends at {@code end}.
   */
  private static void assertConsumersSeeTheNewStart(String bootstrap, TopicPartition tp, long start, long end) {
    try (var consumer = RobustSupport.consumer(RobustSupport.consumerProps(bootstrap))) {
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      assertEquals(start, firstRecordOffset(consumer, tp), "first record after seekToBeginning");
      assertEquals(end, consumer.endOffsets(List.of(tp)).get(tp), "log end offset");

      consumer.seek(tp, 0);
      assertEquals(start, firstRecordOffset(consumer, tp), "reset=earliest from offset 0");
    }
    var props = RobustSupport.consumerProps(bootstrap);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    try (var consumer = RobustSupport.consumer(props)) {
      consumer.assign(List.of(tp));
      assertThrows(NoOffsetForPartitionException.class, () -> consumer.poll(Duration.ofSeconds(5)),
          "no position and reset=none");
      consumer.seek(tp, start - 1);
      var e = assertThrows(OffsetOutOfRangeException.class, () -> pollUntilError(consumer),
          "a position below the log start with auto.offset.reset=none");
      assertEquals(Map.of(tp, start - 1), e.offsetOutOfRangePartitions());
      consumer.seek(tp, start);
      assertEquals(start, firstRecordOffset(consumer, tp));
    }
  }

  private static long firstRecordOffset(KafkaConsumer<String, String> consumer, TopicPartition tp) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (System.nanoTime() < deadline) {
      var records = consumer.poll(Duration.ofMillis(500));
      if (!records.isEmpty()) return records.records(tp).get(0).offset();
    }
    throw new AssertionError("no record within " + DEADLINE + " at position " + consumer.position(tp));
  }

  /** Polls until the consumer throws (the test asserts which exception); fails after the deadline. */
  private static void pollUntilError(KafkaConsumer<String, String> consumer) {
    long deadline = System.nanoTime() + DEADLINE.toNanos();
    while (System.nanoTime() < deadline) {
      var records = consumer.poll(Duration.ofMillis(500));
      if (!records.isEmpty()) {
        throw new AssertionError("read records from offset " + records.iterator().next().offset() + " instead of an error");
      }
    }
    throw new AssertionError("no error within " + DEADLINE);
  }

  private static long beginningOffset(String bootstrap, TopicPartition tp) {
    try (var consumer = RobustSupport.consumer(RobustSupport.consumerProps(bootstrap))) {
      return consumer.beginningOffsets(List.of(tp)).get(tp);
    }
  }

  private List<Long> segmentBases(TopicPartition tp) {
    try (Stream<Path> files = Files.list(data.resolve(tp.topic() + "-" + tp.partition()))) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".log"))
          .map(n -> Long.parseLong(n.substring(0, n.length() - 4))).sorted().toList();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private long segmentBase(TopicPartition tp, int index) {
    return segmentBases(tp).get(index);
  }

  /** Base offset of the segment that holds {@code offset}. */
  private long segmentBaseContaining(TopicPartition tp, long offset) {
    return segmentBases(tp).stream().filter(b -> b <= offset).reduce((a, b) -> b).orElseThrow();
  }

  private long logBytes(TopicPartition tp) {
    try (Stream<Path> files = Files.list(data.resolve(tp.topic() + "-" + tp.partition()))) {
      return files.filter(p -> p.getFileName().toString().endsWith(".log")).mapToLong(p -> {
        try {
          return Files.size(p);
        } catch (IOException e) {
          return 0; // deleted meanwhile
        }
      }).sum();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
