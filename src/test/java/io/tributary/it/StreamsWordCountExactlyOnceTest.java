package io.tributary.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's Kafka Streams acceptance test: a Kafka Streams 3.9 word count with
 * {@code processing.guarantee=exactly_once_v2} (a repartition topic, a changelogged count store, transactions that
 * span the input offsets, the repartition records, the changelog and the output) against a broker in its own JVM,
 * which is killed with kill -9 while the first half of the input is being processed and started again on its data
 * directory and port. The second half follows; the latest committed count of every word equals the number of times
 * the input holds it, so nothing was counted twice or lost. The Streams application lives through the outage in the
 * test JVM, replacing a stream thread that died of it (Kafka's REPLACE_THREAD policy).
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class StreamsWordCountExactlyOnceTest {
  private static final String APPLICATION = "wordcount-eos";
  private static final String INPUT = "lines";
  private static final String OUTPUT = "word-counts";
  private static final int PARTITIONS = 2;
  private static final int LINES = 20_000;
  private static final int WORDS_PER_LINE = 5;
  private static final int VOCABULARY = 60;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  private static final Duration COUNT_TIMEOUT = Duration.ofSeconds(90);
  private static final List<String> BROKER_SETTINGS = List.of(
      "-Dtributary.group.initial.rebalance.delay.ms=0",
      "-Dtributary.group.offsets.topic.num.partitions=3",
      "-Dtributary.transaction.transaction.state.log.num.partitions=3");

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path tmp;

  private final List<AutoCloseable> started = new ArrayList<>();

  @AfterEach
  void stopEverythingStarted() throws Exception {
    for (int i = started.size() - 1; i >= 0; i--) started.get(i).close();
  }

  @Test
  void wordCountsAreExactAcrossABrokerKill() throws Exception {
    int port = RobustSupport.freePort();
    var broker = startBroker("broker-1", port);
    String bootstrap = broker.bootstrapServers();
    try (Admin admin = Admin.create(RobustSupport.adminProps(bootstrap))) {
      admin.createTopics(List.of(new NewTopic(INPUT, PARTITIONS, (short) 1), new NewTopic(OUTPUT, PARTITIONS, (short) 1)))
          .all().get();
    }
    List<String> lines = lines(new Random(14));
    Map<String, Long> expected = new HashMap<>();
    lines.forEach(line -> Arrays.stream(line.split(" ")).forEach(w -> expected.merge(w, 1L, Long::sum)));

    produce(bootstrap, lines.subList(0, LINES / 2));
    var streams = startStreams(bootstrap);
    long atKill;
    try (Admin admin = Admin.create(RobustSupport.adminProps(bootstrap))) {
      await("Streams commits a quarter of the input").atMost(COUNT_TIMEOUT).pollInterval(Duration.ofMillis(20))
          .until(() -> committedInput(admin) >= LINES / 4);
      atKill = committedInput(admin);
    }
    broker.kill();
    System.out.printf("killed the broker (pid %d) with %d of %d input lines committed, Streams in state %s%n",
        broker.pid(), atKill, LINES, streams.state());

    var restarted = startBroker("broker-2", port);
    produce(bootstrap, lines.subList(LINES / 2, LINES));
    try (Admin admin = Admin.create(RobustSupport.adminProps(bootstrap))) {
      await("Streams commits every input offset").atMost(COUNT_TIMEOUT).pollInterval(Duration.ofMillis(250))
          .failFast("Streams stopped", () -> streams.state() == KafkaStreams.State.ERROR
              || streams.state() == KafkaStreams.State.NOT_RUNNING)
          .until(() -> committedInput(admin) == LINES);
    }
    // the count sub-topology may still be working through the repartition topic: a double count would leave a
    // count above the expected one for good, a lost record one below it
    await("every word's latest committed count is exact").atMost(COUNT_TIMEOUT).pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> assertEquals(expected, latestCommittedCounts(restarted.bootstrapServers()),
            "the latest committed count of each word"));
    assertEquals((long) LINES * WORDS_PER_LINE, expected.values().stream().mapToLong(Long::longValue).sum());
  }

  /** Lines of words {@code w0..w59}, drawn from a seeded Random. */
  private static List<String> lines(Random random) {
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < LINES; i++) {
      var words = new ArrayList<String>();
      for (int w = 0; w < WORDS_PER_LINE; w++) words.add("w" + random.nextInt(VOCABULARY));
      lines.add(String.join(" ", words));
    }
    return lines;
  }

  private static void produce(String bootstrap, List<String> lines) {
    var props = RobustSupport.producerProps(bootstrap);
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 5);
    try (var producer = RobustSupport.producer(props)) {
      for (int i = 0; i < lines.size(); i++) {
        producer.send(new ProducerRecord<>(INPUT, i % PARTITIONS, null, lines.get(i)));
      }
      producer.flush();
    }
  }

  private KafkaStreams startStreams(String bootstrap) {
    var builder = new StreamsBuilder();
    builder.stream(INPUT, Consumed.with(Serdes.String(), Serdes.String()))
        .flatMapValues(line -> Arrays.asList(line.split(" ")))
        .groupBy((key, word) -> word, Grouped.with("words", Serdes.String(), Serdes.String()))
        .count(Materialized.as("counts"))
        .toStream()
        .to(OUTPUT, Produced.with(Serdes.String(), Serdes.Long()));
    var props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION);
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.STATE_DIR_CONFIG, tmp.resolve("streams-state").toString());
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 10_000);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 1_000);
    props.put(StreamsConfig.consumerPrefix(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG), 500);
    props.put(StreamsConfig.producerPrefix(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG), 500);
    var streams = new KafkaStreams(builder.build(), props);
    streams.setUncaughtExceptionHandler(e -> {
      System.out.println("stream thread died, replacing it: " + e);
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    started.add(() -> streams.close(Duration.ofSeconds(30)));
    streams.start();
    return streams;
  }

  private static long committedInput(Admin admin) throws Exception {
    Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(APPLICATION,
        new ListConsumerGroupOffsetsOptions().requireStable(true)).partitionsToOffsetAndMetadata().get();
    return offsets.entrySet().stream().filter(e -> e.getKey().topic().equals(INPUT) && e.getValue() != null)
        .mapToLong(e -> e.getValue().offset()).sum();
  }

  /** The last count per word in the output, read with read_committed up to the last stable offsets. */
  private static Map<String, Long> latestCommittedCounts(String bootstrap) {
    var props = RobustSupport.consumerProps(bootstrap);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    Map<String, Long> counts = new HashMap<>();
    try (var consumer = new KafkaConsumer<>(props, new StringDeserializer(), new LongDeserializer())) {
      List<TopicPartition> partitions = IntStream.range(0, PARTITIONS).mapToObj(p -> new TopicPartition(OUTPUT, p)).toList();
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      await("reading the counts up to their last stable offsets " + end).atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ZERO).until(() -> {
            consumer.poll(Duration.ofMillis(200)).forEach(r -> counts.put(r.key(), r.value()));
            return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
          });
    }
    return counts;
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
}
