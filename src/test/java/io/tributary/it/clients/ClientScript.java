package io.tributary.it.clients;

import static io.tributary.it.clients.ExternalClients.CLIENTS_DIR;
import static io.tributary.it.clients.ExternalClients.KAFKAJS_DIR;
import static io.tributary.it.clients.ExternalClients.PYTHON;

import io.tributary.it.clients.ExternalClients.Requirement;
import io.tributary.it.clients.ExternalClients.Result;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client's scenario script under {@code src/test/clients/<client>/}. Run without arguments it runs every
 * single-broker scenario ({@link #scenarios}); with {@code cluster} it runs the scenario against a multi-node
 * cluster. Either way it prints one line per scenario, {@code PASS <name>} or {@code FAIL <name>: <reason>}.
 */
enum ClientScript {
  KCAT(List.of("bash", "scenarios.sh"), CLIENTS_DIR.resolve("kcat"), Scenarios.ALL,
      ExternalClients.executable("kcat", "apt-get install kcat")),
  CONFLUENT_KAFKA(List.of(PYTHON, "scenarios.py"), CLIENTS_DIR.resolve("confluent-kafka"), Scenarios.ALL,
      ExternalClients.pythonModules("confluent-kafka", "apt-get install python3-confluent-kafka", "confluent_kafka")),
  // kafka-python 2.0 has no idempotent producer
  KAFKA_PYTHON(List.of(PYTHON, "scenarios.py"), CLIENTS_DIR.resolve("kafka-python"),
      Scenarios.ALL.stream().filter(s -> !s.equals("idempotent-produce")).toList(),
      ExternalClients.pythonModules("kafka-python with its codecs",
          "apt-get install python3-kafka python3-snappy python3-lz4 python3-zstandard", "kafka", "snappy", "lz4.frame", "zstandard")),
  KAFKAJS(List.of("node", "scenarios.js"), KAFKAJS_DIR, Scenarios.ALL, ExternalClients.kafkajs());

  private static final Logger log = LoggerFactory.getLogger(ClientScript.class);
  private static final Pattern RESULT = Pattern.compile("(PASS|FAIL) ([a-z0-9-]+)(: .*)?");

  /** Enum constants cannot refer to a static field of their own enum: the list lives here. */
  private static final class Scenarios {
    static final List<String> ALL = List.of("produce-consume", "auto-create", "consumer-group",
        "compression-gzip", "compression-snappy", "compression-lz4", "compression-zstd", "headers-timestamps",
        "offsets-for-times", "idempotent-produce", "offset-out-of-range", "unknown-topic");
  }

  private final List<String> command;
  private final Path dir;
  /** The scenarios the script runs without arguments, each of which must print PASS. */
  final List<String> scenarios;
  final Requirement requirement;

  ClientScript(List<String> command, Path dir, List<String> scenarios, Requirement requirement) {
    this.command = command;
    this.dir = dir;
    this.scenarios = scenarios;
    this.requirement = requirement;
  }

  /** Runs the script with {@code args} and extra environment variables, and logs what it printed. */
  Result run(List<String> args, Map<String, String> env, Duration timeout) throws IOException, InterruptedException {
    var commandLine = new ArrayList<>(command);
    commandLine.addAll(args);
    var result = ExternalClients.run(commandLine, dir, env, timeout);
    log.info("{} {} exited with {}; stdout:\n{}\nstderr:\n{}", this, args, result.exitCode(),
        String.join("\n", result.stdout()), result.stderr());
    return result;
  }

  /** Scenario name -> the PASS or FAIL line the script printed for it, in the order printed. */
  static Map<String, String> outcomes(Result result) {
    Map<String, String> outcomes = new LinkedHashMap<>();
    for (String line : result.stdout()) {
      var m = RESULT.matcher(line);
      if (m.matches()) outcomes.put(m.group(2), line);
    }
    return outcomes;
  }
}
