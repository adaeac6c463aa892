package io.tributary.it;

import com.typesafe.config.ConfigFactory;
import io.tributary.node.BrokerNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Shared helpers of the robustness integration tests: in-JVM nodes, client settings, waiting on conditions. */
public final class RobustSupport {
  private RobustSupport() {}

  /** Starts an in-JVM node on an ephemeral Kafka port and an ephemeral Akka port, data in {@code dataDir}. */
  static BrokerNode startNode(Path dataDir, Map<String, ?> settings) {
    Map<String, Object> all = new HashMap<>();
    all.put("tributary.node.data-dir", dataDir.toString());
    all.put("tributary.kafka.port", 0);
    all.put("akka.remote.artery.canonical.port", 0);
    all.putAll(settings);
    return BrokerNode.start(ConfigFactory.parseMap(all));
  }

  public static Properties producerProps(String bootstrap) {
    var p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 60_000);
    p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
    p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 30_000);
    return p;
  }

  public static KafkaProducer<String, String> producer(Properties props) {
    return new KafkaProducer<>(props, new StringSerializer(), new StringSerializer());
  }

  public static Properties consumerProps(String bootstrap) {
    var p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
    return p;
  }

  public static KafkaConsumer<String, String> consumer(Properties props) {
    return new KafkaConsumer<>(props, new StringDeserializer(), new StringDeserializer());
  }

  public static Properties adminProps(String bootstrap) {
    var p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
    return p;
  }

  /**
   * Reads every partition from its beginning up to the end offset the broker reports when the read
   * starts (assign + seekToBeginning), failing if that takes longer than {@code timeout}.
   */
  public static Map<TopicPartition, List<ConsumerRecord<String, String>>> readAll(
      String bootstrap, Collection<TopicPartition> partitions, Duration timeout) {
    try (var consumer = consumer(consumerProps(bootstrap))) {
      consumer.assign(partitions);
      consumer.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
      Map<TopicPartition, List<ConsumerRecord<String, String>>> out = new HashMap<>();
      partitions.forEach(tp -> out.put(tp, new ArrayList<>()));
      long deadline = System.nanoTime() + timeout.toNanos();
      while (!reached(consumer, end)) {
        if (System.nanoTime() > deadline) {
          Map<TopicPartition, Long> at = new HashMap<>();
          partitions.forEach(tp -> at.put(tp, consumer.position(tp)));
          throw new AssertionError("Reading did not reach the end offsets " + end + " within " + timeout + "; positions " + at);
        }
        for (var r : consumer.poll(Duration.ofMillis(500))) {
          out.get(new TopicPartition(r.topic(), r.partition())).add(r);
        }
      }
      return out;
    }
  }

  private static boolean reached(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
    return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
  }

  /** A TCP port that was free a moment ago on the loopback interface. */
  static int freePort() {
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("No free port", e);
    }
  }

  /** The root cause of an exception (through ExecutionException/CompletionException/KafkaException wrappers). */
  static Throwable rootCause(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      if (c instanceof org.apache.kafka.common.errors.ApiException) break;
      c = c.getCause();
    }
    return c;
  }
}
