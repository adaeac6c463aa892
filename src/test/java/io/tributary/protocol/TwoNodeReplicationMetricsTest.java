package io.tributary.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.cli.Main;
import io.tributary.metadata.PartitionInfo;
import io.tributary.node.BrokerNode;
import io.tributary.partition.PartitionHandle;
import io.tributary.ops.PrometheusText;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeTopicPartitionsResponse;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes in one JVM with their HTTP servers: {@code /metrics}, scraped over HTTP, shows Kafka's replication metrics
 * moving as a follower leaves and comes back; Metadata, DescribeTopicPartitions and {@code topics describe} show the
 * replica on the node that left as offline; and a follower that
 * comes back below the leader's log start (records deleted while it was away) restarts its log there and rejoins
 * the ISR, as Kafka's follower does after OFFSET_OUT_OF_RANGE.
 */
class TwoNodeReplicationMetricsTest {
  private static final String TOPIC = "watched";
  /** A topic whose only replica is on node 2: offline while node 2 is away. */
  private static final String LONELY = "lonely";
  private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String UNDER_REPLICATED = "kafka_server_replicamanager_underreplicatedpartitions";
  private static final String UNDER_MIN_ISR = "kafka_server_replicamanager_underminisrpartitioncount";
  private static final String AT_MIN_ISR = "kafka_server_replicamanager_atminisrpartitioncount";
  private static final String SHRINKS = "kafka_server_replicamanager_isrshrinks_total";
  private static final String EXPANDS = "kafka_server_replicamanager_isrexpands_total";
  private static final String OFFLINE = "kafka_controller_kafkacontroller_offlinepartitionscount";
  private static final String ACTIVE_CONTROLLER = "kafka_controller_kafkacontroller_activecontrollercount";
  private static final String CONSUMER_LAG = "kafka_server_fetcherlagmetrics_consumerlag";

  @TempDir Path dir;
  private BrokerNode one;
  private BrokerNode two;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  @AfterEach
  void stop() {
    if (two != null) two.close();
    if (one != null) one.close();
  }

