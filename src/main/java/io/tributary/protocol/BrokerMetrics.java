package io.tributary.protocol;

import org.apache.kafka.common.protocol.ApiKeys;

/**
 * What the wire protocol reports to a metrics backend: one call per request, one call per
 * partition per produce or fetch response (never per record). Implementations must be cheap and
 * thread-safe; {@link #NONE} is used when metrics are off.
 */
public interface BrokerMetrics {
  BrokerMetrics NONE = new BrokerMetrics() {};

  /** A request of {@code api} was answered (or failed) {@code nanos} after its frame arrived. */
  default void requestCompleted(ApiKeys api, long nanos, boolean failed) {}

  /** {@code bytes} in {@code records} records were appended to a partition of {@code topic}. */
  default void produced(String topic, int bytes, int records) {}

  /** {@code bytes} in {@code records} records of {@code topic} were sent in a fetch response. */
  default void fetched(String topic, int bytes, int records) {}
}
