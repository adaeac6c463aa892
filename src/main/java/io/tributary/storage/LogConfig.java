package io.tributary.storage;

import com.typesafe.config.Config;
import java.util.Map;

/**
 * Immutable settings of one partition log, under Kafka's topic-level config names
 * ({@code segment.bytes}, {@code retention.ms}, ...). Broker defaults come from the
 * {@code tributary.log} section of the HOCON config; a topic's overrides are layered on top.
 * Thread-safe (immutable).
 *
 * CONTRACT (skeleton): the storage helper implements the bodies; signatures are shared with
 * the partition, metadata and protocol packages.
 */
public final class LogConfig {

  /** Defaults from the {@code tributary.log} config section. */
  public static LogConfig fromConfig(Config logSection) {
    throw new UnsupportedOperationException("storage: not yet implemented");
  }

  /**
   * A copy with topic-level overrides applied. Unknown keys or invalid values throw
   * {@link org.apache.kafka.common.errors.InvalidConfigurationException} with a Kafka-like message.
   */
  public LogConfig withOverrides(Map<String, String> topicConfigs) {
    throw new UnsupportedOperationException("storage: not yet implemented");
  }

  /** Every topic-level key this broker knows, with its effective value as a string (for DescribeConfigs). */
  public Map<String, String> describe() {
    throw new UnsupportedOperationException("storage: not yet implemented");
  }

  public int segmentBytes() { throw new UnsupportedOperationException(); }
  public long segmentMs() { throw new UnsupportedOperationException(); }
  public long retentionMs() { throw new UnsupportedOperationException(); }
  public long retentionBytes() { throw new UnsupportedOperationException(); }
  public int maxMessageBytes() { throw new UnsupportedOperationException(); }
  public long flushMessages() { throw new UnsupportedOperationException(); }
  public long flushMs() { throw new UnsupportedOperationException(); }
  /** {@code tributary.log.flush.policy = always}: fsync before acknowledging (group commit). */
  public boolean flushAlways() { throw new UnsupportedOperationException(); }
}
