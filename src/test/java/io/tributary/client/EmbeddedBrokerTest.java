package io.tributary.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An embedded broker must start next to a real one: every port it binds is ephemeral. Checked in a child
 * JVM, because this build gives every test JVM {@code tributary.http.port=0} (property and environment),
 * which an application's tests would not have.
 */
class EmbeddedBrokerTest {

  /** The child: starts an embedded broker and prints its ports. */
  public static void main(String[] args) {
    try (var broker = EmbeddedBroker.start()) {
      System.out.println("PORTS " + broker.node().port() + " " + broker.node().httpPort());
    }
    System.exit(0);
  }

  @Test
  void startsWhileTheDefaultPortsAreTaken() throws Exception {
    try (var kafkaPort = holdIfFree(9092); var httpPort = holdIfFree(9404)) {
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx256m", "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
          "-cp", System.getProperty("java.class.path"), EmbeddedBrokerTest.class.getName()));
      var builder = new ProcessBuilder(cmd).redirectErrorStream(true);
      builder.environment().keySet().removeIf(k -> k.startsWith("TRIBUTARY_"));
      var child = builder.start();
      String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child did not exit");
      assertEquals(0, child.exitValue(), out);
      String line = out.lines().filter(l -> l.startsWith("PORTS ")).findFirst().orElseThrow(() -> new AssertionError(out));
      int kafka = Integer.parseInt(line.split(" ")[1]);
      int http = Integer.parseInt(line.split(" ")[2]);
      assertTrue(kafka > 0 && kafka != 9092, line);
      assertTrue(http > 0, "the HTTP server runs: " + line);
      assertNotEquals(9404, http, line);
    }
  }

  /** Binds the port on 127.0.0.1 if nothing else holds it (null if something does: taken either way). */
  private static ServerSocket holdIfFree(int port) {
    try {
      return new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
    } catch (IOException taken) {
      return null;
    }
  }
}
