package io.tributary.group;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.tributary.group.GroupEntity.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real storage: the LevelDB journal (leveldbjni) and the local snapshot store under a data
 * directory, the entity reached through cluster sharding, every message serialized
 * ({@code serialize-messages = on}); a second actor system on the same directory sees the group.
 */
class GroupJournalTest {

  @TempDir Path dataDir;

  private Config config() {
    return GroupSettings.persistenceConfig(dataDir)
        .withFallback(ConfigFactory.parseString("""
            akka.actor.provider = cluster
            akka.remote.artery.canonical.hostname = "127.0.0.1"
            akka.remote.artery.canonical.port = 0
            akka.cluster.roles = ["node-1"]
            akka.cluster.jmx.multi-mbeans-in-same-jvm = on
            akka.actor.serialize-messages = on
            akka.loglevel = INFO
            tributary.group.initial.rebalance.delay.ms = 0
            tributary.group.snapshot-every = 5
            """))
        .withFallback(ConfigFactory.parseResources("tributary-akka.conf"))
        .withFallback(ConfigFactory.load())
        .resolve();
  }

  private static <R> R ask(ActorTestKit kit, String groupId, Function<akka.actor.typed.ActorRef<R>, Command> command) throws Exception {
    var ref = ClusterSharding.get(kit.system()).entityRefFor(GroupEntity.ENTITY_KEY, GroupEntity.entityId(groupId, 1));
    return ref.ask(command::apply, Duration.ofSeconds(20)).toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static ActorTestKit start(Config config) {
    var kit = ActorTestKit.create("group-journal", config);
    var cluster = Cluster.get(kit.system());
    cluster.manager().tell(new Join(cluster.selfMember().address()));
    GroupEntity.init(kit.system(), 50);
    return kit;
  }

  @Test
  void aGroupAndItsOffsetsSurviveARestartOnTheLevelDbJournal() throws Exception {
    String memberId;
    var first = start(config());
    try {
      JoinGroupResponseData joined = ask(first, "orders", r -> new GroupEntity.Join("", "static-1", "consumer",
          List.of(new GroupEntity.Protocol("range", new byte[] {1})), 10000, 30000, "client", "/127.0.0.1", (short) 5, r));
      assertEquals(Errors.NONE.code(), joined.errorCode());
      memberId = joined.memberId();
      SyncGroupResponseData synced = ask(first, "orders",
          r -> new GroupEntity.Sync(1, memberId, "static-1", "consumer", "range", Map.of(memberId, new byte[] {4, 2}), r));
      assertArrayEquals(new byte[] {4, 2}, synced.assignment());
      for (int i = 1; i <= 12; i++) { // crosses two snapshots
        long offset = i * 10L;
        OffsetCommitResponseData committed = ask(first, "orders", r -> new GroupEntity.CommitOffsets(1, memberId, "static-1",
            List.of(new GroupEntity.PartitionOffset("t", 0, offset, 1, "m" + offset)), r));
        assertEquals(Errors.NONE.code(), committed.topics().get(0).partitions().get(0).errorCode());
      }
    } finally {
      first.shutdownTestKit();
    }
    try (var files = Files.list(dataDir.resolve("__journal"))) {
      assertEquals(true, files.findAny().isPresent(), "journal written under <data-dir>/__journal");
    }
    try (var files = Files.list(dataDir.resolve("__snapshots"))) {
      assertEquals(true, files.findAny().isPresent(), "snapshots written under <data-dir>/__snapshots");
    }

    var second = start(config());
    try {
      OffsetFetchResponseGroup fetched = ask(second, "orders", r -> new GroupEntity.FetchOffsets(List.of(new TopicPartition("t", 0)), r));
      var p = fetched.topics().get(0).partitions().get(0);
      assertEquals(120, p.committedOffset());
      assertEquals("m120", p.metadata());
      DescribedGroup described = ask(second, "orders", GroupEntity.Describe::new);
      assertEquals("Stable", described.groupState());
      assertEquals(memberId, described.members().get(0).memberId());
      assertArrayEquals(new byte[] {4, 2}, described.members().get(0).memberAssignment());
    } finally {
      second.shutdownTestKit();
    }
  }

  @Test
  void theJournalDirectorySettingReachesTheAkkaPluginWhenSetBeforeResolution() {
    var resolved = ConfigFactory.parseString("tributary.group.journal-dir = \"/x/__journal\"\ntributary.group.snapshot-dir = \"/x/__snapshots\"")
        .withFallback(ConfigFactory.parseResources("tributary-akka.conf"))
        .withFallback(ConfigFactory.defaultReferenceUnresolved())
        .resolve();
    assertEquals("/x/__journal", resolved.getString("akka.persistence.journal.leveldb.dir"));
    assertEquals("/x/__snapshots", resolved.getString("akka.persistence.snapshot-store.local.dir"));
    assertEquals("akka.persistence.journal.leveldb", resolved.getString("akka.persistence.journal.plugin"));
    assertEquals(true, resolved.getBoolean("akka.persistence.journal.leveldb.native"));
    var settings = GroupSettings.fromConfig(resolved);
    assertEquals(3000, settings.initialRebalanceDelayMs());
    assertEquals(7L * 24 * 60 * 60 * 1000, settings.offsetsRetentionMs());
  }
}
