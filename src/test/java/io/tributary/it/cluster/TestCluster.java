package io.tributary.it.cluster;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * Three broker JVMs on 127.0.0.1 that form one cluster, as a JUnit extension. Registered on a static field it lives
 * for the test class; on an instance field, for each test. The nodes are launched at once in shuffled order (the
 * cluster serves only once a majority of the seeds is up, so they must start together) and are always killed at the
 * end. When a test fails, or times out, the tail of every node's log is printed and attached to the failure; the
 * directory with the full logs and data is then kept, and its path printed (always with
 * {@code -Dtributary.cluster.keep-logs=true}).
 */
final class TestCluster implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback,
    TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
  /** How long anything the cluster should do by itself may take on a loaded 2-core CI machine. */
  static final Duration DEADLINE = Duration.ofSeconds(90);
  /** How long the three JVMs may take to start together and form the cluster. */
  private static final Duration START_DEADLINE = Duration.ofSeconds(120);
  private final int size;

  private Path dir;
  private List<ClusterNode> nodes = List.of();
  private boolean perTest;
  private boolean failed;
  private boolean cuttable;
  private NetworkCut networkCut;

  /** The three-node cluster of issue 12. */
  TestCluster() {
    this(3);
  }

  /** {@code size} nodes, all of them seeds. */
  TestCluster(int size) {
    this.size = size;
  }

  /** The nodes run so that the test can cut them off from each other ({@link #networkCut()}); needs root and iptables. */
  private Optional<String> cutsUnavailable = Optional.empty();

  TestCluster withNetworkCuts() {
    cuttable = true;
    return this;
  }

  /**
   * Why this machine cannot cut the nodes off from each other (needs root, iptables and a cgroup2 mount), or empty
   * when {@link #networkCut()} works.
   */
  Optional<String> networkCutsUnavailable() {
    if (!cuttable) return Optional.of("the cluster was not started withNetworkCuts()");
    return cutsUnavailable;
  }

  /** Cuts between the nodes; only with {@link #withNetworkCuts()}, where {@link #networkCutsUnavailable()} is empty. */
  NetworkCut networkCut() {
    if (networkCut == null) throw new IllegalStateException("the cluster was not started withNetworkCuts()");
    return networkCut;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws Exception {
    start(context);
  }

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    if (nodes.isEmpty()) {
      perTest = true;
      start(context);
    }
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    if (perTest) shutdown();
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    shutdown();
  }

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
    throw withLogs(failure);
  }

  @Override
  public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
    throw withLogs(failure);
  }

  @Override
  public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
    throw withLogs(failure);
  }

  @Override
  public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
    throw withLogs(failure);
  }

  @Override
  public void handleAfterAllMethodExecutionException(ExtensionContext context, Throwable failure) throws Throwable {
    throw withLogs(failure);
  }

  /** Prints the nodes' log tails and attaches them to {@code failure}, which the caller rethrows unchanged. */
  private Throwable withLogs(Throwable failure) {
    failed = true;
    String tails = logTails();
    System.err.println(tails);
    failure.addSuppressed(new NodeLogs(tails));
    return failure;
  }

  /** The log tails of every node, with where the whole logs are. */
  String logTails() {
    var out = new StringBuilder("Cluster state and log tails (full logs in " + dir + "):\n");
    for (var node : nodes) {
      out.append("----- ").append(node).append(", log ").append(node.logFile()).append(" -----\n")
          .append(node.tail()).append('\n');
    }
    return out.toString();
  }

  /** The log tails, attached to a failure as a suppressed exception; it has no stack of its own. */
  private static final class NodeLogs extends RuntimeException {
    NodeLogs(String tails) {
      super(tails, null, false, false);
    }
  }

  private void start(ExtensionContext context) throws IOException, InterruptedException {
    failed = false;
    dir = Files.createTempDirectory("tributary-" + context.getRequiredTestClass().getSimpleName() + "-");
    Path logback = dir.resolve("logback-node.xml");
    Files.writeString(logback, LOGBACK);
    List<Integer> ports = freePorts(2 * size);
    String seeds = IntStream.range(0, size).mapToObj(i -> "127.0.0.1:" + ports.get(size + i))
        .collect(Collectors.joining(","));
    var created = new ArrayList<ClusterNode>();
    for (int i = 0; i < size; i++) {
      created.add(new ClusterNode(i + 1, ports.get(i), ports.get(size + i), dir, logback, seeds));
    }
    nodes = List.copyOf(created);
    if (cuttable) {
      cutsUnavailable = NetworkCut.unavailableReason();
      if (cutsUnavailable.isEmpty()) {
        networkCut = NetworkCut.create();
        for (var node : nodes) node.runIn(networkCut.cgroupProcs(node.nodeId));
      } else {
        System.out.println("Network cuts are not possible here: " + cutsUnavailable.get());
      }
    }
    var order = new ArrayList<>(nodes);
    Collections.shuffle(order);
    System.out.println("Starting nodes in the order " + order.stream().map(n -> n.nodeId).toList() + " in " + dir);
    for (var node : order) node.launch();
    long deadline = System.nanoTime() + START_DEADLINE.toNanos();
    for (var node : order) {
      Optional<String> notReady = node.awaitReady(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (notReady.isPresent()) {
        failed = true;
        String tails = logTails();
        System.err.println(tails);
        shutdown();
        throw new AssertionError("The cluster did not start: " + notReady.get().lines().findFirst().orElse("") + "\n" + tails);
      }
    }
    System.out.printf("Cluster ready after %.1f s: %s%n",
        (System.nanoTime() - deadline + START_DEADLINE.toNanos()) / 1e9, nodes);
  }

  private void shutdown() throws InterruptedException {
    for (var node : nodes) node.kill();
    if (networkCut != null) {
      try {
        networkCut.close();
      } catch (IOException e) {
        System.err.println("could not remove the network cuts: " + e);
      }
      networkCut = null;
    }
    if (dir == null) return;
    if (failed || Boolean.getBoolean("tributary.cluster.keep-logs")) {
      System.err.println("Kept the cluster's logs and data in " + dir);
    } else {
      deleteTree(dir);
    }
    nodes = List.of();
    dir = null;
  }

  private static void deleteTree(Path root) {
    try (var paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("Could not delete " + root + ": " + e);
    }
  }

  /** {@code count} different ports that were free a moment ago: all are held open until all are chosen. */
  private static List<Integer> freePorts(int count) throws IOException {
    var sockets = new ArrayList<ServerSocket>();
    try {
      for (int i = 0; i < count; i++) {
        var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        socket.setReuseAddress(true);
        sockets.add(socket);
      }
      return sockets.stream().map(ServerSocket::getLocalPort).toList();
    } finally {
      for (var socket : sockets) socket.close();
    }
  }

  List<ClusterNode> nodes() {
    return nodes;
  }

  ClusterNode node(int nodeId) {
    return nodes.stream().filter(n -> n.nodeId == nodeId).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no node " + nodeId));
  }

  /** The advertised Kafka port of each node id. */
  Map<Integer, Integer> kafkaPorts() {
    var ports = new TreeMap<Integer, Integer>();
    nodes.forEach(n -> ports.put(n.nodeId, n.kafkaPort));
    return ports;
  }

  /** Every node's address, for clients that may use any. */
  String allBootstrap() {
    return nodes.stream().map(ClusterNode::bootstrap).collect(Collectors.joining(","));
  }

  Admin admin(int nodeId) {
    return Admin.create(ClusterClients.adminProps(node(nodeId).bootstrap()));
  }

  /** Restarts a node that died (or was killed) on its data and ports, as its supervisor would, and waits until ready. */
  void restart(ClusterNode node) throws IOException, InterruptedException {
    System.out.println("Restarting " + node);
    node.launch();
    node.awaitReady(START_DEADLINE).ifPresent(reason -> {
      throw new AssertionError(reason);
    });
    System.out.println("Restarted " + node);
  }

  /**
   * The cluster addresses that some node's log shows moved to Up by the cluster leader (Akka's "Leader is moving
   * node [...] to [Up]").
   */
  Set<String> membersUpInLogs() {
    var up = new TreeSet<String>();
    for (var node : nodes) {
      node.log().lines().filter(l -> l.contains("Leader is moving node [") && l.contains("to [Up]")).forEach(l -> {
        int from = l.indexOf("Leader is moving node [") + "Leader is moving node [".length();
        up.add(l.substring(from, l.indexOf(']', from)));
      });
    }
    return up;
  }

  /** True when some other node's log shows the cluster leader removing {@code node} (after it was downed). */
  boolean logsShowRemoved(ClusterNode node) {
    String removing = "Leader is removing unreachable node [" + node.clusterAddress() + "]";
    return nodes.stream().filter(n -> n != node).anyMatch(n -> n.log().contains(removing));
  }

  /** Waits until the logs show every node as an Up member of one cluster. */
  void awaitAllMembersUpInLogs() {
    var expected = nodes.stream().map(ClusterNode::clusterAddress).collect(Collectors.toCollection(TreeSet::new));
    await("all " + size + " nodes Up in the Akka cluster (from the logs)").atMost(DEADLINE)
        .until(this::membersUpInLogs, up -> up.containsAll(expected));
  }

  /** Node logs: INFO for Akka as well (membership), with thread names. */
  private static final String LOGBACK = """
      <configuration>
        <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
          <encoder>
            <pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{24} - %msg%n</pattern>
          </encoder>
        </appender>
        <logger name="akka" level="INFO"/>
        <logger name="org.apache.kafka" level="WARN"/>
        <logger name="io.tributary" level="INFO"/>
        <root level="INFO">
          <appender-ref ref="STDOUT"/>
        </root>
      </configuration>
      """;
}
