package io.tributary.it;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The application of the exactly-once copy test, in its own JVM so that it can be killed:
 * {@code TransactionalCopier <bootstrap> <input> <output> <group> <transactional id>}. A read_committed
 * consumer in a group reads the input; each poll's records go, transformed ({@link #transform}), to the output
 * partition of the same number inside one transaction with the consumed offsets ({@code sendOffsetsToTransaction}).
 * Prints {@code COMMITTED <records in this process>} after each commit. A failed transaction (the broker went away,
 * a timeout) is handled as Kafka's EOS examples do: the producer is replaced (its {@code initTransactions} completes or
 * aborts what the old one left open) and the consumer goes back to the group's committed offsets. Runs until killed;
 * exits with 2 when fenced or after too many consecutive failures.
 */
public final class TransactionalCopier {
  private static final int MAX_CONSECUTIVE_FAILURES = 20;

  /** The copy's output value for an input value: the test checks the output against it. */
  static String transform(String value) {
    return "copy-" + value;
  }

  public static void main(String[] args) {
    try {
      copy(args);
    } catch (Throwable t) {
      // stderr is discarded by the test: say why on stdout
      System.out.println("FAILED " + t);
      System.out.flush();
      System.exit(1);
    }
  }

  private static void copy(String[] args) {
    String bootstrap = args[0];
    String input = args[1];
    String output = args[2];
    String group = args[3];
    String transactionalId = args[4];
    try (var consumer = consumer(bootstrap, group)) {
      consumer.subscribe(List.of(input));
      var producer = producer(bootstrap, transactionalId);
      long committed = 0;
      int failures = 0;
      boolean broken = false;
      while (true) {
        try {
          if (broken) {
            producer.close(Duration.ZERO);
            producer = producer(bootstrap, transactionalId);
            rewindToCommitted(consumer);
            broken = false;
          }
          ConsumerRecords<String, String> records = consumer.poll(Duration.ofMillis(200));
          if (records.isEmpty()) continue;
          producer.beginTransaction();
          Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
          for (ConsumerRecord<String, String> r : records) {
            producer.send(new ProducerRecord<>(output, r.partition(), r.key(), transform(r.value())));
            offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
          }
          producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
          producer.commitTransaction();
          committed += records.count();
          failures = 0;
          System.out.println("COMMITTED " + committed);
          System.out.flush();
        } catch (ProducerFencedException e) {
          System.out.println("FENCED " + e);
          System.exit(2);
        } catch (KafkaException e) {
          if (++failures > MAX_CONSECUTIVE_FAILURES) {
            System.out.println("GAVE UP " + e);
            System.exit(2);
          }
          System.out.println("RETRYING after " + e);
          System.out.flush();
          broken = true;
        }
      }
    }
  }

  /** Sends the consumer back to the group's committed offsets (the beginning where there are none). */
  private static void rewindToCommitted(KafkaConsumer<String, String> consumer) {
    Set<TopicPartition> assigned = consumer.assignment();
    Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
    for (TopicPartition tp : assigned) {
      OffsetAndMetadata at = committed.get(tp);
      if (at == null) {
        consumer.seekToBeginning(List.of(tp));
      } else {
        consumer.seek(tp, at.offset());
      }
    }
  }

  /** A transactional producer whose transactions are ready to begin; blocks until the coordinator answers. */
  private static KafkaProducer<String, String> producer(String bootstrap, String transactionalId) {
    var p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    p.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30_000);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 60_000);
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
    p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
    var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer());
    producer.initTransactions();
    return producer;
  }

  private static KafkaConsumer<String, String> consumer(String bootstrap, String group) {
    var p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // small transactions, so that a kill half-way lands among hundreds of them
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 250);
    // a killed copier's member leaves the group by session expiry, and the restarted one's join waits for that
    p.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6_000);
    p.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 30_000);
    p.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1_000);
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
    p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500);
    return new KafkaConsumer<>(p, new StringDeserializer(), new StringDeserializer());
  }
}
