package io.tributary.it.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Cuts a node's JVM off from the other nodes while clients still reach it: each node runs in a cgroup (v2) of its
 * own, and iptables drops, on loopback, what a node's sockets send to the other side's Kafka and cluster ports
 * (iptables' cgroup match). The test JVM is in no such cgroup, so its clients reach every node. Packets are
 * dropped, not refused, as on a real network split: TCP connections stay open and stall. Needs root, iptables and a
 * cgroup2 mount ({@link #unavailableReason}).
 */
final class NetworkCut implements AutoCloseable {
  private final Path cgroupRoot;
  private final String prefix;
  private final String chain;
  private boolean hooked;

  private NetworkCut(Path cgroupRoot, String prefix) {
    this.cgroupRoot = cgroupRoot;
    this.prefix = prefix;
    this.chain = "TRIB-CUT-" + ProcessHandle.current().pid();
  }

  /** Why cuts cannot be made on this machine, or empty when they can. */
  static Optional<String> unavailableReason() {
    if (cgroup2Mount().isEmpty()) return Optional.of("no cgroup2 file system is mounted");
    try {
      var check = run(List.of("iptables", "-w", "-L", "OUTPUT", "-n"));
      if (check.isPresent()) return Optional.of("iptables does not work here (" + check.get() + "); run as root with iptables installed");
    } catch (IOException e) {
      return Optional.of("no iptables command (apt-get install iptables): " + e.getMessage());
    }
    return Optional.empty();
  }

  /** Creates the cgroups' parent for this test JVM; the nodes' cgroups are made by {@link #cgroupProcs}. */
  static NetworkCut create() {
    Path mount = cgroup2Mount().orElseThrow(() -> new IllegalStateException("no cgroup2 mount"));
    return new NetworkCut(mount, "tributary-test-" + ProcessHandle.current().pid() + "-node-");
  }

  /** The {@code cgroup.procs} file a node's process writes its pid to before it starts the JVM. */
  Path cgroupProcs(int nodeId) throws IOException {
    Path dir = cgroupRoot.resolve(prefix + nodeId);
    Files.createDirectories(dir);
    return dir.resolve("cgroup.procs");
  }

  /** From now on {@code isolated} and {@code others} send each other nothing; clients reach all of them. */
  synchronized void cut(ClusterNode isolated, Collection<ClusterNode> others) throws IOException {
    if (!hooked) {
      check(List.of("iptables", "-w", "-N", chain));
      check(List.of("iptables", "-w", "-I", "OUTPUT", "-j", chain));
      hooked = true;
    }
    drop(isolated.nodeId, others.stream().flatMap(n -> java.util.stream.Stream.of(n.kafkaPort, n.clusterPort)).toList());
    for (ClusterNode other : others) drop(other.nodeId, List.of(isolated.kafkaPort, isolated.clusterPort));
  }

  /** Every cut is over: the rules are removed (open connections resume by TCP retransmission). */
  synchronized void heal() throws IOException {
    if (hooked) check(List.of("iptables", "-w", "-F", chain));
  }

  private void drop(int fromNode, List<Integer> toPorts) throws IOException {
    String ports = toPorts.stream().map(String::valueOf).collect(Collectors.joining(","));
    check(List.of("iptables", "-w", "-A", chain, "-o", "lo", "-p", "tcp", "-m", "cgroup", "--path", "/" + prefix + fromNode,
        "-m", "multiport", "--dports", ports, "-j", "DROP"));
  }

  /** Removes the rules and the (by now empty) cgroups. Call it after the nodes are killed. */
  @Override
  public synchronized void close() throws IOException {
    if (hooked) {
      run(List.of("iptables", "-w", "-D", "OUTPUT", "-j", chain));
      run(List.of("iptables", "-w", "-F", chain));
      run(List.of("iptables", "-w", "-X", chain));
      hooked = false;
    }
    try (var dirs = Files.list(cgroupRoot)) {
      for (Path dir : dirs.filter(d -> d.getFileName().toString().startsWith(prefix)).toList()) {
        try {
          Files.delete(dir); // rmdir of a cgroup: its files go with it
        } catch (IOException e) {
          System.err.println("could not remove cgroup " + dir + ": " + e);
        }
      }
    }
  }

  private static void check(List<String> command) throws IOException {
    var failure = run(command);
    if (failure.isPresent()) throw new IOException(String.join(" ", command) + " failed: " + failure.get());
  }

  /** Runs {@code command}; empty when it exits 0, else its output. */
  private static Optional<String> run(List<String> command) throws IOException {
    var process = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        return Optional.of("did not finish within 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    return process.exitValue() == 0 ? Optional.empty() : Optional.of("exit " + process.exitValue() + ": " + output);
  }

  private static Optional<Path> cgroup2Mount() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
        String[] fields = line.split(" ");
        if (fields.length > 2 && fields[2].equals("cgroup2") && Files.isWritable(Path.of(fields[1]))) {
          return Optional.of(Path.of(fields[1]));
        }
      }
    } catch (IOException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
