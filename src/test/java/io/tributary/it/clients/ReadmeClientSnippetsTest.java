package io.tributary.it.clients;

import static io.tributary.it.clients.ExternalClients.KAFKAJS_DIR;
import static io.tributary.it.clients.ExternalClients.PYTHON;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.client.EmbeddedBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the README's getting-started blocks for the clients outside the JVM exactly as printed, each against
 * a fresh broker: the only change is the address {@code 127.0.0.1:9092}, replaced by the test broker's. A
 * block is the fenced code after {@code <!-- tested: <name> -->}; each must print {@code k1 = hello}.
 */
class ReadmeClientSnippetsTest {
  private static final Logger log = LoggerFactory.getLogger(ReadmeClientSnippetsTest.class);
  private static final String README_ADDRESS = "127.0.0.1:9092";
  private static final Duration TIMEOUT = Duration.ofMinutes(2);

  enum Snippet {
    KCAT("kcat", ClientScript.KCAT, "bash"),
    KAFKA_PYTHON("kafka-python", ClientScript.KAFKA_PYTHON, PYTHON),
    CONFLUENT_KAFKA("confluent-kafka", ClientScript.CONFLUENT_KAFKA, PYTHON),
    KAFKAJS("kafkajs", ClientScript.KAFKAJS, "node");

    final String marker;
    final ClientScript client;
    final String interpreter;

    Snippet(String marker, ClientScript client, String interpreter) {
      this.marker = marker;
      this.client = client;
      this.interpreter = interpreter;
    }
  }

  @ParameterizedTest
  @EnumSource(Snippet.class)
  void printsTheGreeting(Snippet snippet, @TempDir Path dir) throws Exception {
    String code = block(Files.readString(Path.of("README.md")), snippet.marker);
    assertTrue(code.contains(README_ADDRESS), "the block does not use " + README_ADDRESS);
    ExternalClients.require(List.of(snippet.client.requirement));
    try (var broker = EmbeddedBroker.start()) {
      Path file = dir.resolve("snippet");
      Files.writeString(file, code.replace(README_ADDRESS, broker.bootstrapServers()));
      // node looks for modules next to the script: point it at the ones npm ci installed
      var env = Map.of("NODE_PATH", KAFKAJS_DIR.resolve("node_modules").toAbsolutePath().toString());
      var result = ExternalClients.run(List.of(snippet.interpreter, file.toString()), dir, env, TIMEOUT);
      log.info("{} exited with {}; stdout:\n{}\nstderr:\n{}", snippet, result.exitCode(), String.join("\n", result.stdout()), result.stderr());
      assertEquals(List.of("k1 = hello"), result.stdout(), snippet + " stdout; stderr:\n" + result.stderr());
      assertEquals(0, result.exitCode(), snippet + " exit code");
    }
  }

  /** The code of the one fenced block right after {@code <!-- tested: marker -->}. */
  static String block(String readme, String marker) {
    var m = Pattern.compile("<!-- tested: " + Pattern.quote(marker) + " -->\n```[a-z]*\n(.*?)```\n", Pattern.DOTALL).matcher(readme);
    assertTrue(m.find(), "README.md has no block marked " + marker);
    String code = m.group(1);
    assertFalse(m.find(), "README.md has two blocks marked " + marker);
    return code;
  }
}
