package io.tributary.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.tributary.cli.BrokerSettings.Setting;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** The broker's flags and environment variables land on their config keys, in the order flag, env, file, reference.conf. */
class BrokerSettingsTest {
  @TempDir
  Path dir;

  /** The settings as the node sees them: parsed like {@code tributary broker ARGS}, resolved over reference.conf. */
  static Config resolve(Map<String, String> env, String... args) {
    var command = new BrokerCommand();
    var cl = new CommandLine(command);
    cl.parseArgs(args);
    command.spec = cl.getCommandSpec();
    return command.settings(env).withFallback(ConfigFactory.defaultReferenceUnresolved()).resolve();
  }

  @Test
  void everyFlagSetsItsKey() {
    Config c = resolve(Map.of(), "--node-id", "2", "--host", "0.0.0.0", "--port", "9094", "--advertised-host", "broker-2",
        "--cluster-host", "tributary-2", "--cluster-port", "25521", "--seed-nodes", "h1:25520,h2:25521,h3:25522",
        "--data-dir", "data/2", "--rack", "zone-b", "--http-port", "9405", "--config", emptyConfig());
    assertEquals(2, c.getInt("tributary.node.id"));
    assertEquals("0.0.0.0", c.getString("tributary.kafka.host"));
    assertEquals(9094, c.getInt("tributary.kafka.port"));
    assertEquals("broker-2", c.getString("tributary.kafka.advertised-host"));
    assertEquals("tributary-2", c.getString("tributary.cluster.host"));
    assertEquals(25521, c.getInt("tributary.cluster.port"));
    assertEquals("h1:25520,h2:25521,h3:25522", c.getString("tributary.cluster.seed-nodes"));
    assertEquals("data/2", c.getString("tributary.node.data-dir"));
    assertEquals("zone-b", c.getString("tributary.node.rack"));
    assertEquals(9405, c.getInt("tributary.http.port"));
  }

  @Test
  void everyEnvironmentVariableSetsItsKey() {
    Map<String, String> env = Map.of("TRIBUTARY_NODE_ID", "3", "TRIBUTARY_HOST", "0.0.0.0", "TRIBUTARY_PORT", "9096",
        "TRIBUTARY_ADVERTISED_HOST", "localhost", "TRIBUTARY_CLUSTER_HOST", "tributary-3", "TRIBUTARY_CLUSTER_PORT", "25522",
        "TRIBUTARY_SEED_NODES", "tributary-1:25520,tributary-2:25520", "TRIBUTARY_DATA_DIR", "/var/lib/tributary",
        "TRIBUTARY_RACK", "zone-c", "TRIBUTARY_HTTP_PORT", "9406");
    Config c = resolve(env, "--config", emptyConfig());
    assertEquals(3, c.getInt("tributary.node.id"));
    assertEquals("0.0.0.0", c.getString("tributary.kafka.host"));
    assertEquals(9096, c.getInt("tributary.kafka.port"));
    assertEquals("localhost", c.getString("tributary.kafka.advertised-host"));
    assertEquals("tributary-3", c.getString("tributary.cluster.host"));
    assertEquals(25522, c.getInt("tributary.cluster.port"));
    assertEquals("tributary-1:25520,tributary-2:25520", c.getString("tributary.cluster.seed-nodes"));
    assertEquals("/var/lib/tributary", c.getString("tributary.node.data-dir"));
    assertEquals("zone-c", c.getString("tributary.node.rack"));
    assertEquals(9406, c.getInt("tributary.http.port"));
  }

  @Test
  void flagBeatsEnvironmentBeatsFileBeatsReference() throws Exception {
    Path file = dir.resolve("node.conf");
    Files.writeString(file, "tributary.kafka.port = 1001\ntributary.node.id = 11\ntributary.cluster.seed-nodes = \"f:1\"\n");
    String conf = file.toString();

    Config fileOnly = resolve(Map.of(), "--config", conf);
    assertEquals(1001, fileOnly.getInt("tributary.kafka.port"));
    assertEquals(11, fileOnly.getInt("tributary.node.id"));
    assertEquals(25520, fileOnly.getInt("tributary.cluster.port"), "reference.conf below the file");

    Map<String, String> env = Map.of("TRIBUTARY_PORT", "2002", "TRIBUTARY_NODE_ID", "22", "TRIBUTARY_SEED_NODES", "");
    Config envOverFile = resolve(env, "--config", conf);
    assertEquals(2002, envOverFile.getInt("tributary.kafka.port"));
    assertEquals(22, envOverFile.getInt("tributary.node.id"));
    assertEquals("", envOverFile.getString("tributary.cluster.seed-nodes"), "a blank variable is a value: no seed nodes");

    Config flagOverEnv = resolve(env, "--config", conf, "--port", "3003");
    assertEquals(3003, flagOverEnv.getInt("tributary.kafka.port"));
    assertEquals(22, flagOverEnv.getInt("tributary.node.id"), "no flag: the variable still counts");
  }

  @Test
  void aVariableThatIsNotANumberIsBadUsage() {
    var e = assertThrows(CliException.class,
        () -> resolve(Map.of("TRIBUTARY_CLUSTER_PORT", "twenty"), "--config", emptyConfig()));
    assertEquals(2, e.exitCode);
    assertTrue(e.getMessage().contains("TRIBUTARY_CLUSTER_PORT"), e.getMessage());
  }

  @Test
  void theTableAndTheCommandsOptionsAgree() {
    Set<String> options = new HashSet<>();
    for (OptionSpec o : new CommandLine(new BrokerCommand()).getCommandSpec().options()) options.add(o.longestName());
    options.removeAll(List.of("--config", "--help", "--version"));
    Set<String> table = new HashSet<>();
    Map<String, String> keys = new HashMap<>();
    Config reference = ConfigFactory.defaultReference();
    for (Setting s : Setting.values()) {
      table.add(s.flag);
      assertTrue(reference.hasPath(s.key), s.key + " is in reference.conf");
      keys.put(s.env, s.key);
    }
    assertEquals(options, table, "every option but --config has a row, and every row an option");
    assertEquals(Setting.values().length, keys.size(), "one variable per setting");
  }

  /** A --config that exists and is empty, so that the tests do not read conf/application.conf of the working directory. */
  private String emptyConfig() {
    try {
      return Files.writeString(dir.resolve("empty.conf"), "").toString();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
