package io.tributary.group.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import io.tributary.group.GroupSettings;
import org.junit.jupiter.api.Test;

/**
 * Which journal a node uses (tributary.group.journal): a single node keeps LevelDB, a node started with seed nodes
 * stores group events in the offsets topic, and either can be forced; the chosen plugins exist in reference.conf.
 */
class JournalPluginChoiceTest {

  private static Config resolved(String settings) {
    return ConfigFactory.parseString(settings)
        .withFallback(ConfigFactory.parseResources("tributary-akka.conf"))
        .withFallback(ConfigFactory.defaultReferenceUnresolved())
        .resolve();
  }

  private static String journalPlugin(Config root) {
    return GroupSettings.journalPlugins(root).withFallback(root).getString("akka.persistence.journal.plugin");
  }

  @Test
  void aSingleNodeKeepsLevelDbAndAClusterUsesTheOffsetsTopic() {
    Config single = resolved("");
    assertFalse(GroupSettings.usesOffsetsTopicJournal(single));
    assertEquals("akka.persistence.journal.leveldb", journalPlugin(single));

    Config cluster = resolved("tributary.cluster.seed-nodes = \"127.0.0.1:25520,127.0.0.1:25521\"");
    assertTrue(GroupSettings.usesOffsetsTopicJournal(cluster));
    var chosen = GroupSettings.journalPlugins(cluster).withFallback(cluster);
    assertEquals(GroupSettings.OFFSETS_TOPIC_JOURNAL, chosen.getString("akka.persistence.journal.plugin"));
    assertEquals(GroupSettings.OFFSETS_TOPIC_SNAPSHOT_STORE, chosen.getString("akka.persistence.snapshot-store.plugin"));
    assertEquals(OffsetsTopicJournal.class.getName(), chosen.getString(GroupSettings.OFFSETS_TOPIC_JOURNAL + ".class"));
    assertEquals(OffsetsTopicSnapshotStore.class.getName(), chosen.getString(GroupSettings.OFFSETS_TOPIC_SNAPSHOT_STORE + ".class"));
  }

  @Test
  void theChoiceCanBeForcedAndABadValueStopsTheNode() {
    assertEquals("akka.persistence.journal.leveldb", journalPlugin(resolved(
        "tributary.cluster.seed-nodes = \"127.0.0.1:25520\"\ntributary.group.journal = leveldb")));
    assertEquals(GroupSettings.OFFSETS_TOPIC_JOURNAL, journalPlugin(resolved("tributary.group.journal = offsets-topic")));
    assertThrows(ConfigException.BadValue.class,
        () -> GroupSettings.usesOffsetsTopicJournal(resolved("tributary.group.journal = kafka")));
  }

  @Test
  void theDefaultsAreKafkas() {
    var group = resolved("").getConfig("tributary.group");
    assertEquals(3, group.getInt("offsets.topic.replication.factor"));
    assertEquals(50, group.getInt("offsets.topic.num.partitions"));
    assertEquals(5000, group.getLong("offsets.commit.timeout.ms"));
    assertEquals(5 * 1024 * 1024, group.getInt("offsets.load.buffer.size"));
    assertEquals("auto", group.getString("journal"));
  }
}
