package io.tributary.it.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * One node of a test cluster: a broker JVM ({@code io.tributary.cli.Main broker}) on the test classpath, configured
 * only through the environment variables the compose file uses. Its node id, ports and data directory are fixed for
 * the test, so that it can be restarted as its supervisor would restart it: same data, same addresses. Each life of
 * the process appends to the same log file, behind a header line.
 */
final class ClusterNode {
  private static final int TAIL_LINES = 120;

  final int nodeId;
  final int kafkaPort;
  final int clusterPort;
  private final Path dataDir;
  private final Path logFile;
  private final Path logbackConfig;
  private final String seedNodes;
  private final Deque<String> tail = new ArrayDeque<>();
  private volatile Life life;
  private int lives;
  /** The cgroup each life runs in ({@link NetworkCut}), or null. */
  private volatile Path cgroupProcs;

  /** One run of the process, from launch to exit. */
  private record Life(Process process, CompletableFuture<Void> ready, Thread pump) {}

  ClusterNode(int nodeId, int kafkaPort, int clusterPort, Path dir, Path logbackConfig, String seedNodes) {
    this.nodeId = nodeId;
    this.kafkaPort = kafkaPort;
    this.clusterPort = clusterPort;
    this.dataDir = dir.resolve("node-" + nodeId + "-data");
    this.logFile = dir.resolve("node-" + nodeId + ".log");
    this.logbackConfig = logbackConfig;
    this.seedNodes = seedNodes;
  }

  /** The settings of this node, exactly the variables docker-compose sets. */
  Map<String, String> environment() {
    return Map.of(
        "TRIBUTARY_NODE_ID", String.valueOf(nodeId),
        "TRIBUTARY_HOST", "127.0.0.1",
        "TRIBUTARY_PORT", String.valueOf(kafkaPort),
        "TRIBUTARY_ADVERTISED_HOST", "127.0.0.1",
        "TRIBUTARY_CLUSTER_HOST", "127.0.0.1",
        "TRIBUTARY_CLUSTER_PORT", String.valueOf(clusterPort),
        "TRIBUTARY_SEED_NODES", seedNodes,
        "TRIBUTARY_DATA_DIR", dataDir.toString(),
        "TRIBUTARY_HTTP_PORT", "0");
  }

  /** Every life from the next one on runs in the cgroup whose {@code cgroup.procs} file this is. */
  void runIn(Path cgroupProcs) {
    this.cgroupProcs = cgroupProcs;
  }

  /** Starts a new life of the process (the first, or a restart after it died); does not wait for it to be ready. */
  synchronized void launch() throws IOException {
    if (life != null && life.process.isAlive()) {
      throw new IllegalStateException("node " + nodeId + " is still running (pid " + life.process.pid() + ")");
    }
    lives++;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new ArrayList<>(List.of(java,
        "-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "--add-opens", "java.base/java.nio=ALL-UNNAMED",
        "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "-Dakka.actor.serialize-messages=on",
        // the test classpath's logback-test.xml silences Akka; cluster membership lines are wanted here
        "-Dlogback.configurationFile=" + logbackConfig,
        "-cp", System.getProperty("java.class.path"),
        "io.tributary.cli.Main", "broker"));
    if (cgroupProcs != null) {
      // the shell joins the cgroup, then becomes the JVM (same pid), so every socket the JVM opens is in it
      command.addAll(0, List.of("sh", "-c", "echo $$ > \"$0\" && exec \"$@\"", cgroupProcs.toString()));
    }
    Files.createDirectories(dataDir);
    var builder = new ProcessBuilder(command).directory(dataDir.getParent().toFile()).redirectErrorStream(true);
    builder.environment().keySet().removeIf(k -> k.startsWith("TRIBUTARY_"));
    builder.environment().putAll(environment());
    String header = "===== node " + nodeId + " life " + lives + " (kafka 127.0.0.1:" + kafkaPort + ", cluster 127.0.0.1:"
        + clusterPort + ") =====";
    Files.writeString(logFile, header + System.lineSeparator(), StandardCharsets.UTF_8,
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    remember(header);
    Process process = builder.start();
    var ready = new CompletableFuture<Void>();
    var pump = new Thread(() -> pumpOutput(process, ready), "cluster-node-" + nodeId + "-output-" + lives);
    pump.setDaemon(true);
    life = new Life(process, ready, pump);
    pump.start();
  }

  private void pumpOutput(Process process, CompletableFuture<Void> ready) {
    try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
         var out = new PrintWriter(Files.newBufferedWriter(logFile, StandardCharsets.UTF_8,
             StandardOpenOption.CREATE, StandardOpenOption.APPEND), true)) {
      String line;
      while ((line = in.readLine()) != null) {
        out.println(line);
        remember(line);
        if (line.contains("Tributary node") && line.contains("ready: Kafka listener on")) {
          ready.complete(null);
        }
      }
    } catch (IOException e) {
      // the process went away; what it printed is in the file
    } finally {
      ready.completeExceptionally(new IllegalStateException("node " + nodeId + " exited before it was ready"));
    }
  }

