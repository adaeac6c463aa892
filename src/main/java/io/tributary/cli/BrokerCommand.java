package io.tributary.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.tributary.node.BrokerNode;
import java.io.File;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs a broker node in the foreground until SIGTERM/SIGINT, then shuts it down gracefully. */
@Command(name = "broker", mixinStandardHelpOptions = true, description = "Start a Tributary node in the foreground.")
final class BrokerCommand implements Callable<Integer> {

  @Option(names = "--config", description = "HOCON file with settings (default: conf/application.conf if present).")
  File configFile;

  @Option(names = "--data-dir", description = "Data directory (default: ./data).")
  String dataDir;

  @Option(names = "--port", description = "Kafka listener port (default: 9092).")
  Integer port;

  @Option(names = "--host", description = "Kafka listener host (default: 127.0.0.1).")
  String host;

  @Option(names = "--node-id", description = "Broker id (default: 1).")
  Integer nodeId;

  @Option(names = "--http-port", description = "Port of /metrics, /health, /ready and the records API (default: 9404).")
  Integer httpPort;

  @Override
  public Integer call() {
    Config config = ConfigFactory.empty();
    File file = configFile != null ? configFile : new File("conf/application.conf");
    if (configFile != null && !configFile.isFile()) {
      System.err.println("tributary: config file not found: " + configFile);
      return 2;
    }
    if (file.isFile()) config = ConfigFactory.parseFile(file);
    if (dataDir != null) config = config.withValue("tributary.node.data-dir", ConfigValueFactory.fromAnyRef(dataDir));
    if (port != null) config = config.withValue("tributary.kafka.port", ConfigValueFactory.fromAnyRef(port));
    if (host != null) config = config.withValue("tributary.kafka.host", ConfigValueFactory.fromAnyRef(host));
    if (httpPort != null) config = config.withValue("tributary.http.port", ConfigValueFactory.fromAnyRef(httpPort));
    if (nodeId != null) config = config.withValue("tributary.node.id", ConfigValueFactory.fromAnyRef(nodeId));
    BrokerNode node;
    try {
      node = BrokerNode.start(config);
    } catch (RuntimeException e) {
      System.err.println("tributary: cannot start the broker: " + e.getMessage());
      return 1;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(node::close, "tributary-shutdown"));
    node.awaitTermination();
    return 0;
  }
}
