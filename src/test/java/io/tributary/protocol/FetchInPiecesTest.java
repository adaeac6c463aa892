package io.tributary.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.it.TestBrokers;
import io.tributary.node.BrokerNode;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fetch larger than one read piece ({@code fetch-read-chunk-bytes}, 64 KiB here) is read in several pieces that
 * the client receives as one run of consecutive whole batches, within the partition's byte limit; a batch larger
 * than a piece still comes whole.
 */
class FetchInPiecesTest {
  private static final String TOPIC = "pieces";
  private static final int CHUNK = 65_536;

  @TempDir static Path dir;
  private static BrokerNode node;

  @BeforeAll
  static void start() throws Exception {
    node = TestBrokers.start(dir, "tributary.kafka.fetch-read-chunk-bytes = " + CHUNK);
    try (var admin = Admin.create(TestBrokers.adminProps(node))) {
      admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    var props = TestBrokers.producerProps(node);
    props.put(ProducerConfig.BATCH_SIZE_CONFIG, 8_192);
    props.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, 1_000_000);
    try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      for (int i = 0; i < 600; i++) producer.send(new ProducerRecord<>(TOPIC, 0, null, new byte[1_000])).get();
      producer.send(new ProducerRecord<>(TOPIC, 0, null, new byte[200_000])).get(); // one batch of three pieces' size
      producer.flush();
    }
  }

  @AfterAll
  static void stop() {
    if (node != null) node.close();
  }

  @Test
  void aLargeFetchIsConsecutiveWholeBatchesWithinTheLimit() throws Exception {
    var answer = fetch(0, 300_000);
    var records = (MemoryRecords) answer.records();
    assertTrue(records.sizeInBytes() > 2 * CHUNK, "more than two pieces: " + records.sizeInBytes());
    assertTrue(records.sizeInBytes() <= 300_000, "within the partition limit: " + records.sizeInBytes());
    long next = 0;
    for (RecordBatch batch : records.batches()) {
      batch.ensureValid();
      assertEquals(next, batch.baseOffset(), "consecutive batches");
      next = batch.lastOffset() + 1;
    }
    assertTrue(next > 200, "records in the answer: " + next);
  }

  @Test
  void aBatchLargerThanAPieceComesWhole() throws Exception {
    var answer = fetch(600, 1_000_000);
    var records = (MemoryRecords) answer.records();
    var batches = records.batches().iterator();
    var big = batches.next();
    big.ensureValid();
    assertEquals(600, big.baseOffset());
    assertTrue(big.sizeInBytes() > 3 * CHUNK, "the large batch: " + big.sizeInBytes());
  }

  private static org.apache.kafka.common.message.FetchResponseData.PartitionData fetch(long offset, int maxBytes) throws Exception {
    try (var wire = new WireClient(node.bootstrapServers())) {
      FetchResponse response = wire.send(ApiKeys.FETCH, (short) 12, new FetchRequestData().setReplicaId(-1)
          .setMaxWaitMs(0).setMinBytes(0).setMaxBytes(maxBytes).setSessionId(0).setSessionEpoch(-1)
          .setTopics(List.of(new FetchRequestData.FetchTopic().setTopic(TOPIC).setPartitions(List.of(
              new FetchRequestData.FetchPartition().setPartition(0).setFetchOffset(offset).setPartitionMaxBytes(maxBytes))))));
      var answer = response.data().responses().get(0).partitions().get(0);
      assertEquals(Errors.NONE.code(), answer.errorCode());
      return answer;
    }
  }
}
