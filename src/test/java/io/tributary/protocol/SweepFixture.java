package io.tributary.protocol;

import io.tributary.node.BrokerNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The state a version sweep runs against, made with the real Java clients: a topic with keyed records and
 * headers written by an idempotent producer, a compacted topic, a LogAppendTime topic, and a consumer group
 * with a live member and committed offsets. The member stays in the group until {@link #close()}.
 */
final class SweepFixture implements AutoCloseable {
  static final String TOPIC = "sweep";
  static final String COMPACTED = "sweep-compacted";
  static final String LOG_APPEND_TIME = "sweep-log-append-time";
  static final String GROUP = "sweep-group";
  static final int PARTITIONS = 3;
  static final int RECORDS_PER_PARTITION = 10;

  final Uuid topicId;
  final Map<String, Uuid> topicIds;
  final Map<TopicPartition, Long> committed;
  final long firstTimestamp;
  private final KafkaConsumer<String, String> member;

  SweepFixture(BrokerNode node) throws Exception {
    String bootstrap = node.bootstrapServers();
    try (var admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(
          new NewTopic(TOPIC, PARTITIONS, (short) 1),
          new NewTopic(COMPACTED, 1, (short) 1).configs(Map.of("cleanup.policy", "compact")),
          new NewTopic(LOG_APPEND_TIME, 1, (short) 1).configs(Map.of("message.timestamp.type", "LogAppendTime"))))
          .all().get();
      var described = admin.describeTopics(List.of(TOPIC, COMPACTED, LOG_APPEND_TIME)).allTopicNames().get();
      topicIds = described.values().stream().collect(java.util.stream.Collectors.toUnmodifiableMap(d -> d.name(), d -> d.topicId()));
      topicId = topicIds.get(TOPIC);
    }
    var p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    p.put(ProducerConfig.ACKS_CONFIG, "all");
    long start = System.currentTimeMillis() - 60_000;
    firstTimestamp = start;
    try (var producer = new KafkaProducer<>(p, new StringSerializer(), new StringSerializer())) {
      for (int i = 0; i < RECORDS_PER_PARTITION; i++) {
        for (int partition = 0; partition < PARTITIONS; partition++) {
          var record = new ProducerRecord<>(TOPIC, partition, start + i * 1000L, "k" + i, "v" + partition + "-" + i,
              List.of(new RecordHeader("h", ("x" + i).getBytes())));
          producer.send(record);
        }
        producer.send(new ProducerRecord<>(COMPACTED, "key" + (i % 3), "c" + i));
        producer.send(new ProducerRecord<>(LOG_APPEND_TIME, "k", "l" + i));
      }
      producer.flush();
    }
    var c = new Properties();
    c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    c.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    c.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, "600000");
    member = new KafkaConsumer<>(c, new StringDeserializer(), new StringDeserializer());
    member.subscribe(List.of(TOPIC));
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (member.assignment().size() < PARTITIONS) {
      if (System.nanoTime() > deadline) throw new IllegalStateException("the sweep group's member got no assignment");
      member.poll(Duration.ofMillis(200));
    }
    var offsets = new java.util.HashMap<TopicPartition, OffsetAndMetadata>();
    var committedOffsets = new java.util.HashMap<TopicPartition, Long>();
    for (int partition = 0; partition < PARTITIONS; partition++) {
      var tp = new TopicPartition(TOPIC, partition);
      long offset = 3 + partition;
      offsets.put(tp, new OffsetAndMetadata(offset, java.util.Optional.of(0), "meta-" + partition));
      committedOffsets.put(tp, offset);
    }
    member.commitSync(offsets);
    committed = Map.copyOf(committedOffsets);
  }

  List<TopicPartition> partitions() {
    var out = new ArrayList<TopicPartition>();
    for (int i = 0; i < PARTITIONS; i++) out.add(new TopicPartition(TOPIC, i));
    return out;
  }

  @Override
  public void close() {
    member.close(Duration.ofSeconds(10));
  }
}
