package io.tributary.ops;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Settings of the node's HTTP server ({@code tributary.http}) and of its metrics
 * ({@code tributary.metrics}). Immutable.
 *
 * @param httpEnabled        whether the node runs the HTTP server at all
 * @param host               interface the HTTP server binds
 * @param port               HTTP port (0: a free one)
 * @param recordsApiEnabled  whether the JSON records API ({@code /v1/...}) is served
 * @param requestTimeout     how long one records-API call may take before it answers 504
 * @param metricsEnabled     whether the node records metrics and serves {@code /metrics}
 * @param jvmMetrics         whether JVM memory, GC, threads and CPU are included
 */
public record OpsSettings(boolean httpEnabled, String host, int port, boolean recordsApiEnabled,
                          Duration requestTimeout, boolean metricsEnabled, boolean jvmMetrics) {

  public static OpsSettings from(Config config) {
    Config http = config.getConfig("tributary.http");
    Config metrics = config.getConfig("tributary.metrics");
    return new OpsSettings(
        http.getBoolean("enabled"),
        http.getString("host"),
        http.getInt("port"),
        http.getBoolean("records-api.enabled"),
        http.getDuration("records-api.request-timeout"),
        metrics.getBoolean("enabled"),
        metrics.getBoolean("jvm"));
  }
}
