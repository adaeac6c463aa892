package io.tributary.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueFactory;
import java.util.Map;

/**
 * The broker settings that have both a command-line flag and an environment variable, and their order:
 * a flag wins over the environment variable, which wins over the {@code --config} file, which wins over
 * reference.conf. (reference.conf names the same variables, but there they sit below the file; a container
 * configured through its environment must not be overridden by a config file baked into its image.)
 */
final class BrokerSettings {
  private BrokerSettings() {}

  /** One setting: its flag, config key and environment variable. */
  enum Setting {
    NODE_ID("--node-id", "tributary.node.id", "TRIBUTARY_NODE_ID", true),
    HOST("--host", "tributary.kafka.host", "TRIBUTARY_HOST", false),
    PORT("--port", "tributary.kafka.port", "TRIBUTARY_PORT", true),
    ADVERTISED_HOST("--advertised-host", "tributary.kafka.advertised-host", "TRIBUTARY_ADVERTISED_HOST", false),
    CLUSTER_HOST("--cluster-host", "tributary.cluster.host", "TRIBUTARY_CLUSTER_HOST", false),
    CLUSTER_PORT("--cluster-port", "tributary.cluster.port", "TRIBUTARY_CLUSTER_PORT", true),
    SEED_NODES("--seed-nodes", "tributary.cluster.seed-nodes", "TRIBUTARY_SEED_NODES", false),
    DATA_DIR("--data-dir", "tributary.node.data-dir", "TRIBUTARY_DATA_DIR", false),
    RACK("--rack", "tributary.node.rack", "TRIBUTARY_RACK", false),
    HTTP_PORT("--http-port", "tributary.http.port", "TRIBUTARY_HTTP_PORT", true);

    final String flag;
    final String key;
    final String env;
    final boolean integer;

    Setting(String flag, String key, String env, boolean integer) {
      this.flag = flag;
      this.key = key;
      this.env = env;
      this.integer = integer;
    }
  }

  /**
   * {@code flags} (the values given on the command line) over {@code env} over {@code file}; reference.conf
   * is layered below by the node. An environment variable that should be a number and is not is bad usage.
   */
  static Config layered(Map<Setting, Object> flags, Map<String, String> env, Config file) {
    Config config = file;
    for (Setting s : Setting.values()) {
      String fromEnv = env.get(s.env);
      if (fromEnv != null) config = config.withValue(s.key, ConfigValueFactory.fromAnyRef(envValue(s, fromEnv)));
    }
    for (Setting s : Setting.values()) {
      Object fromFlag = flags.get(s);
      if (fromFlag != null) config = config.withValue(s.key, ConfigValueFactory.fromAnyRef(fromFlag));
    }
    return config;
  }

  private static Object envValue(Setting s, String value) {
    if (!s.integer) return value;
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new CliException("environment variable " + s.env + "='" + value + "' is not a number (" + s.key + ")", 2);
    }
  }
}
