package io.tributary.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.junit.jupiter.api.Test;

class LogConfigTest {

  private static LogConfig reference() {
    return LogConfig.fromConfig(ConfigFactory.load().getConfig("tributary.log"));
  }

  @Test
  void readsReferenceConf() {
    LogConfig c = reference();
    assertEquals(1073741824, c.segmentBytes());
    assertEquals(604800000L, c.segmentMs());
    assertEquals(604800000L, c.retentionMs());
    assertEquals(-1L, c.retentionBytes());
    assertEquals(1048588, c.maxMessageBytes());
    assertEquals(4096, c.indexIntervalBytes());
    assertEquals(10485760, c.segmentIndexBytes());
    assertEquals(Long.MAX_VALUE, c.flushMessages());
    assertEquals(Long.MAX_VALUE, c.flushMs());
    assertFalse(c.flushAlways());
    assertTrue(c.deleteRetention());
    assertFalse(c.compact());
    assertEquals(300000L, c.retentionCheckIntervalMs());
    assertTrue(c.overriddenKeys().isEmpty());
  }

  @Test
  void flushPolicyAlways() {
    LogConfig c = LogConfig.fromConfig(ConfigFactory.parseString("flush.policy = always, segment.bytes = 1m"));
    assertTrue(c.flushAlways());
    assertEquals(1 << 20, c.segmentBytes());
  }

  @Test
  void overridesAndDescribe() {
    LogConfig c = reference().withOverrides(Map.of("retention.ms", "1000", "cleanup.policy", "delete,compact",
        "segment.bytes", "2048", "min.insync.replicas", "2", "message.timestamp.type", "CreateTime"));
    assertEquals(1000L, c.retentionMs());
    assertEquals(2048, c.segmentBytes());
    assertEquals(2, c.minInsyncReplicas());
    assertTrue(c.compact());
    assertTrue(c.deleteRetention());
    assertEquals("compact,delete", c.describe().get("cleanup.policy"));
    assertEquals("1000", c.describe().get("retention.ms"));
    assertEquals("604800000", c.describe().get("segment.ms"));
    assertTrue(c.overriddenKeys().contains("retention.ms"));
    assertFalse(c.overriddenKeys().contains("segment.ms"));
    assertEquals(LogConfig.knownKeys(), c.describe().keySet());
    LogConfig.Entry e = c.entries().stream().filter(x -> x.name().equals("segment.ms")).findFirst().orElseThrow();
    assertTrue(e.isDefault());
    assertEquals(Map.of("retention.ms", "1000", "cleanup.policy", "compact,delete", "segment.bytes", "2048",
        "min.insync.replicas", "2", "message.timestamp.type", "CreateTime"), c.overrides());
  }

  @Test
  void rejectsBadValues() {
    LogConfig c = reference();
    var ex = assertThrows(InvalidConfigurationException.class, () -> c.withOverrides(Map.of("retention.ms", "abc")));
    assertEquals("Invalid value abc for configuration retention.ms: Not a number of type LONG", ex.getMessage());
    ex = assertThrows(InvalidConfigurationException.class, () -> c.withOverrides(Map.of("segment.bytes", "5")));
    assertEquals("Invalid value 5 for configuration segment.bytes: Value must be at least 14", ex.getMessage());
    assertThrows(InvalidConfigurationException.class, () -> c.withOverrides(Map.of("segment.bytes", "99999999999")));
    assertThrows(InvalidConfigurationException.class, () -> c.withOverrides(Map.of("cleanup.policy", "forever")));
    assertThrows(InvalidConfigurationException.class, () -> c.withOverrides(Map.of("min.insync.replicas", "0")));
    assertThrows(InvalidConfigurationException.class, () -> c.withOverrides(Map.of("preallocate", "maybe")));
    ex = assertThrows(InvalidConfigurationException.class, () -> c.withOverrides(Map.of("no.such.key", "1")));
    assertEquals("Unknown topic config name: no.such.key", ex.getMessage());
    assertTrue(c.withOverrides(Map.of("message.timestamp.type", "logappendtime")).logAppendTime());
    assertFalse(c.logAppendTime());
    assertThrows(InvalidConfigurationException.class, () -> c.withOverrides(Map.of("message.timestamp.type", "BrokerTime")));
  }
}
