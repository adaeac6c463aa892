package io.tributary.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Raw kafka-clients helpers for the client tests: filling topics, reading them back, group offsets, waiting. */
final class ClientTests {
  private ClientTests() {}

  static Properties producerProps(String bootstrap) {
    var p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
    return p;
  }

  /** Produces {@code count} records with value {@code value.apply(i)}, keyed by i, and waits for all acks. */
  static void produce(String bootstrap, String topic, int count, IntFunction<String> value) {
    try (var producer = new KafkaProducer<String, String>(producerProps(bootstrap))) {
      for (int i = 0; i < count; i++) producer.send(new ProducerRecord<>(topic, Integer.toString(i), value.apply(i)));
      producer.flush();
    }
  }

  /** Every record of the topic, from the beginning to the current end. */
  static List<ConsumerRecord<String, String>> readAll(String bootstrap, String topic) {
    return readAll(bootstrap, topic, "read_uncommitted");
  }

  /** Every record of {@code topic} up to its end for {@code isolationLevel} (read_committed: the last stable offset). */
  static List<ConsumerRecord<String, String>> readAll(String bootstrap, String topic, String isolationLevel) {
    var p = new Properties();
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolationLevel);
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
    try (var consumer = new KafkaConsumer<String, String>(p)) {
      var parts = consumer.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      consumer.assign(parts);
      consumer.seekToBeginning(parts);
      var end = consumer.endOffsets(parts);
      var out = new ArrayList<ConsumerRecord<String, String>>();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
        if (System.nanoTime() > deadline) throw new AssertionError("reading " + topic + " took too long");
        consumer.poll(Duration.ofMillis(200)).forEach(out::add);
      }
      return out;
    }
  }

  static Map<TopicPartition, Long> endOffsets(String bootstrap, String topic) {
    var p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    try (var consumer = new KafkaConsumer<String, String>(p)) {
      var parts = consumer.partitionsFor(topic).stream().map(i -> new TopicPartition(topic, i.partition())).toList();
      return new HashMap<>(consumer.endOffsets(parts));
    }
  }

  static long total(Map<TopicPartition, Long> offsets) {
    return offsets.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The group's committed offsets (partitions without a commit are absent). */
  static Map<TopicPartition, Long> committed(String bootstrap, String group) {
    try (var admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap))) {
      return committed(admin, group);
    }
  }

  /** The group's committed offsets, through an open admin client. */
  static Map<TopicPartition, Long> committed(Admin admin, String group) {
    try {
      Map<TopicPartition, OffsetAndMetadata> m = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      var out = new HashMap<TopicPartition, Long>();
      m.forEach((tp, om) -> {
        if (om != null) out.put(tp, om.offset());
      });
      return out;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } catch (ExecutionException e) {
      throw new AssertionError(e.getCause());
    }
  }
}
