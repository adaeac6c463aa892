package io.tributary.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.ActorSystem;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import java.time.Duration;
import java.util.Arrays;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A slow downstream (one record per 10 ms) over a backlog of 2 GB, 500 times the consumer's 4 MB buffer
 * bound: the consumer pauses partitions instead of fetching the backlog, and its buffered bytes never exceed
 * the bound plus one poll.
 */
class SlowDownstreamTest extends EmbeddedBrokerTestBase {
  static final int RECORD_BYTES = 10_000;
  static final int RECORDS = 200_000; // 2 GB
  static final long BOUND = 4L * 1024 * 1024;
  static final int MAX_POLL_RECORDS = 100;

  @Test
  void bufferStaysBoundedWhateverTheBacklog() throws Exception {
    broker.createTopic("backlog", 4);
    var p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers());
    p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, "524288");
    p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, "67108864");
    var value = new byte[RECORD_BYTES];
    Arrays.fill(value, (byte) 'x');
    try (var producer = new KafkaProducer<byte[], byte[]>(p, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < RECORDS; i++) producer.send(new ProducerRecord<>("backlog", null, value));
      producer.flush();
    }
    assertEquals(RECORDS, ClientTests.total(ClientTests.endOffsets(broker.bootstrapServers(), "backlog")));

    var settings = ConsumerSettings.create(system, new ByteArrayDeserializer(), new ByteArrayDeserializer())
        .withBootstrapServers(broker.bootstrapServers())
        .withMaxBufferBytes(BOUND)
        .withProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest")
        .withProperty(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Integer.toString(MAX_POLL_RECORDS));
    var tps = new org.apache.kafka.common.TopicPartition[4];
    for (int i = 0; i < 4; i++) tps[i] = new org.apache.kafka.common.TopicPartition("backlog", i);
    var run = Consumer.plainSource(settings, Subscriptions.assignment(tps))
        .throttle(1, Duration.ofMillis(10))
        .take(300)
        .toMat(Sink.fold(0L, (n, r) -> n + r.serializedValueSize()), Keep.both())
        .run(system);
    long consumedBytes = run.second().toCompletableFuture().get(60, TimeUnit.SECONDS);
    long peak = run.first().peakBufferedBytes();
    run.first().isShutdown().toCompletableFuture().get(30, TimeUnit.SECONDS);

    long onePoll = (long) MAX_POLL_RECORDS * (RECORD_BYTES + RecordBuffer.RECORD_OVERHEAD);
    System.out.printf("slow downstream: backlog %d MB, consumed %d KB, peak buffered %d KB (bound %d KB + one poll %d KB)%n",
        (long) RECORDS * RECORD_BYTES >> 20, consumedBytes >> 10, peak >> 10, BOUND >> 10, onePoll >> 10);
    assertEquals(300L * RECORD_BYTES, consumedBytes);
    assertTrue(peak >= BOUND / 2, "the buffer was used (peak " + peak + ")");
    assertTrue(peak <= BOUND + onePoll, "buffered " + peak + " bytes, bound " + BOUND + " + one poll " + onePoll);
  }
}
