package io.tributary.client;

import akka.actor.ActorSystem;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Stream API vs raw kafka-clients against one EmbeddedBroker in this JVM: produce and consume N records of
 * 100 bytes (default 1,000,000), and the batched committable path. Each measurement runs {@code rounds} times
 * (default 5) and the median is reported. Usage: {@code ClientBenchmark [records] [rounds]}.
 */
public final class ClientBenchmark {
  static final int PARTITIONS = 3;
  static final byte[] VALUE = new byte[100];

  interface Run {
    void run(int round) throws Exception;
  }

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Arrays.fill(VALUE, (byte) 'v');
    try (var broker = EmbeddedBroker.start()) {
      var system = ActorSystem.create("bench");
      String bs = broker.bootstrapServers();
      var producerProps = new Properties();
      producerProps.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bs);
      producerProps.put(ProducerConfig.LINGER_MS_CONFIG, "5");
      producerProps.put(ProducerConfig.BATCH_SIZE_CONFIG, "131072");
      var consumerProps = new Properties();
      consumerProps.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bs);
      consumerProps.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      consumerProps.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");

      var producerSettings = ProducerSettings.create(system, new ByteArraySerializer(), new ByteArraySerializer());
      for (var e : producerProps.entrySet()) producerSettings = producerSettings.withProperty((String) e.getKey(), (String) e.getValue());
      var consumerSettings = ConsumerSettings.create(system, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      for (var e : consumerProps.entrySet()) consumerSettings = consumerSettings.withProperty((String) e.getKey(), (String) e.getValue());
      final var ps = producerSettings;
      final var cs = consumerSettings;
      final int total = n;

      var results = new ArrayList<String>();
      double rawProduce = best(rounds, n, "raw KafkaProducer", round -> {
        String topic = "raw-p-" + round;
        broker.createTopic(topic, PARTITIONS);
        try (var producer = new KafkaProducer<byte[], byte[]>(producerProps, new ByteArraySerializer(), new ByteArraySerializer())) {
          for (int i = 0; i < total; i++) producer.send(new ProducerRecord<>(topic, VALUE));
          producer.flush();
        }
      });
      double streamProduce = best(rounds, n, "Producer.plainSink", round -> {
        String topic = "stream-p-" + round;
        broker.createTopic(topic, PARTITIONS);
        Source.range(1, total).map(i -> new ProducerRecord<byte[], byte[]>(topic, VALUE))
            .runWith(Producer.plainSink(ps), system).toCompletableFuture().get(10, TimeUnit.MINUTES);
      });

      var parts = new ArrayList<TopicPartition>();
      for (int p = 0; p < PARTITIONS; p++) parts.add(new TopicPartition("raw-p-0", p));
      double rawConsume = best(rounds, n, "raw KafkaConsumer poll loop", round -> {
        try (var consumer = new KafkaConsumer<byte[], byte[]>(consumerProps, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
          consumer.assign(parts);
          consumer.seekToBeginning(parts);
          long count = 0, bytes = 0;
          while (count < total) {
            for (var r : consumer.poll(Duration.ofMillis(100))) {
              count++;
              bytes += r.value().length;
            }
          }
          if (bytes == 0) throw new AssertionError();
        }
      });
      double streamConsume = best(rounds, n, "Consumer.plainSource", round ->
          Consumer.plainSource(cs, Subscriptions.assignment(parts.toArray(TopicPartition[]::new)))
              .take(total)
              .runWith(Sink.fold(0L, (acc, r) -> acc + r.value().length), system)
              .toCompletableFuture().get(10, TimeUnit.MINUTES));
      double rawCommit = best(rounds, n, "raw KafkaConsumer + commitAsync per poll", round -> {
        var props = new Properties();
        props.putAll(consumerProps);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "raw-commit-" + round);
        try (var consumer = new KafkaConsumer<byte[], byte[]>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
          consumer.subscribe(List.of("raw-p-0"));
          long count = 0;
          while (count < total) {
            var records = consumer.poll(Duration.ofMillis(100));
            count += records.count();
            if (!records.isEmpty()) consumer.commitAsync();
          }
          consumer.commitSync();
        }
      });
      var joinNanos = new long[rounds];
      double streamCommit = best(rounds, n, "committableSource -> Committer.sink", round -> {
        long t0 = System.nanoTime();
        var first = new java.util.concurrent.atomic.AtomicLong();
        Consumer.committableSource(cs.withGroupId("stream-commit-" + round), Subscriptions.topics("raw-p-0"))
            .take(total)
            .map(m -> {
              if (first.get() == 0) first.set(System.nanoTime());
              return m.committableOffset();
            })
            .runWith(Committer.sink(CommitterSettings.create(system)), system)
            .toCompletableFuture().get(10, TimeUnit.MINUTES);
        joinNanos[round] = first.get() - t0;
        System.out.printf("  %-42s round %d: first record after %.2f s (group join)%n", "", round, joinNanos[round] / 1e9);
      });

      results.add(String.format("produce:    raw %,.0f rec/s, Producer.plainSink %,.0f rec/s, ratio %.2f", rawProduce, streamProduce, streamProduce / rawProduce));
      results.add(String.format("consume:    raw %,.0f rec/s, Consumer.plainSource %,.0f rec/s, ratio %.2f", rawConsume, streamConsume, streamConsume / rawConsume));
      results.add(String.format("committable: raw poll loop %,.0f rec/s, raw+commitAsync %,.0f rec/s, committableSource+Committer %,.0f rec/s, ratio vs raw poll loop %.2f",
          rawConsume, rawCommit, streamCommit, streamCommit / rawConsume));
      System.out.println();
      System.out.printf("%,d records of %d bytes, %d partitions, median of %d rounds%n", n, VALUE.length, PARTITIONS, rounds);
      results.forEach(System.out::println);
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    System.exit(0);
  }

  /** Records per second of the best round. */
  static double best(int rounds, int n, String name, Run run) throws Exception {
    var rates = new double[rounds];
    for (int round = 0; round < rounds; round++) {
      System.gc();
      long t0 = System.nanoTime();
      run.run(round);
      double secs = (System.nanoTime() - t0) / 1e9;
      rates[round] = n / secs;
      System.out.printf("  %-42s round %d: %.2f s, %,.0f rec/s%n", name, round, secs, rates[round]);
    }
    Arrays.sort(rates);
    double median = rates[rounds / 2];
    System.out.printf("  %-42s median %,.0f rec/s, best %,.0f rec/s%n", name, median, rates[rounds - 1]);
    return median;
  }
}