  @Test
  void metricsFollowAFollowerThatLeavesAndComesBackBelowTheLeadersLogStart() throws Exception {
    var nodes = TwoNodes.start(dir, "tributary.http.port = 0");
    one = nodes.get(0);
    two = nodes.get(1);
    awaitBothLive();
    try (var admin = Admin.create(Map.of("bootstrap.servers", one.bootstrapServers()))) {
      admin.createTopics(List.of(
          new NewTopic(TOPIC, Map.of(0, List.of(1, 2))).configs(Map.of("min.insync.replicas", "2")),
          new NewTopic(LONELY, Map.of(0, List.of(2))))).all().get(60, TimeUnit.SECONDS);
    }
    awaitPartition("both in sync", p -> Set.copyOf(p.isr()).equals(Set.of(1, 2)));
    produce(20, "all");

    // both replicas in sync: node 1 leads one partition at its min ISR; node 2 follows it with no lag
    awaitScrape(one, "in sync", m -> m.value(UNDER_REPLICATED) == 0 && m.value(AT_MIN_ISR) == 1
        && m.value(UNDER_MIN_ISR) == 0 && m.value("kafka_server_replicamanager_leadercount") == 1
        && m.value("kafka_server_replicamanager_partitioncount") == 1
        && m.has("tributary_partition_replica_lag", "topic", TOPIC, "partition", "0", "replica", "2")
        && m.value("tributary_partition_replica_lag", "topic", TOPIC, "replica", "2") == 0);
    awaitScrape(two, "following node 1", m -> m.has(CONSUMER_LAG, "clientId", "ReplicaFetcherThread-0-1", "topic", TOPIC, "partition", "0")
        && m.value(CONSUMER_LAG, "topic", TOPIC) == 0 && m.value("kafka_server_replicafetchermanager_maxlag", "clientId", "Replica") == 0
        && m.value("kafka_server_replicamanager_partitioncount") == 2 && m.value("kafka_server_replicamanager_leadercount") == 1);
    assertEquals(1, scrape(one).value(ACTIVE_CONTROLLER) + scrape(two).value(ACTIVE_CONTROLLER), "one active controller");
    double shrinks = scrape(one).value(SHRINKS);
    double expands = scrape(one).value(EXPANDS);
    assertEquals(0, scrape(one).value(OFFLINE) + scrape(two).value(OFFLINE), "every partition has a live leader");

    // node 2 leaves: its replica drops out of the ISR, which is now below min.insync.replicas; its own topic is offline
    BrokerNode closed = two;
    two = null;
    closed.close();
    awaitPartition("node 2 out of the ISR", p -> p.isr().equals(List.of(1)));
    awaitScrape(one, "under-replicated", m -> m.value(UNDER_REPLICATED) == 1 && m.value(UNDER_MIN_ISR) == 1
        && m.value(AT_MIN_ISR) == 0 && m.value(SHRINKS) >= shrinks + 1 && m.value(ACTIVE_CONTROLLER) == 1
        && m.value(OFFLINE) == 1);
    assertOfflineOnTheWire();
    var described = cli("topics", "describe", "--bootstrap-server", one.bootstrapServers());
    assertTrue(described.contains("\tTopic: " + TOPIC + "\tPartition: 0\tLeader: 1\tReplicas: 1,2\tIsr: 1\tOffline: 2"), described);
    assertTrue(described.contains("\tTopic: " + LONELY + "\tPartition: 0\tLeader: none\tReplicas: 2\tIsr: 2\tOffline: 2"), described);

    // while node 2 is away, records it never had are written and deleted: the leader's log now starts above its end
    produce(30, "1");
    try (var admin = Admin.create(Map.of("bootstrap.servers", one.bootstrapServers()))) {
      long low = admin.deleteRecords(Map.of(TP, RecordsToDelete.beforeOffset(40))).lowWatermarks().get(TP)
          .get(30, TimeUnit.SECONDS).lowWatermark();
      assertEquals(40, low);
    }

    two = TwoNodes.restart(dir, 2, closed, "tributary.http.port = 0");
    awaitBothLive();
    // node 2 is refused its fetch offset (20 < 40), restarts its log at the leader's log start and catches up
    awaitPartition("node 2 back in the ISR", p -> Set.copyOf(p.isr()).equals(Set.of(1, 2)));
    PartitionHandle follower = two.partitions().replicaHandle(TP).toCompletableFuture().get(30, TimeUnit.SECONDS);
    PartitionHandle leader = one.partitions().handle(TP).toCompletableFuture().get(30, TimeUnit.SECONDS);
    Awaitility.await("node 2's log is the leader's").atMost(WAIT).until(() -> follower.logEndOffset() == 50);
    assertEquals(40, follower.logStartOffset(), "the follower's log restarted at the leader's log start");
    assertEquals(leader.readForReplica(40, Integer.MAX_VALUE, true).records().buffer(),
        follower.readForReplica(40, Integer.MAX_VALUE, true).records().buffer(), "the same batches from offset 40");
    awaitScrape(one, "in sync again", m -> m.value(UNDER_REPLICATED) == 0 && m.value(UNDER_MIN_ISR) == 0
        && m.value(AT_MIN_ISR) == 1 && m.value(EXPANDS) >= expands + 1 && m.value(OFFLINE) == 0);
    awaitScrape(two, "no partition offline", m -> m.value(OFFLINE) == 0);
    produce(10, "all"); // acks=all works again
    awaitScrape(two, "caught up", m -> m.value(CONSUMER_LAG, "topic", TOPIC) == 0 && m.has(CONSUMER_LAG, "topic", TOPIC));
  }

  /** Metadata and DescribeTopicPartitions list node 2's replicas as offline, and its lone partition without a leader. */
  private void assertOfflineOnTheWire() throws Exception {
    try (var wire = new WireClient(one.bootstrapServers())) {
      MetadataResponse metadata = wire.send(ApiKeys.METADATA, (short) 12, new MetadataRequestData().setTopics(List.of(
          new MetadataRequestData.MetadataRequestTopic().setName(TOPIC), new MetadataRequestData.MetadataRequestTopic().setName(LONELY))));
      var watched = metadata.data().topics().find(TOPIC).partitions().get(0);
      assertEquals(List.of(1, 2), watched.replicaNodes());
      assertEquals(List.of(1), watched.isrNodes());
      assertEquals(List.of(2), watched.offlineReplicas());
      var lonely = metadata.data().topics().find(LONELY).partitions().get(0);
      assertEquals(Errors.LEADER_NOT_AVAILABLE.code(), lonely.errorCode());
      assertEquals(List.of(2), lonely.offlineReplicas());

      DescribeTopicPartitionsResponse described = wire.send(ApiKeys.DESCRIBE_TOPIC_PARTITIONS, (short) 0,
          new DescribeTopicPartitionsRequestData().setTopics(List.of(
              new DescribeTopicPartitionsRequestData.TopicRequest().setName(TOPIC),
              new DescribeTopicPartitionsRequestData.TopicRequest().setName(LONELY))));
      var partition = described.data().topics().find(TOPIC).partitions().get(0);
      assertEquals(1, partition.leaderId());
      assertEquals(List.of(1, 2), partition.replicaNodes());
      assertEquals(List.of(1), partition.isrNodes());
      assertEquals(List.of(2), partition.offlineReplicas());
      var alone = described.data().topics().find(LONELY).partitions().get(0);
      assertEquals(Errors.LEADER_NOT_AVAILABLE.code(), alone.errorCode());
      assertEquals(-1, alone.leaderId());
      assertEquals(List.of(2), alone.offlineReplicas());
    }
  }

