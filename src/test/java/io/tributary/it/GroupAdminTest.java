package io.tributary.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.node.BrokerNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.ListConsumerGroupsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.RangeAssignor;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The AdminClient's consumer-group operations against a real BrokerNode, lag included. */
class GroupAdminTest {
  static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path dataDir;

  @Test
  void listDescribeOffsetsAlterDeleteAndLag() throws Exception {
    try (BrokerNode node = TestBrokers.start(dataDir, ConsumerGroupTest.NO_DELAY);
         Admin admin = Admin.create(TestBrokers.adminProps(node))) {
      String topic = "admin-t";
      String group = "g-admin";
      admin.createTopics(List.of(new NewTopic(topic, 4, (short) 1))).all().get();
      ConsumerGroupTest.produce(node.bootstrapServers(), topic, 4, 0, 40);
      var props = ConsumerGroupTest.memberProps(node.bootstrapServers(), group, RangeAssignor.class.getName());
      props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "true");
      props.put(ConsumerConfig.AUTO_COMMIT_INTERVAL_MS_CONFIG, "100");
      var partitions = Set.of(tp(topic, 0), tp(topic, 1), tp(topic, 2), tp(topic, 3));

      try (var m1 = new GroupMember(props, List.of(topic), "a1"); var m2 = new GroupMember(props, List.of(topic), "a2")) {
        await("two members").atMost(WAIT).until(() -> ConsumerGroupTest.split(4, List.of(m1.assignment(), m2.assignment()), 2, 2));
        await("auto-commits of every record").atMost(WAIT).until(() -> committed(admin, group).equals(Map.of(tp(topic, 0), 10L, tp(topic, 1), 10L, tp(topic, 2), 10L, tp(topic, 3), 10L)));

        Map<String, ConsumerGroupListing> listed = listings(admin, new ListConsumerGroupsOptions());
        assertTrue(listed.containsKey(group), "listed: " + listed);
        assertEquals(java.util.Optional.of(ConsumerGroupState.STABLE), listed.get(group).state());
        assertFalse(listed.get(group).isSimpleConsumerGroup());
        assertTrue(listings(admin, new ListConsumerGroupsOptions().inStates(Set.of(ConsumerGroupState.STABLE))).containsKey(group));
        assertFalse(listings(admin, new ListConsumerGroupsOptions().inStates(Set.of(ConsumerGroupState.EMPTY))).containsKey(group));

        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
        assertEquals(ConsumerGroupState.STABLE, d.state());
        assertEquals("range", d.partitionAssignor());
        assertEquals(2, d.members().size());
        var assigned = new HashSet<TopicPartition>();
        d.members().forEach(m -> {
          assertEquals(2, m.assignment().topicPartitions().size());
          assertEquals("/127.0.0.1", m.host());
          assigned.addAll(m.assignment().topicPartitions());
        });
        assertEquals(partitions, assigned);
        assertEquals(node.settings().nodeId(), d.coordinator().id());

        var notEmpty = assertThrows(ExecutionException.class, () -> admin.deleteConsumerGroups(List.of(group)).all().get());
        assertInstanceOf(GroupNotEmptyException.class, notEmpty.getCause());
      }

      await("group empty after both members closed").atMost(WAIT).until(() -> describe(admin, group).state() == ConsumerGroupState.EMPTY && describe(admin, group).members().isEmpty());
      ConsumerGroupTest.produce(node.bootstrapServers(), topic, 4, 40, 8); // 2 more per partition
      assertEquals(8L, lag(admin, group, partitions), "lag = end offsets - committed offsets");

      admin.alterConsumerGroupOffsets(group, Map.of(tp(topic, 0), new OffsetAndMetadata(5))).all().get();
      assertEquals(5L, committed(admin, group).get(tp(topic, 0)));
      assertEquals(13L, lag(admin, group, partitions));

      var unknown = admin.alterConsumerGroupOffsets(group, Map.of(tp("no-such-topic", 0), new OffsetAndMetadata(1)));
      var e = assertThrows(ExecutionException.class, () -> unknown.partitionResult(tp("no-such-topic", 0)).get());
      assertInstanceOf(UnknownTopicOrPartitionException.class, e.getCause());

      admin.deleteConsumerGroupOffsets(group, Set.of(tp(topic, 1))).all().get();
      assertFalse(committed(admin, group).containsKey(tp(topic, 1)));
      assertEquals(3, committed(admin, group).size());

      admin.deleteConsumerGroups(List.of(group)).all().get();
      assertFalse(listings(admin, new ListConsumerGroupsOptions()).containsKey(group));
      assertEquals(ConsumerGroupState.DEAD, describe(admin, group).state());
      assertTrue(committed(admin, group).isEmpty());
      var gone = assertThrows(ExecutionException.class, () -> admin.deleteConsumerGroups(List.of(group)).all().get());
      assertInstanceOf(GroupIdNotFoundException.class, gone.getCause());
    }
  }

  @Test
  void deletingATopicRemovesItsOffsetsFromEveryGroupAndGroupsSurviveRestart() throws Exception {
    try (BrokerNode node = TestBrokers.start(dataDir, ConsumerGroupTest.NO_DELAY);
         Admin admin = Admin.create(TestBrokers.adminProps(node))) {
      admin.createTopics(List.of(new NewTopic("doomed", 2, (short) 1), new NewTopic("kept", 1, (short) 1))).all().get();
      for (String group : List.of("g-x", "g-y")) {
        admin.alterConsumerGroupOffsets(group, Map.of(tp("doomed", 0), new OffsetAndMetadata(0), tp("doomed", 1),
            new OffsetAndMetadata(0), tp("kept", 0), new OffsetAndMetadata(0))).all().get();
      }
      assertEquals(Set.of("g-x", "g-y"), listings(admin, new ListConsumerGroupsOptions()).keySet());
      admin.deleteTopics(List.of("doomed")).all().get();
      for (String group : List.of("g-x", "g-y")) {
        await("offsets of the deleted topic gone from " + group).atMost(WAIT).until(() -> committed(admin, group).keySet().equals(Set.of(tp("kept", 0))));
      }
    }
    try (BrokerNode node = TestBrokers.start(dataDir, ConsumerGroupTest.NO_DELAY);
         Admin admin = Admin.create(TestBrokers.adminProps(node))) {
      var listed = listings(admin, new ListConsumerGroupsOptions());
      assertEquals(Set.of("g-x", "g-y"), listed.keySet(), "the group registry survives a restart");
      assertTrue(listed.get("g-x").isSimpleConsumerGroup());
      assertEquals(Set.of(tp("kept", 0)), committed(admin, "g-y").keySet());
    }
  }

  static TopicPartition tp(String topic, int partition) {
    return new TopicPartition(topic, partition);
  }

  static Map<String, ConsumerGroupListing> listings(Admin admin, ListConsumerGroupsOptions options) throws Exception {
    return admin.listConsumerGroups(options).all().get().stream().collect(Collectors.toMap(ConsumerGroupListing::groupId, l -> l));
  }

  static ConsumerGroupDescription describe(Admin admin, String group) {
    try {
      return admin.describeConsumerGroups(List.of(group)).describedGroups().get(group).get();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static Map<TopicPartition, Long> committed(Admin admin, String group) {
    try {
      var result = new HashMap<TopicPartition, Long>();
      admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().forEach((tp, o) -> {
        if (o != null) result.put(tp, o.offset());
      });
      return result;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static long lag(Admin admin, String group, Set<TopicPartition> partitions) throws Exception {
    var committed = committed(admin, group);
    var request = partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest()));
    var ends = admin.listOffsets(request).all().get();
    long lag = 0;
    for (var tp : partitions) lag += ends.get(tp).offset() - committed.getOrDefault(tp, 0L);
    return lag;
  }
}
