package io.tributary.group.journal;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.typed.javadsl.Adapter;
import akka.persistence.PersistentRepr;
import io.tributary.group.GroupEntity;
import io.tributary.it.TestBrokers;
import io.tributary.metadata.MetadataImage;
import io.tributary.node.BrokerNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The offsets-topic journal and snapshot store on a real single node ({@code tributary.group.journal = offsets-topic},
 * one replica, every message serialized): offset commits through kafka-clients become records of the group's
 * __consumer_offsets partition on disk, with snapshots and deletion markers (a snapshot every 5 events); a restart on
 * the same data directory recovers the group from that log alone (no LevelDB journal is written), and a consumer of
 * the group resumes from its committed offset.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class OffsetsTopicJournalTest {
  private static final String TOPIC = "journaled";
  private static final String GROUP = "journal-group";
  private static final int COMMITS = 23;

  @TempDir
  Path dataDir;

  private BrokerNode start() {
    return TestBrokers.start(dataDir,
        "tributary.group.journal = offsets-topic",
        "tributary.group.snapshot-every = 5",
        "tributary.group.initial.rebalance.delay.ms = 0",
        "akka.actor.serialize-messages = on");
  }

  @Test
  void commitsAreRecordsOfTheOffsetsTopicAndARestartRecoversThemFromIt() throws Exception {
    var tp = new TopicPartition(TOPIC, 0);
    try (BrokerNode node = start()) {
      try (Admin admin = Admin.create(TestBrokers.adminProps(node))) {
        admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get();
      }
      try (var producer = new KafkaProducer<byte[], byte[]>(TestBrokers.producerProps(node))) {
        for (int i = 0; i < 100; i++) producer.send(new ProducerRecord<>(TOPIC, 0, null, ("v" + i).getBytes(StandardCharsets.UTF_8)));
        producer.flush();
      }
      try (var consumer = consumer(node)) {
        for (int i = 1; i <= COMMITS; i++) { // one OffsetsCommitted event each: crosses four snapshots
          consumer.commitSync(Map.of(tp, new OffsetAndMetadata(i, "m" + i)), Duration.ofSeconds(30));
        }
        assertEquals(COMMITS, consumer.committed(Set.of(tp), Duration.ofSeconds(30)).get(tp).offset());
      }

      var store = OffsetsJournalAccess.get(Adapter.toClassic(node.system())).store();
      String persistenceId = GroupEntity.ENTITY_KEY.name() + "|" + GROUP;
      long highest = store.highestSequenceNr(persistenceId).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertEquals(COMMITS, highest, "one event per commit");
      var replayed = new ArrayList<PersistentRepr>();
      store.replay(persistenceId, 1, Long.MAX_VALUE, Long.MAX_VALUE, replayed::add).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertFalse(replayed.isEmpty(), "the events after the deleted ones are replayed");
      assertTrue(replayed.get(0).sequenceNr() > 1, "events before the kept snapshots are deleted: " + replayed.get(0).sequenceNr());
      for (int i = 1; i < replayed.size(); i++) assertEquals(replayed.get(i - 1).sequenceNr() + 1, replayed.get(i).sequenceNr());
      assertEquals(highest, replayed.get(replayed.size() - 1).sequenceNr());
      assertEquals(persistenceId, replayed.get(0).persistenceId());
      assertTrue(replayed.get(0).payload() instanceof GroupEntity.OffsetsCommitted, replayed.get(0).payload().toString());

      var latest = store.loadSnapshot(persistenceId, 0, Long.MAX_VALUE, 0, Long.MAX_VALUE).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertEquals(Optional.of(highest - highest % 5), latest.map(s -> s.metadata().sequenceNr()), "the newest snapshot");
      var oldest = store.loadSnapshot(persistenceId, 0, 5, 0, Long.MAX_VALUE).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertEquals(Optional.empty(), oldest.map(s -> s.metadata().sequenceNr()), "the first snapshot was deleted");
    }

    int partition = Utils.abs(GROUP.hashCode()) % 50;
    Path log = dataDir.resolve(MetadataImage.OFFSETS_TOPIC + "-" + partition);
    assertTrue(Files.isDirectory(log), "the group's offsets partition has a log: " + log);
    try (var files = Files.list(log)) {
      assertTrue(files.filter(f -> f.toString().endsWith(".log")).anyMatch(f -> f.toFile().length() > 0), "records in " + log);
    }
    assertFalse(Files.exists(dataDir.resolve("__journal")) && hasFiles(dataDir.resolve("__journal")), "no LevelDB journal");

    try (BrokerNode node = start(); var consumer = consumer(node)) {
      var committed = consumer.committed(Set.of(tp), Duration.ofSeconds(30)).get(tp);
      assertEquals(COMMITS, committed.offset(), "recovered from the offsets topic");
      assertEquals("m" + COMMITS, committed.metadata());
      consumer.subscribe(List.of(TOPIC));
      var first = new ArrayList<Long>();
      await("the group's consumer receives records").atMost(Duration.ofSeconds(60)).pollInSameThread()
          .pollDelay(Duration.ZERO).until(() -> {
            consumer.poll(Duration.ofMillis(200)).forEach(r -> first.add(r.offset()));
            return !first.isEmpty();
          });
      assertEquals(COMMITS, first.get(0), "the group resumes from its committed offset");
    }
  }

  private static KafkaConsumer<byte[], byte[]> consumer(BrokerNode node) {
    var props = TestBrokers.consumerProps(node);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return new KafkaConsumer<>(props);
  }

  private static boolean hasFiles(Path dir) throws java.io.IOException {
    try (var files = Files.list(dir)) {
      return files.findAny().isPresent();
    }
  }
}
