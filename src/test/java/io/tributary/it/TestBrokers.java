package io.tributary.it;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.tributary.node.BrokerNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Starting real brokers on ephemeral ports, and client settings for them. */
public final class TestBrokers {
  private TestBrokers() {}

  /**
   * For tests that write transactions over the wire without a transaction coordinator (their own producer ids and
   * WriteTxnMarkers): Produce does not ask a coordinator about transactional batches (Kafka's
   * transaction.partition.verification.enable = false).
   */
  public static final String NO_TXN_VERIFICATION = "tributary.transaction.transaction.partition.verification.enable = false";

  /** {@link #NO_TXN_VERIFICATION} as a JVM option of a broker process. */
  public static final String NO_TXN_VERIFICATION_JVM = "-Dtributary.transaction.transaction.partition.verification.enable=false";

  /** A node on an ephemeral Kafka port and cluster port, with its data in {@code dataDir}. */
  public static BrokerNode start(Path dataDir, String... settings) {
    return BrokerNode.start(config(dataDir, settings));
  }

  public static Config config(Path dataDir, String... settings) {
    String base = "tributary.kafka.port = 0\n"
        + "akka.remote.artery.canonical.port = 0\n"
        + "tributary.node.data-dir = \"" + dataDir.toString().replace("\\", "\\\\") + "\"\n";
    return ConfigFactory.parseString(base + String.join("\n", settings));
  }

  public static Properties producerProps(BrokerNode node) {
    var p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers());
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    return p;
  }

  public static Properties consumerProps(BrokerNode node) {
    var p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers());
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    return p;
  }

  public static Properties adminProps(BrokerNode node) {
    var p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, node.bootstrapServers());
    return p;
  }
}
