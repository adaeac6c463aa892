package io.tributary.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code tributary broker} in a child JVM on the test classpath, as an operator runs it: with flags and
 * environment variables, stopped by signals. Its output goes to a log file and a tail kept for failures.
 */
final class BrokerProcess implements AutoCloseable {
  private static final int TAIL_LINES = 60;
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final Process process;
  private final int kafkaPort;
  private final int httpPort;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();
  private final Deque<String> tail = new ArrayDeque<>();

  private BrokerProcess(Process process, int kafkaPort, int httpPort, Path logFile) {
    this.process = process;
    this.kafkaPort = kafkaPort;
    this.httpPort = httpPort;
    var pump = new Thread(() -> pump(logFile), "broker-process-" + process.pid());
    pump.setDaemon(true);
    pump.start();
  }

  /**
   * Starts {@code broker ARGS} with {@code env} added to this JVM's environment; {@code kafkaPort} and {@code httpPort}
   * are where the test finds its listeners (the ports that ARGS or env give it).
   */
  static BrokerProcess start(Path logFile, Map<String, String> env, List<String> jvmOptions, int kafkaPort, int httpPort,
                             String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED"));
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(), "broker"));
    cmd.addAll(List.of(args));
    var builder = new ProcessBuilder(cmd).directory(logFile.getParent().toFile()).redirectErrorStream(true);
    builder.environment().putAll(env);
    return new BrokerProcess(builder.start(), kafkaPort, httpPort, logFile);
  }

  static int freePort() throws IOException {
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private void pump(Path logFile) {
    try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
         var out = new PrintWriter(Files.newBufferedWriter(logFile, StandardCharsets.UTF_8), true)) {
      String line;
      while ((line = in.readLine()) != null) {
        out.println(line);
        synchronized (tail) {
          tail.addLast(line);
          if (tail.size() > TAIL_LINES) tail.removeFirst();
        }
        if (line.contains("ready: Kafka listener on")) ready.complete(null);
      }
    } catch (IOException e) {
      // the process is gone; its output so far is in the file
    } finally {
      ready.completeExceptionally(new IllegalStateException("the broker process ended before it was ready"));
    }
  }

  /** Waits until the node logged that it is ready; fails with its last output if it is not. */
  void awaitReady(Duration timeout) throws InterruptedException {
    try {
      ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new AssertionError("broker " + process.pid() + " not ready within " + timeout + " (" + e + "); exit "
          + (process.isAlive() ? "none yet" : process.exitValue()) + "; last output:\n" + tail());
    }
  }

  /** Sends a signal by name (TERM, STOP, CONT) with kill(1). */
  void signal(String name) throws IOException, InterruptedException {
    int exit = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
    if (exit != 0) throw new IllegalStateException("kill -" + name + " " + process.pid() + " exited " + exit);
  }

  /** Waits for the process to end and returns its exit status; fails with its last output if it does not end. */
  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError("broker " + process.pid() + " still running after " + timeout + "; last output:\n" + tail());
    }
    return process.exitValue();
  }

  String bootstrapServers() {
    return "127.0.0.1:" + kafkaPort;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** GET on the node's HTTP server: status code and body. */
  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + path))
        .timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  String tail() {
    synchronized (tail) {
      return String.join("\n", tail);
    }
  }

  /** SIGKILL if it still runs (also after SIGSTOP: SIGKILL needs no SIGCONT). */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
    }
  }
}
