package io.tributary.client;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.tributary.node.BrokerNode;
import io.tributary.storage.Directories;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * A real Tributary broker inside the calling JVM, for application tests: a one-node {@link BrokerNode} on an
 * ephemeral Kafka port (127.0.0.1), its HTTP server (metrics, health) on an ephemeral port too, with its data
 * in a fresh temporary directory that {@link #close()} deletes.
 * Consumer groups rebalance without the initial delay ({@code tributary.group.initial.rebalance.delay.ms = 0}).
 *
 * <pre>{@code
 * try (var broker = EmbeddedBroker.start()) {
 *   broker.createTopic("orders", 3);
 *   var settings = ProducerSettings.create(system, new StringSerializer(), new StringSerializer())
 *       .withBootstrapServers(broker.bootstrapServers());
 *   ...
 * }
 * }</pre>
 *
 * <p>This class is the one place where package {@code client} depends on package {@code node}: everything
 * else in {@code client} speaks only the Kafka protocol through kafka-clients, and works against any
 * Kafka-protocol broker.
 */
public final class EmbeddedBroker implements AutoCloseable {
  private final BrokerNode node;
  private final Path dataDir;

  private EmbeddedBroker(BrokerNode node, Path dataDir) {
    this.node = node;
    this.dataDir = dataDir;
  }

  /** Starts a broker with the defaults; returns once it accepts connections. */
  public static EmbeddedBroker start() {
    return start(ConfigFactory.empty());
  }

  /** Starts a broker with HOCON overrides, e.g. {@code "tributary.num.partitions = 4"} (Kafka names unquoted). */
  public static EmbeddedBroker start(String... hocon) {
    return start(ConfigFactory.parseString(String.join("\n", hocon)));
  }

  /** Starts a broker with these (unresolved) config overrides layered over the embedded defaults. */
  public static EmbeddedBroker start(Config overrides) {
    Path dir;
    try {
      dir = Files.createTempDirectory("tributary-embedded-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Config base = ConfigFactory.parseMap(Map.of(
        "tributary.kafka.host", "127.0.0.1",
        "tributary.kafka.port", 0,
        "akka.remote.artery.canonical.hostname", "127.0.0.1",
        "akka.remote.artery.canonical.port", 0,
        // an ephemeral HTTP port too: tests must not collide with a broker (or each other) on 9404
        "tributary.http.port", 0,
        "tributary.node.data-dir", dir.toString()))
        .withFallback(ConfigFactory.parseString("tributary.group.initial.rebalance.delay.ms = 0"));
    try {
      return new EmbeddedBroker(BrokerNode.start(overrides.withFallback(base)), dir);
    } catch (RuntimeException e) {
      deleteRecursively(dir);
      throw e;
    }
  }

  /** {@code host:port} for {@code bootstrap.servers}. */
  public String bootstrapServers() {
    return node.bootstrapServers();
  }

  /** Creates a topic (replication factor 1) and waits until it exists. */
  public void createTopic(String name, int partitions) {
    try (var admin = Admin.create(Map.<String, Object>of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("creating topic " + name + " failed", e.getCause());
    }
  }

  /** The node itself, for tests that need more than the Kafka protocol. */
  public BrokerNode node() {
    return node;
  }

  /** Stops the broker and deletes its data directory. */
  @Override
  public void close() {
    try {
      node.close();
    } finally {
      deleteRecursively(dataDir);
    }
  }

  private static void deleteRecursively(Path dir) {
    try {
      Directories.deleteRecursively(dir);
    } catch (IOException e) {
      // best effort: a temp directory
    }
  }
}
