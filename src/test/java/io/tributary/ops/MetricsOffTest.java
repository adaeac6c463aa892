package io.tributary.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tributary.it.TestBrokers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The off switches: metrics off leaves /health and /ready; HTTP off binds nothing. */
class MetricsOffTest {
  @TempDir
  Path dataDir;

  @Test
  void metricsOff() throws Exception {
    try (var node = TestBrokers.start(dataDir, "tributary.http.port = 0", "tributary.metrics.enabled = false")) {
      var http = HttpClient.newHttpClient();
      String base = "http://127.0.0.1:" + node.httpPort();
      assertEquals(404, http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode());
      assertEquals(200, http.send(HttpRequest.newBuilder(URI.create(base + "/ready")).build(),
          HttpResponse.BodyHandlers.ofString()).statusCode());
      assertEquals(null, node.metrics());
    }
  }

  @Test
  void httpOff() {
    try (var node = TestBrokers.start(dataDir, "tributary.http.enabled = false")) {
      assertEquals(-1, node.httpPort());
    }
  }
}
