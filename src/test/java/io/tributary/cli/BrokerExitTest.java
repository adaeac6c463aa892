package io.tributary.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.CoordinatedShutdown;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Down;
import akka.cluster.typed.Leave;
import io.tributary.it.TestBrokers;
import io.tributary.node.BrokerNode;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which stops of a node make the broker process fail: the reasons Akka gives when a real node leaves the cluster or
 * is downed, and the mapping of every reason to an exit status. (BrokerProcessTest sees the statuses of real processes.)
 */
class BrokerExitTest {
  @TempDir
  Path dir;

  @Test
  void onlyAStopTheOperatorAskedForIsASuccess() {
    assertEquals(0, BrokerExit.status(Optional.of(CoordinatedShutdown.jvmExitReason()), false), "SIGTERM through Akka's hook");
    assertEquals(0, BrokerExit.status(Optional.of(CoordinatedShutdown.unknownReason()), true), "SIGTERM through ours");
    assertEquals(3, BrokerExit.status(Optional.of(CoordinatedShutdown.clusterDowningReason()), false));
    assertEquals(3, BrokerExit.status(Optional.of(CoordinatedShutdown.clusterLeavingReason()), false));
    assertEquals(1, BrokerExit.status(Optional.of(CoordinatedShutdown.clusterJoinUnsuccessfulReason()), false));
    assertEquals(1, BrokerExit.status(Optional.of(CoordinatedShutdown.incompatibleConfigurationDetectedReason()), false));
    assertEquals(1, BrokerExit.status(Optional.of(CoordinatedShutdown.actorSystemTerminateReason()), false));
    assertEquals(1, BrokerExit.status(Optional.of(CoordinatedShutdown.unknownReason()), false), "nobody asked");
    assertEquals(1, BrokerExit.status(Optional.empty(), false), "terminated without CoordinatedShutdown");
  }

  @Test
  void aNodeThatIsDownedStopsWithTheDowningReason() throws Exception {
    BrokerNode node = TestBrokers.start(dir, "tributary.http.port = 0");
    var cluster = Cluster.get(node.system());
    cluster.manager().tell(new Down(cluster.selfMember().address()));
    assertEquals(Optional.of(CoordinatedShutdown.clusterDowningReason()), stopReason(node));
  }

  @Test
  void aNodeRemovedAfterLeavingStopsWithTheLeavingReason() throws Exception {
    BrokerNode node = TestBrokers.start(dir, "tributary.http.port = 0");
    var cluster = Cluster.get(node.system());
    cluster.manager().tell(Leave.create(cluster.selfMember().address()));
    assertEquals(Optional.of(CoordinatedShutdown.clusterLeavingReason()), stopReason(node));
  }

  @Test
  void aNodeThatCannotStartExitsWithOne() throws Exception {
    Path empty = Files.writeString(dir.resolve("empty.conf"), "");
    try (var taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      var err = new StringWriter();
      var cl = Main.commandLine();
      cl.setErr(new PrintWriter(err, true));
      int exit = cl.execute("broker", "--config", empty.toString(), "--port", Integer.toString(taken.getLocalPort()),
          "--cluster-port", "0", "--http-port", "0", "--data-dir", dir.resolve("data").toString());
      assertEquals(1, exit, err.toString());
      assertTrue(err.toString().startsWith("tributary: cannot start the broker: "), err.toString());
    }
  }

  /** Waits for the node's actor system to terminate by itself; the reason its CoordinatedShutdown ran with. */
  private static Optional<CoordinatedShutdown.Reason> stopReason(BrokerNode node) throws Exception {
    try {
      node.system().getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } finally {
      node.close(); // a no-op once terminated; stops it if the assertion below is about to fail
    }
    return CoordinatedShutdown.get(node.system()).getShutdownReason();
  }
}
