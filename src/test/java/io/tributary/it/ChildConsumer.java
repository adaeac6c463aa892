package io.tributary.it;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * A group member in a child JVM, for tests that kill a consumer without it leaving the group:
 * {@code ChildConsumer <bootstrap> <topic> <group> <assignor class>}. Prints {@code ASSIGNED <n>}
 * whenever its assignment changes, and polls until killed.
 */
public final class ChildConsumer {
  public static void main(String[] args) {
    var props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, args[2]);
    props.put(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, args[3]);
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
    props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
    props.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "20000");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    try (var consumer = new KafkaConsumer<byte[], byte[]>(props)) {
      consumer.subscribe(List.of(args[1]));
      int last = -1;
      while (true) {
        consumer.poll(Duration.ofMillis(100));
        int n = consumer.assignment().size();
        if (n != last) {
          System.out.println("ASSIGNED " + n);
          System.out.flush();
          last = n;
        }
      }
    }
  }
}
