package io.tributary.cli;

import akka.actor.CoordinatedShutdown;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.tributary.cli.BrokerSettings.Setting;
import io.tributary.node.BrokerNode;
import java.io.File;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Runs a broker node in the foreground until SIGTERM/SIGINT, then shuts it down gracefully (exit as the
 * signal's). A node that stops for any other reason exits non-zero ({@link BrokerExit}), above all one that the
 * cluster downed or removed, so that its supervisor starts it again.
 */
@Command(name = "broker", mixinStandardHelpOptions = true, description = {
    "Start a Tributary node in the foreground.",
    "Each option also has an environment variable (in brackets). An option wins over its variable, a variable"
        + " over the --config file."},
    footer = {"Exit status: that of the signal after SIGTERM or SIGINT (a graceful stop); 1 the node could not start;"
        + " 2 bad usage; 3 the cluster downed this node or removed it (start it again: it rejoins on its data directory)."})
final class BrokerCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "HOCON file with settings (default: conf/application.conf if present).")
  File configFile;

  @Option(names = "--node-id", paramLabel = "N", description = "Broker id, unique in the cluster [TRIBUTARY_NODE_ID] (default: 1).")
  Integer nodeId;

  @Option(names = "--host", paramLabel = "H", description = "Kafka listener interface [TRIBUTARY_HOST] (default: 127.0.0.1).")
  String host;

  @Option(names = "--port", paramLabel = "P", description = "Kafka listener port [TRIBUTARY_PORT] (default: 9092).")
  Integer port;

  @Option(names = "--advertised-host", paramLabel = "A",
      description = "Host clients are told to connect to [TRIBUTARY_ADVERTISED_HOST] (default: the listener's host).")
  String advertisedHost;

  @Option(names = "--cluster-host", paramLabel = "CH",
      description = "Host of this node's cluster address, reachable by the other nodes [TRIBUTARY_CLUSTER_HOST] (default: 127.0.0.1).")
  String clusterHost;

  @Option(names = "--cluster-port", paramLabel = "CP",
      description = "Port of this node's cluster address [TRIBUTARY_CLUSTER_PORT] (default: 25520).")
  Integer clusterPort;

  @Option(names = "--seed-nodes", paramLabel = "h1:p1,h2:p2",
      description = "Cluster addresses of the seed nodes, the same list on every node [TRIBUTARY_SEED_NODES]"
          + " (default: none, a single-node cluster).")
  String seedNodes;

  @Option(names = "--data-dir", paramLabel = "D", description = "Data directory [TRIBUTARY_DATA_DIR] (default: ./data).")
  String dataDir;

  @Option(names = "--rack", paramLabel = "R", description = "Kafka's broker.rack of this node [TRIBUTARY_RACK] (default: none).")
  String rack;

  @Option(names = "--http-port", paramLabel = "P",
      description = "Port of /metrics, /health, /ready and the records API [TRIBUTARY_HTTP_PORT] (default: 9404).")
  Integer httpPort;

  @Override
  public Integer call() {
    var err = spec.commandLine().getErr();
    Config config;
    try {
      config = settings(System.getenv());
    } catch (CliException e) {
      err.println("tributary: " + e.getMessage());
      err.flush();
      return e.exitCode;
    }
    BrokerNode node;
    try {
      node = BrokerNode.start(config);
    } catch (RuntimeException e) {
      err.println("tributary: cannot start the broker: " + e.getMessage());
      err.flush();
      return BrokerExit.FAILED;
    }
    var stopRequested = new AtomicBoolean();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      stopRequested.set(true);
      node.close();
    }, "tributary-shutdown"));
    node.awaitTermination();
    var reason = CoordinatedShutdown.get(node.system()).getShutdownReason();
    int status = BrokerExit.status(reason, stopRequested.get());
    if (status != BrokerExit.STOPPED) {
      err.println("tributary: " + BrokerExit.describe(reason, status));
      err.flush();
    }
    return status;
  }

  /** The operator's settings: the options over {@code env} over the config file (reference.conf comes below, in the node). */
  Config settings(Map<String, String> env) {
    File file = configFile != null ? configFile : new File("conf/application.conf");
    if (configFile != null && !configFile.isFile()) {
      throw new CliException("config file not found: " + configFile, 2);
    }
    Config fromFile = file.isFile() ? ConfigFactory.parseFile(file) : ConfigFactory.empty();
    return BrokerSettings.layered(flags(), env, fromFile);
  }

  private Map<Setting, Object> flags() {
    var flags = new EnumMap<Setting, Object>(Setting.class);
    put(flags, Setting.NODE_ID, nodeId);
    put(flags, Setting.HOST, host);
    put(flags, Setting.PORT, port);
    put(flags, Setting.ADVERTISED_HOST, advertisedHost);
    put(flags, Setting.CLUSTER_HOST, clusterHost);
    put(flags, Setting.CLUSTER_PORT, clusterPort);
    put(flags, Setting.SEED_NODES, seedNodes);
    put(flags, Setting.DATA_DIR, dataDir);
    put(flags, Setting.RACK, rack);
    put(flags, Setting.HTTP_PORT, httpPort);
    return flags;
  }

  private static void put(Map<Setting, Object> flags, Setting setting, Object value) {
    if (value != null) flags.put(setting, value);
  }
}
