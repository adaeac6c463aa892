package io.tributary.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A broker in a separate JVM ({@code io.tributary.cli.Main broker}) on the test classpath, so that
 * it can be killed with SIGKILL. Its output goes to a log file; {@link #start} returns once the
 * node has logged that it is ready.
 */
final class ChildBroker implements AutoCloseable {
  private static final int TAIL_LINES = 80;

  private final Process process;
  private final int port;
  private final Path logFile;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final Deque<String> tail = new ArrayDeque<>();
  private final Thread pump;

  private ChildBroker(Process process, int port, Path logFile) {
    this.process = process;
    this.port = port;
    this.logFile = logFile;
    this.pump = new Thread(this::pumpOutput, "child-broker-output-" + port);
    this.pump.setDaemon(true);
    this.pump.start();
  }

  /**
   * Starts a broker on {@code dataDir} and waits until it is ready. A port taken by someone else
   * between choosing and binding it is retried with another port; any other failure to start
   * fails with the child's last output lines.
   */
  static ChildBroker start(Path dataDir, Path workDir, Path logFile, Map<String, String> env, List<String> jvmOptions,
                           Duration timeout) throws IOException, InterruptedException {
    return start(dataDir, workDir, logFile, env, jvmOptions, 0, timeout);
  }

  /** As above on a given Kafka port ({@code 0}: a free one); a given port is retried a few times if still taken. */
  static ChildBroker start(Path dataDir, Path workDir, Path logFile, Map<String, String> env, List<String> jvmOptions,
                           int port, Duration timeout) throws IOException, InterruptedException {
    for (int attempt = 1; ; attempt++) {
      var child = launch(dataDir, workDir, logFile, env, jvmOptions, port == 0 ? RobustSupport.freePort() : port);
      var notReady = child.awaitReady(timeout);
      if (notReady.isEmpty()) {
        return child;
      }
      child.kill();
      if (attempt < 3 && child.tail().contains("Address already in use")) {
        continue;
      }
      throw new AssertionError(notReady.get());
    }
  }

  /** Starts the broker process without waiting for it to be ready. */
  static ChildBroker launch(Path dataDir, Path workDir, Path logFile, Map<String, String> env,
                                    List<String> jvmOptions, int port) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java,
        "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "--add-opens", "java.base/java.nio=ALL-UNNAMED",
        "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "-Dakka.remote.artery.canonical.port=0"));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"),
        "io.tributary.cli.Main", "broker", "--data-dir", dataDir.toString(), "--port", String.valueOf(port)));
    Files.createDirectories(workDir);
    var builder = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
    builder.environment().putAll(env);
    return new ChildBroker(builder.start(), port, logFile);
  }

  private void pumpOutput() {
    try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
         var out = new PrintWriter(Files.newBufferedWriter(logFile, StandardCharsets.UTF_8), true)) {
      String line;
      while ((line = in.readLine()) != null) {
        out.println(line);
        synchronized (tail) {
          tail.addLast(line);
          if (tail.size() > TAIL_LINES) tail.removeFirst();
        }
        if (line.contains("Tributary node") && line.contains("ready: Kafka listener on")) {
          ready.complete(null);
        }
      }
    } catch (IOException e) {
      // the child went away; what it printed so far is in the file
    } finally {
      ready.completeExceptionally(new IllegalStateException("the broker process ended before it was ready"));
    }
  }

  /** Waits until the child is ready; empty when it is, else why it is not. */
  private Optional<String> awaitReady(Duration timeout) throws InterruptedException {
    try {
      ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return Optional.empty();
    } catch (ExecutionException e) {
      process.waitFor(10, TimeUnit.SECONDS);
      return Optional.of("Broker process did not start (exit " + exitCode() + "); last output:\n" + tail());
    } catch (TimeoutException e) {
      return Optional.of("Broker process not ready within " + timeout + "; last output:\n" + tail());
    }
  }

  boolean isReady() {
    return ready.isDone() && !ready.isCompletedExceptionally();
  }

  String bootstrapServers() {
    return "127.0.0.1:" + port;
  }

  long pid() {
    return process.pid();
  }

  /** kill -9: the process gets no chance to flush or write anything. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      throw new AssertionError("Broker process " + process.pid() + " survived SIGKILL for 60 s");
    }
    pump.join(10_000);
  }

  /** SIGTERM: the broker shuts down gracefully; returns its exit code. */
  int stop(Duration timeout) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      kill();
      throw new AssertionError("Broker process did not stop within " + timeout + " after SIGTERM; killed it");
    }
    pump.join(10_000);
    return process.exitValue();
  }

  String exitCode() {
    return process.isAlive() ? "still running" : String.valueOf(process.exitValue());
  }

  /** The last lines the child printed. */
  String tail() {
    synchronized (tail) {
      return String.join("\n", tail);
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) kill();
  }
}