  private void remember(String line) {
    synchronized (tail) {
      tail.addLast(line);
      if (tail.size() > TAIL_LINES) tail.removeFirst();
    }
  }

  /** Waits until the current life has logged that it is ready; fails with its last lines if it does not. */
  /** Waits until the node is ready; empty when it is, else why it is not (with its last output). */
  Optional<String> awaitReady(Duration timeout) throws InterruptedException {
    var current = life;
    try {
      current.ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return Optional.empty();
    } catch (ExecutionException e) {
      current.process.waitFor(10, TimeUnit.SECONDS);
      return Optional.of("node " + nodeId + " exited (" + exitCode() + ") before it was ready; last output:\n" + tail());
    } catch (TimeoutException e) {
      return Optional.of("node " + nodeId + " not ready within " + timeout + "; last output:\n" + tail());
    }
  }

  boolean isAlive() {
    var current = life;
    return current != null && current.process.isAlive();
  }

  long pid() {
    return life.process.pid();
  }

  /** The node's data directory (its partitions' logs are {@code <topic>-<partition>} below it). */
  Path dataDir() {
    return dataDir;
  }

  String bootstrap() {
    return "127.0.0.1:" + kafkaPort;
  }

  /** The Akka address other members know this node by. */
  String clusterAddress() {
    return "akka://tributary@127.0.0.1:" + clusterPort;
  }

  /** kill -9: no shutdown hook, no flush. */
  void kill() throws InterruptedException {
    var current = life;
    if (current == null) return;
    current.process.destroyForcibly();
    if (!current.process.waitFor(60, TimeUnit.SECONDS)) {
      throw new AssertionError("node " + nodeId + " (pid " + current.process.pid() + ") survived SIGKILL for 60 s");
    }
    current.pump.join(10_000);
  }

  /** SIGSTOP: the JVM freezes, its sockets stay open (a long GC pause, a hung VM). */
  void pause() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** SIGCONT after {@link #pause()}. */
  void resume() throws InterruptedException {
    try {
      signal("CONT");
    } catch (IOException e) {
      throw new IllegalStateException("cannot send SIGCONT to node " + nodeId, e);
    }
  }

  private void signal(String name) throws IOException, InterruptedException {
    var current = life;
    if (current == null || !current.process.isAlive()) return;
    var kill = new ProcessBuilder("kill", "-" + name, String.valueOf(current.process.pid()))
        .redirectErrorStream(true).start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + name + " " + current.process.pid() + " failed: "
          + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /** Waits up to {@code timeout} for the current life to exit; its exit code, or null if it still runs. */
  Integer awaitExit(Duration timeout) throws InterruptedException {
    var current = life;
    if (!current.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) return null;
    current.pump.join(10_000);
    return current.process.exitValue();
  }

  String exitCode() {
    var current = life;
    if (current == null) return "never started";
    return current.process.isAlive() ? "still running" : "exit " + current.process.exitValue();
  }

  /** The whole log of every life. */
  String log() {
    try {
      return Files.readString(logFile, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  Path logFile() {
    return logFile;
  }

  /** The last lines the node printed (across lives). */
  String tail() {
    synchronized (tail) {
      return String.join("\n", tail);
    }
  }

  @Override
  public String toString() {
    return "node " + nodeId + " (kafka " + kafkaPort + ", cluster " + clusterPort + ", " + exitCode() + ")";
  }
}
