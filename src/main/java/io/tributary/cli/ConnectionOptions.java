package io.tributary.cli;

import java.io.File;
import java.io.FileReader;
import java.io.IOException;
import java.util.Properties;
import picocli.CommandLine.Option;

/** How a client command reaches the cluster; mixed into every command that talks Kafka. */
final class ConnectionOptions {

  @Option(names = "--bootstrap-server", paramLabel = "HOST:PORT", defaultValue = "127.0.0.1:9092",
      description = "Broker(s) to connect to, comma-separated (default: ${DEFAULT-VALUE}).")
  String bootstrapServer;

  @Option(names = "--command-config", paramLabel = "FILE",
      description = "Kafka client properties file (security settings, timeouts, ...), applied to every client the command creates.")
  File commandConfig;

  @Option(names = "--request-timeout-ms", paramLabel = "MS", defaultValue = "30000",
      description = "How long to wait for the cluster before giving up (default: ${DEFAULT-VALUE}).")
  int timeoutMs;

  /** Bootstrap, the request timeout, the client id and the command-config file (whose settings win). */
  private Properties base() {
    var p = new Properties();
    if (commandConfig != null) {
      if (!commandConfig.isFile()) throw new CliException("command config file not found: " + commandConfig, 2);
      try (var reader = new FileReader(commandConfig, java.nio.charset.StandardCharsets.UTF_8)) {
        p.load(reader);
      } catch (IOException e) {
        throw new CliException("cannot read " + commandConfig + ": " + e.getMessage(), 2);
      }
    }
    p.put("bootstrap.servers", bootstrapServer);
    p.putIfAbsent("request.timeout.ms", Integer.toString(timeoutMs));
    p.putIfAbsent("client.id", "tributary-cli");
    return p;
  }

  Properties admin() {
    var p = base();
    p.putIfAbsent("default.api.timeout.ms", Integer.toString(timeoutMs));
    return p;
  }

  Properties producer() {
    var p = base();
    p.putIfAbsent("max.block.ms", Integer.toString(timeoutMs));
    p.putIfAbsent("delivery.timeout.ms", Integer.toString(Math.max(timeoutMs, 1000) + 5000));
    return p;
  }

  Properties consumer() {
    var p = base();
    p.putIfAbsent("default.api.timeout.ms", Integer.toString(timeoutMs));
    p.putIfAbsent("allow.auto.create.topics", "false");
    return p;
  }
}