  /**
   * A follower whose log ends above its leader's (as after an unclean election; here its log is restarted at offset
   * 100 while its node is down, so that it has no epoch for the leader to check) is refused its fetch offset; it asks
   * the leader for its log end, truncates to it and rejoins the ISR.
   */
  @Test
  void aFollowerAheadOfItsLeaderTruncatesToTheLeadersEnd() throws Exception {
    var nodes = TwoNodes.start(dir, "tributary.http.port = 0");
    one = nodes.get(0);
    two = nodes.get(1);
    awaitBothLive();
    try (var admin = Admin.create(Map.of("bootstrap.servers", one.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(1, 2))))).all().get(60, TimeUnit.SECONDS);
    }
    awaitPartition("both in sync", p -> Set.copyOf(p.isr()).equals(Set.of(1, 2)));
    produce(20, "all");

    BrokerNode closed = two;
    two = null;
    closed.close();
    awaitPartition("node 2 out of the ISR", p -> p.isr().equals(List.of(1)));
    try (var log = io.tributary.storage.PartitionLog.open(dir.resolve("n2").resolve(TOPIC + "-0"),
        io.tributary.storage.LogConfig.defaults())) {
      assertEquals(20, log.logEndOffset());
      log.truncateFullyAndStartAt(100);
    }

    two = TwoNodes.restart(dir, 2, closed, "tributary.http.port = 0");
    awaitBothLive();
    awaitPartition("node 2 back in the ISR", p -> Set.copyOf(p.isr()).equals(Set.of(1, 2)));
    PartitionHandle follower = two.partitions().replicaHandle(TP).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(20, follower.logStartOffset(), "truncated to the leader's end, below its own start: it restarts there");
    produce(10, "all");
    PartitionHandle leader = one.partitions().handle(TP).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertEquals(30, follower.logEndOffset(), "acks=all: the follower has what the leader acknowledged");
    assertEquals(leader.readForReplica(20, Integer.MAX_VALUE, true).records().buffer(),
        follower.readForReplica(20, Integer.MAX_VALUE, true).records().buffer(), "the same batches from offset 20");
  }

  private void awaitBothLive() {
    for (BrokerNode node : List.of(one, two)) {
      Awaitility.await().atMost(WAIT).until(() -> node.metadata().liveBrokers().keySet().equals(Set.of(1, 2)));
    }
  }

  /** Waits until node 1's view of the watched partition satisfies {@code condition}. */
  private void awaitPartition(String what, Predicate<PartitionInfo> condition) {
    Awaitility.await(what).atMost(WAIT).until(() -> one.metadata().current().topic(TOPIC).map(t -> t.partition(0)),
        p -> p.isPresent() && condition.test(p.get()));
  }

  private void awaitScrape(BrokerNode node, String what, Predicate<PrometheusText> condition) {
    Awaitility.await(what + " (scraping " + node.bootstrapServers() + ")").atMost(WAIT)
        .pollInterval(Duration.ofMillis(200)).until(() -> scrape(node), condition);
  }

  private PrometheusText scrape(BrokerNode node) throws Exception {
    var response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + "/metrics"))
        .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, response.statusCode(), response.body());
    return PrometheusText.parse(response.body());
  }

  private void produce(int count, String acks) throws Exception {
    var props = Map.<String, Object>of("bootstrap.servers", one.bootstrapServers(), ProducerConfig.ACKS_CONFIG, acks,
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, acks.equals("all") ? "true" : "false");
    try (var producer = new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
      List<Future<?>> sends = new ArrayList<>();
      for (int i = 0; i < count; i++) sends.add(producer.send(new ProducerRecord<>(TOPIC, 0, null, "v" + i)));
      for (var send : sends) send.get(30, TimeUnit.SECONDS);
    }
  }

  private static String cli(String... args) {
    var out = new StringWriter();
    var err = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    assertEquals(0, exit, err.toString());
    return out.toString().replace("\r", "");
  }
}
