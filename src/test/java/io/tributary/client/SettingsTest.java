package io.tributary.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class SettingsTest {
  final com.typesafe.config.Config reference = ConfigFactory.load();

  @Test
  void defaultsComeFromReferenceConf() {
    var c = ConsumerSettings.create(reference.getConfig(ConsumerSettings.CONFIG_PATH), new StringDeserializer(),
        new StringDeserializer());
    assertEquals(Duration.ofMillis(50), c.pollTimeout());
    assertEquals(8L * 1024 * 1024, c.maxBufferBytes());
    assertEquals("false", c.properties().get("enable.auto.commit"));
    var cs = CommitterSettings.create(reference.getConfig(CommitterSettings.CONFIG_PATH));
    assertEquals(1000, cs.maxBatch());
    assertEquals(Duration.ofSeconds(10), cs.maxInterval());
    var p = ProducerSettings.create(reference.getConfig(ProducerSettings.CONFIG_PATH), new StringSerializer(),
        new StringSerializer());
    assertEquals(10_000, p.parallelism());
  }

  @Test
  void kafkaClientsBlockPassesThroughNestedOrQuoted() {
    var section = ConfigFactory.parseString(
        "kafka-clients { max.poll.records = 7, \"fetch.min.bytes\" = 2, client.id = \"x\" }")
        .withFallback(reference.getConfig(ConsumerSettings.CONFIG_PATH));
    var c = ConsumerSettings.create(section, new StringDeserializer(), new StringDeserializer());
    assertEquals("7", c.properties().get("max.poll.records"));
    assertEquals("2", c.properties().get("fetch.min.bytes"));
    assertEquals("x", c.properties().get("client.id"));
    assertEquals("false", c.properties().get("enable.auto.commit"));
  }

  @Test
  void withersCopy() {
    var c = ConsumerSettings.create(reference.getConfig(ConsumerSettings.CONFIG_PATH), new StringDeserializer(),
        new StringDeserializer());
    var d = c.withGroupId("g").withBootstrapServers("h:1").withMaxBufferBytes(1234);
    assertEquals(null, c.properties().get("group.id"));
    assertEquals("g", d.properties().get("group.id"));
    assertEquals("h:1", d.properties().get("bootstrap.servers"));
    assertEquals(1234, d.maxBufferBytes());
    assertEquals(5, CommitterSettings.create(reference.getConfig(CommitterSettings.CONFIG_PATH)).withMaxBatch(5).maxBatch());
  }
}
