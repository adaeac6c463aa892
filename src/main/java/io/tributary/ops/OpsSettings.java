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
 * @param blockingDispatcher dispatcher of blocking HTTP work (records API calls, scrapes)
 * @param shutdownGrace      how long requests in flight may finish when the server stops
 * @param records            the records API's own limits
 */
public record OpsSettings(boolean httpEnabled, String host, int port, boolean recordsApiEnabled,
                          Duration requestTimeout, boolean metricsEnabled, boolean jvmMetrics,
                          String blockingDispatcher, Duration shutdownGrace, Records records) {

  /**
   * @param timeoutMargin      how much longer than the request timeout a call may run before it is cut off
   * @param httpTimeoutMargin  how much longer than that akka-http waits before answering 503 itself
   * @param minClientTimeout   floor of the Kafka clients' request and delivery timeouts
   * @param defaultLimit       records a read returns when the caller gives no limit
   * @param maxLimit           most records one read may ask for
   * @param pollInterval       one poll of a read's consumer
   * @param clientCloseTimeout how long closing the shared Admin and producer may take
   */
  public record Records(Duration timeoutMargin, Duration httpTimeoutMargin, Duration minClientTimeout,
                        int defaultLimit, int maxLimit, Duration pollInterval, Duration clientCloseTimeout) {}

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
        metrics.getBoolean("jvm"),
        "tributary.http.blocking-dispatcher",
        http.getDuration("shutdown-grace"),
        new Records(
            http.getDuration("records-api.timeout-margin"),
            http.getDuration("records-api.http-timeout-margin"),
            http.getDuration("records-api.min-client-timeout"),
            http.getInt("records-api.default-limit"),
            http.getInt("records-api.max-limit"),
            http.getDuration("records-api.poll-interval"),
            http.getDuration("records-api.client-close-timeout")));
  }
}
