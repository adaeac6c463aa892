package io.tributary.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The fat jar concatenates every reference.conf (ours first, Akka's after, so Akka's own
 * defaults win inside that one file). The node's settings must survive that: they are layered
 * above it from tributary-akka.conf. This rebuilds the jar's reference.conf the way the shade
 * plugin does and checks what the node would run with.
 */
class ShadedConfigTest {

  @Test
  void nodeSettingsWinOverAkkaDefaultsInTheFatJar() throws IOException {
    var urls = Collections.list(getClass().getClassLoader().getResources("reference.conf"));
    List<URL> ordered = new java.util.ArrayList<>();
    urls.stream().filter(u -> !u.toString().contains(".jar!")).forEach(ordered::add); // the project first
    urls.stream().filter(u -> u.toString().contains(".jar!")).forEach(ordered::add);
    var concatenated = new StringBuilder();
    for (URL url : ordered) {
      try (InputStream in = url.openStream()) {
        concatenated.append(new String(in.readAllBytes(), StandardCharsets.UTF_8)).append('\n');
      }
    }
    Config fatJarReference = ConfigFactory.parseString(concatenated.toString());
    // sanity: inside the concatenation alone, Akka's defaults do win
    assertEquals("local", fatJarReference.resolve().getString("akka.actor.provider"));

    Config node = ConfigFactory.parseResources(getClass().getClassLoader(), "tributary-akka.conf")
        .withFallback(fatJarReference)
        .resolve();
    assertEquals("cluster", node.getString("akka.actor.provider"));
    assertEquals("akka.persistence.journal.leveldb", node.getString("akka.persistence.journal.plugin"));
    assertEquals("akka.persistence.snapshot-store.local", node.getString("akka.persistence.snapshot-store.plugin"));
    assertTrue(node.getBoolean("akka.persistence.journal.leveldb.native"));
    assertTrue(node.getStringList("akka.loggers").contains("akka.event.slf4j.Slf4jLogger"));
    assertEquals("off", node.getString("akka.coordinated-shutdown.exit-jvm"));
  }
}
