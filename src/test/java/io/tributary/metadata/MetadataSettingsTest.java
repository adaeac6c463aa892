package io.tributary.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The leader rebalance settings: Kafka's defaults from reference.conf, and Kafka's bounds. */
class MetadataSettingsTest {

  private static MetadataSettings with(String settings) {
    return MetadataSettings.fromConfig(ConfigFactory.parseString(settings).withFallback(ConfigFactory.load()));
  }

  @Test
  void kafkasDefaults() {
    MetadataSettings s = with("");
    assertTrue(s.autoLeaderRebalance());
    assertEquals(Duration.ofSeconds(300), s.leaderImbalanceCheckInterval());
    assertEquals(10, s.leaderImbalancePerBrokerPercentage());
  }

  @Test
  void overrides() {
    MetadataSettings s = with("tributary.auto.leader.rebalance.enable = false\n"
        + "tributary.leader.imbalance.check.interval.seconds = 5\ntributary.leader.imbalance.per.broker.percentage = 0");
    assertEquals(false, s.autoLeaderRebalance());
    assertEquals(Duration.ofSeconds(5), s.leaderImbalanceCheckInterval());
    assertEquals(0, s.leaderImbalancePerBrokerPercentage());
  }

  @Test
  void outOfRangeValuesAreRefused() {
    assertThrows(ConfigException.BadValue.class, () -> with("tributary.leader.imbalance.check.interval.seconds = 0"));
    assertThrows(ConfigException.BadValue.class, () -> with("tributary.leader.imbalance.per.broker.percentage = -1"));
  }
}
