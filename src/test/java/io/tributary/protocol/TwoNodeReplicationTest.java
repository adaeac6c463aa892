package io.tributary.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.node.BrokerNode;
import io.tributary.partition.PartitionHandle;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes in one JVM, every partition on both (replication factor 2, min.insync.replicas 2): the follower copies
 * the leader's log batch for batch through Kafka Fetch requests with its replica id, acks=all is answered once both
 * have a batch, Metadata shows both in the ISR, and OffsetForLeaderEpoch answers from the leader's epoch cache.
 * Failures (kill -9, SIGSTOP, cut links) are the multi-process tests' (it/cluster).
 */
class TwoNodeReplicationTest {
  private static final String TOPIC = "replicated";
  private static final int RECORDS = 300;

  @TempDir static Path dir;
  private static BrokerNode one;
  private static BrokerNode two;

  @BeforeAll
  static void startCluster() throws Exception {
    var nodes = TwoNodes.start(dir);
    one = nodes.get(0);
    two = nodes.get(1);
    for (BrokerNode node : List.of(one, two)) {
      Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> node.metadata().liveBrokers().keySet().equals(Set.of(1, 2)));
    }
    try (var admin = Admin.create(Map.of("bootstrap.servers", one.bootstrapServers()))) {
      // partition 0 led by node 1, partition 1 by node 2, each followed by the other
      admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(1, 2), 1, List.of(2, 1)))
          .configs(Map.of("min.insync.replicas", "2")))).all().get(60, TimeUnit.SECONDS);
    }
    for (BrokerNode node : List.of(one, two)) {
      Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> node.metadata().current().topic(TOPIC).isPresent());
    }
  }

  @AfterAll
  static void stop() {
    if (two != null) two.close();
    if (one != null) one.close();
  }

  @Test
  void acksAllIsAnsweredOnceTheFollowerHasTheBatchAndTheLogsAreEqual() throws Exception {
    var props = Map.<String, Object>of("bootstrap.servers", two.bootstrapServers(),
        ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
        ProducerConfig.LINGER_MS_CONFIG, "5");
    List<Future<RecordMetadata>> sends = new ArrayList<>();
    try (var producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < RECORDS; i++) {
        sends.add(producer.send(new ProducerRecord<>(TOPIC, i % 2, "k" + i, "v" + i)));
      }
      producer.flush();
    }
    for (var send : sends) send.get(30, TimeUnit.SECONDS); // every one acknowledged by both replicas

    for (int p = 0; p < 2; p++) {
      var tp = new TopicPartition(TOPIC, p);
      BrokerNode leader = p == 0 ? one : two;
      BrokerNode follower = p == 0 ? two : one;
      PartitionHandle onLeader = leader.partitions().handle(tp).toCompletableFuture().get(30, TimeUnit.SECONDS);
      PartitionHandle onFollower = follower.partitions().replicaHandle(tp).toCompletableFuture().get(30, TimeUnit.SECONDS);
      long end = onLeader.logEndOffset();
      assertEquals(RECORDS / 2, end, "records in " + tp);
      // acknowledged means replicated: the follower's log already ends where the leader's does
      assertEquals(end, onFollower.logEndOffset(), "follower's log end of " + tp);
      assertEquals(end, onLeader.highWatermark(), "leader's high watermark of " + tp);
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(onFollower::peekHighWatermark, hw -> hw == end);
      // batch for batch: the same bytes, offsets and leader epochs
      var leaderBatches = onLeader.readForReplica(0, Integer.MAX_VALUE, true).records();
      var followerBatches = onFollower.readForReplica(0, Integer.MAX_VALUE, true).records();
      assertEquals(leaderBatches.buffer(), followerBatches.buffer(), "stored bytes of " + tp);
      int count = 0;
      for (RecordBatch batch : followerBatches.batches()) {
        assertEquals(onLeader.leaderEpoch(), batch.partitionLeaderEpoch());
        for (Record r : batch) count++;
      }
      assertEquals(RECORDS / 2, count);
    }
  }

  @Test
  void metadataShowsBothReplicasInSync() throws Exception {
    try (var wire = new WireClient(one.bootstrapServers())) {
      MetadataResponse response = wire.send(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(
          List.of(new MetadataRequestData.MetadataRequestTopic().setName(TOPIC))));
      var partitions = response.data().topics().find(TOPIC).partitions();
      assertEquals(List.of(1, 2), partitions.get(0).replicaNodes());
      assertEquals(Set.of(1, 2), Set.copyOf(partitions.get(0).isrNodes()));
      assertEquals(List.of(2, 1), partitions.get(1).replicaNodes());
      assertEquals(Set.of(1, 2), Set.copyOf(partitions.get(1).isrNodes()));
      assertTrue(partitions.get(0).offlineReplicas().isEmpty());
    }
  }

  @Test
  void offsetForLeaderEpochAnswersFromTheLeadersEpochs() throws Exception {
    var tp = new TopicPartition(TOPIC, 0);
    PartitionHandle leader = one.partitions().handle(tp).toCompletableFuture().get(30, TimeUnit.SECONDS);
    int epoch = leader.leaderEpoch();
    for (short version = 3; version <= ApiKeys.OFFSET_FOR_LEADER_EPOCH.latestVersion(); version++) {
      try (var wire = new WireClient(one.bootstrapServers())) {
        OffsetsForLeaderEpochResponse current = wire.send(ApiKeys.OFFSET_FOR_LEADER_EPOCH, version, request(0, epoch, epoch));
        var answer = current.data().topics().find(TOPIC).partitions().get(0);
        assertEquals(Errors.NONE.code(), answer.errorCode(), "v" + version);
        assertEquals(epoch, answer.leaderEpoch(), "v" + version);
        assertEquals(leader.logEndOffset(), answer.endOffset(), "v" + version + ": the current epoch ends at the log end");

        OffsetsForLeaderEpochResponse stale = wire.send(ApiKeys.OFFSET_FOR_LEADER_EPOCH, version, request(0, epoch + 1, epoch));
        assertEquals(Errors.UNKNOWN_LEADER_EPOCH.code(), stale.data().topics().find(TOPIC).partitions().get(0).errorCode());
      }
      try (var wire = new WireClient(two.bootstrapServers())) {
        OffsetsForLeaderEpochResponse notLeader = wire.send(ApiKeys.OFFSET_FOR_LEADER_EPOCH, version, request(0, -1, epoch));
        assertEquals(Errors.NOT_LEADER_OR_FOLLOWER.code(), notLeader.data().topics().find(TOPIC).partitions().get(0).errorCode(),
            "v" + version + ": only the leader answers");
      }
    }
  }

  private static OffsetForLeaderEpochRequestData request(int partition, int currentLeaderEpoch, int leaderEpoch) {
    var topics = new OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection();
    topics.add(new OffsetForLeaderTopic().setTopic(TOPIC).setPartitions(List.of(new OffsetForLeaderPartition()
        .setPartition(partition).setCurrentLeaderEpoch(currentLeaderEpoch).setLeaderEpoch(leaderEpoch))));
    return new OffsetForLeaderEpochRequestData().setReplicaId(-1).setTopics(topics);
  }
}
