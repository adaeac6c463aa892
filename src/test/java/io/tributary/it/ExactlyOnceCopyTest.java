package io.tributary.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's exactly-once copy: 100,000 records go consume -> transform -> produce through {@link TransactionalCopier}
 * (the real kafka-clients 3.9 transactional producer with {@code sendOffsetsToTransaction}, a read_committed consumer in
 * a group), both in JVMs of their own. Half-way, either the broker or the application is killed with kill -9 and
 * started again (the broker on its data directory and port, the application with the same transactional id and group).
 * Once the group has committed every input offset, the output read with read_committed holds each input's
 * transformed value exactly once. Broker logs are kept in the temp directory when a test fails.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ExactlyOnceCopyTest {
  private static final int RECORDS = 100_000;
  private static final int PARTITIONS = 4;
  private static final String INPUT = "copy-in";
  private static final String OUTPUT = "copy-out";
  private static final String GROUP = "copier";
  private static final String TRANSACTIONAL_ID = "copier-tx";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration COPY_TIMEOUT = Duration.ofSeconds(90);
  private static final List<String> BROKER_SETTINGS = List.of(
      "-Dtributary.group.initial.rebalance.delay.ms=0",
      "-Dtributary.group.offsets.topic.num.partitions=3",
      "-Dtributary.transaction.transaction.state.log.num.partitions=3");

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path tmp;

  private final List<AutoCloseable> started = new ArrayList<>();

  @AfterEach
  void killEverythingStarted() throws Exception {
    for (var c : started) c.close();
  }

  @Test
  void brokerKilledHalfWayLosesAndDuplicatesNothing() throws Exception {
    int port = RobustSupport.freePort();
    var broker = startBroker("broker-1", port);
    prepareInput(broker.bootstrapServers());
    var copier = startCopier(broker.bootstrapServers());
    long atKill = copier.awaitCommitted(RECORDS / 2);
    broker.kill();
    System.out.printf("killed the broker (pid %d) after the copier reported %d records committed%n", broker.pid(), atKill);
    assertTrue(atKill < RECORDS, "the kill must land before the copy is done: " + atKill);

    var restarted = startBroker("broker-2", port);
    awaitInputFullyCommitted(restarted.bootstrapServers(), copier);
    copier.kill();
    assertOutputHoldsEveryInputOnce(restarted.bootstrapServers());
  }

  @Test
  void applicationKilledHalfWayLosesAndDuplicatesNothing() throws Exception {
    var broker = startBroker("broker", 0);
    prepareInput(broker.bootstrapServers());
    var first = startCopier(broker.bootstrapServers());
    long atKill = first.awaitCommitted(RECORDS / 2);
    first.kill();
    System.out.printf("killed the copier after it reported %d records committed%n", atKill);
    assertTrue(atKill < RECORDS, "the kill must land before the copy is done: " + atKill);

    var second = startCopier(broker.bootstrapServers());
    awaitInputFullyCommitted(broker.bootstrapServers(), second);
    second.kill();
    assertOutputHoldsEveryInputOnce(broker.bootstrapServers());
  }

  private ChildBroker startBroker(String name, int port) throws Exception {
    long t0 = System.nanoTime();
    var broker = ChildBroker.start(tmp.resolve("data"), tmp, tmp.resolve(name + ".log"), Map.of(), BROKER_SETTINGS,
        port, START_TIMEOUT);
    started.add(broker);
    System.out.printf("%s: pid %d ready on %s after %.1f s%n", name, broker.pid(), broker.bootstrapServers(),
        (System.nanoTime() - t0) / 1e9);
    return broker;
  }

  private static String inputValue(int i) {
    return String.format("in-%06d", i);
  }

  private static void prepareInput(String bootstrap) throws Exception {
    try (Admin admin = Admin.create(RobustSupport.adminProps(bootstrap))) {
      admin.createTopics(List.of(new NewTopic(INPUT, PARTITIONS, (short) 1), new NewTopic(OUTPUT, PARTITIONS, (short) 1)))
          .all().get();
    }
    var props = RobustSupport.producerProps(bootstrap);
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    try (var producer = RobustSupport.producer(props)) {
      for (int i = 0; i < RECORDS; i++) {
        producer.send(new ProducerRecord<>(INPUT, i % PARTITIONS, null, inputValue(i)));
      }
      producer.flush();
    }
  }

  private Copier startCopier(String bootstrap) throws Exception {
    var copier = new Copier(bootstrap);
    started.add(copier);
    return copier;
  }

  /** Waits until the group has committed (stably: no transaction pending) every input record's offset. */
  private static void awaitInputFullyCommitted(String bootstrap, Copier copier) throws Exception {
    long t0 = System.nanoTime();
    try (Admin admin = Admin.create(RobustSupport.adminProps(bootstrap))) {
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      IntStream.range(0, PARTITIONS).forEach(p -> latest.put(new TopicPartition(INPUT, p), OffsetSpec.latest()));
      long inputEnd = admin.listOffsets(latest).all().get().values().stream().mapToLong(i -> i.offset()).sum();
      assertEquals(RECORDS, inputEnd, "input records");
      await("the copier's group commits all " + RECORDS + " input offsets").atMost(COPY_TIMEOUT)
          .pollInterval(Duration.ofMillis(250))
          .failFast("the copier died (its last lines are printed above as copier: ...)", () -> !copier.process.isAlive())
          .until(() -> committedInput(admin) == RECORDS);
    }
    System.out.printf("all input offsets committed %.1f s after the restart%n", (System.nanoTime() - t0) / 1e9);
  }

  private static long committedInput(Admin admin) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(GROUP,
        new ListConsumerGroupOffsetsOptions().requireStable(true)).partitionsToOffsetAndMetadata().get();
    return offsets.values().stream().filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
  }

  /** Every output record read with read_committed, up to the last stable offsets: one per input, transformed. */
  private static void assertOutputHoldsEveryInputOnce(String bootstrap) {
    var props = RobustSupport.consumerProps(bootstrap);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
    List<String> values = new ArrayList<>();
    try (var consumer = RobustSupport.consumer(props)) {
      List<TopicPartition> partitions = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(OUTPUT, p)).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      await("reading the output up to its last stable offsets " + end).atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ZERO).until(() -> {
            consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
            return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
          });
    }
    Set<String> unique = new HashSet<>(values);
    Set<String> expected = new HashSet<>();
    for (int i = 0; i < RECORDS; i++) expected.add(TransactionalCopier.transform(inputValue(i)));
    assertEquals(RECORDS, values.size(), "committed output records (duplicates: " + (values.size() - unique.size()) + ")");
    assertEquals(RECORDS, unique.size(), "distinct committed output values");
    assertEquals(expected, unique, "the committed output is the transformed input");
  }

  /** A {@link TransactionalCopier} JVM, with the count it last reported; its other output lines are printed. */
  private static final class Copier implements AutoCloseable {
    private final Process process;
    private final AtomicLong committed = new AtomicLong();

    Copier(String bootstrap) throws Exception {
      process = ChildProcesses.start(TransactionalCopier.class, this::onLine, bootstrap, INPUT, OUTPUT, GROUP, TRANSACTIONAL_ID);
    }

    private void onLine(String line) {
      if (line.startsWith("COMMITTED ")) {
        committed.set(Long.parseLong(line.substring("COMMITTED ".length())));
        return;
      }
      System.out.println("copier: " + line);
    }

    /** Waits until this copier has committed at least {@code records}; returns what it had reported. */
    long awaitCommitted(long records) {
      await("the copier commits " + records + " records").atMost(COPY_TIMEOUT).pollInterval(Duration.ofMillis(10))
          .failFast("the copier died (its last lines are printed above as copier: ...)", () -> !process.isAlive())
          .until(() -> committed.get() >= records);
      return committed.get();
    }

    void kill() throws InterruptedException {
      ChildProcesses.kill(process);
    }

    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) kill();
    }
  }
}
