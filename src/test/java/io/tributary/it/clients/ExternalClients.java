package io.tributary.it.clients;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;

/**
 * The Kafka clients outside the JVM that the tests drive as child processes (kcat, confluent-kafka,
 * kafka-python, KafkaJS): whether they are installed, and running them with a bounded time.
 */
final class ExternalClients {
  private ExternalClients() {}

  /** The client scripts, relative to the project directory (Maven's working directory for tests). */
  static final Path CLIENTS_DIR = Path.of("src", "test", "clients");
  /** KafkaJS and its codecs, installed by {@code npm ci} in this directory. */
  static final Path KAFKAJS_DIR = CLIENTS_DIR.resolve("kafkajs");
  /** Debian's python3-kafka and python3-confluent-kafka are modules of this interpreter, not of a pyenv or venv one. */
  static final String PYTHON = "/usr/bin/python3";

  record Requirement(String what, String install, BooleanSupplier present) {}

  static Requirement executable(String name, String install) {
    return new Requirement(name, install, () -> onPath(name));
  }

  static Requirement pythonModules(String what, String install, String... modules) {
    String imports = "import " + String.join(", ", modules);
    return new Requirement(what, install, () -> Files.isExecutable(Path.of(PYTHON))
        && succeeds(List.of(PYTHON, "-c", imports)));
  }

  static Requirement kafkajs() {
    return new Requirement("KafkaJS (" + KAFKAJS_DIR.resolve("node_modules") + ")",
        "(cd " + KAFKAJS_DIR + " && npm ci)", () -> onPath("node") && Files.isDirectory(KAFKAJS_DIR.resolve("node_modules/kafkajs")));
  }

  /**
   * Returns if every requirement is present. Otherwise fails the test when the environment variable CI is set
   * (a client missing in CI is a failure), or skips it with one line naming what to install.
   */
  static void require(List<Requirement> requirements) {
    var missing = requirements.stream().filter(r -> !r.present().getAsBoolean()).toList();
    if (missing.isEmpty()) return;
    String message = "missing " + missing.stream().map(Requirement::what).collect(Collectors.joining(", "))
        + "; install with: " + missing.stream().map(Requirement::install).distinct().collect(Collectors.joining(" && "));
    if (System.getenv("CI") != null) fail(message);
    Assumptions.abort(message);
  }

  record Result(int exitCode, List<String> stdout, String stderr) {}

  /** Runs {@code command} in {@code dir} with extra environment variables; kills it and fails after {@code timeout}. */
  static Result run(List<String> command, Path dir, Map<String, String> env, Duration timeout) throws IOException, InterruptedException {
    File out = File.createTempFile("client-stdout-", ".txt");
    File err = File.createTempFile("client-stderr-", ".txt");
    try {
      var builder = new ProcessBuilder(command).directory(dir.toFile()).redirectOutput(out).redirectError(err)
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      builder.environment().putAll(env);
      Process process = builder.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor();
        fail(command + " did not finish within " + timeout + "; it printed:\n" + read(out) + "\nstderr:\n" + read(err));
      }
      return new Result(process.exitValue(), Files.readAllLines(out.toPath(), StandardCharsets.UTF_8), read(err));
    } finally {
      out.delete();
      err.delete();
    }
  }

  private static String read(File f) throws IOException {
    return Files.readString(f.toPath(), StandardCharsets.UTF_8);
  }

  private static boolean onPath(String name) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, name))) return true;
    }
    return false;
  }

  private static boolean succeeds(List<String> command) {
    try {
      var process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return false;
      }
      return process.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
