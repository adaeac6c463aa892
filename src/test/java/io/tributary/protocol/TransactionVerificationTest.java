package io.tributary.protocol;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tributary.it.TestBrokers;
import io.tributary.node.BrokerNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceDataCollection;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * KIP-890 part 1 on the wire: a producer's first transactional batch in a partition is written only if its coordinator
 * has the partition in the producer's ongoing transaction. Kafka's answers otherwise: INVALID_TXN_STATE below Produce
 * v11 and TRANSACTION_ABORTABLE from v11 for a partition not added, INVALID_PRODUCER_EPOCH for a fenced epoch,
 * INVALID_PRODUCER_ID_MAPPING for a producer id the coordinator does not know for the transactional id.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class TransactionVerificationTest {
  private static final String TOPIC = "verified";

  @TempDir
  static Path dir;

  static BrokerNode node;
  static WireClient wire;

  @BeforeAll
  static void start() throws Exception {
    node = TestBrokers.start(dir, "tributary.transaction.transaction.state.log.num.partitions = 3");
    try (Admin admin = Admin.create(TestBrokers.adminProps(node))) {
      admin.createTopics(List.of(new NewTopic(TOPIC, 4, (short) 1))).all().get();
    }
    wire = new WireClient(node.bootstrapServers());
  }

  @AfterAll
  static void stop() throws Exception {
    if (wire != null) wire.close();
    if (node != null) node.close();
  }

  private static InitProducerIdResponse init(String transactionalId) {
    var data = new InitProducerIdRequestData().setTransactionalId(transactionalId).setTransactionTimeoutMs(60_000);
    InitProducerIdResponse[] answer = new InitProducerIdResponse[1];
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      answer[0] = wire.send(ApiKeys.INIT_PRODUCER_ID, (short) 4, data);
      Errors error = Errors.forCode(answer[0].data().errorCode());
      return error != Errors.COORDINATOR_LOAD_IN_PROGRESS && error != Errors.COORDINATOR_NOT_AVAILABLE;
    });
    assertEquals(Errors.NONE, Errors.forCode(answer[0].data().errorCode()));
    return answer[0];
  }

  private static Errors produce(short version, String transactionalId, long pid, short epoch, int partition) throws Exception {
    var batch = MemoryRecords.withTransactionalRecords(Compression.NONE, pid, epoch, 0,
        new SimpleRecord(1L, "k".getBytes(), "v".getBytes()));
    var topics = new TopicProduceDataCollection();
    topics.add(new TopicProduceData().setName(TOPIC).setPartitionData(List.of(new PartitionProduceData()
        .setIndex(partition).setRecords(batch))));
    ProduceResponse response = wire.send(ApiKeys.PRODUCE, version, new ProduceRequestData().setTransactionalId(transactionalId)
        .setAcks((short) -1).setTimeoutMs(10_000).setTopicData(topics));
    return Errors.forCode(response.data().responses().find(TOPIC).partitionResponses().get(0).errorCode());
  }

  private static void add(String transactionalId, long pid, short epoch, int partition) throws Exception {
    var topics = new AddPartitionsToTxnTopicCollection();
    topics.add(new AddPartitionsToTxnTopic().setName(TOPIC).setPartitions(List.of(partition)));
    AddPartitionsToTxnResponse response = wire.send(ApiKeys.ADD_PARTITIONS_TO_TXN, (short) 3, new AddPartitionsToTxnRequestData()
        .setV3AndBelowTransactionalId(transactionalId).setV3AndBelowProducerId(pid).setV3AndBelowProducerEpoch(epoch)
        .setV3AndBelowTopics(topics));
    assertEquals(Set.of(Errors.NONE), response.errorCounts().keySet());
  }

  @Test
  void aPartitionNotAddedToTheTransactionIsRefusedAsKafkaRefusesIt() throws Exception {
    var p = init("verify-not-added");
    long pid = p.data().producerId();
    short epoch = p.data().producerEpoch();
    for (short v = 3; v <= 10; v++) {
      assertEquals(Errors.INVALID_TXN_STATE, produce(v, "verify-not-added", pid, epoch, 0), "Produce v" + v);
    }
    assertEquals(Errors.TRANSACTION_ABORTABLE, produce((short) 11, "verify-not-added", pid, epoch, 0), "Produce v11");
    add("verify-not-added", pid, epoch, 0);
    assertEquals(Errors.NONE, produce((short) 11, "verify-not-added", pid, epoch, 0), "added: written");
  }

  @Test
  void aFencedOrUnknownProducerIsRefused() throws Exception {
    var first = init("verify-fenced");
    var second = init("verify-fenced");
    long pid = second.data().producerId();
    add("verify-fenced", pid, second.data().producerEpoch(), 1);
    assertEquals(Errors.INVALID_PRODUCER_EPOCH, produce((short) 11, "verify-fenced", pid, first.data().producerEpoch(), 1),
        "the fenced epoch (Kafka answers producers INVALID_PRODUCER_EPOCH for the coordinator's PRODUCER_FENCED)");
    assertEquals(Errors.INVALID_PRODUCER_ID_MAPPING, produce((short) 11, "verify-fenced", pid + 1_000, (short) 0, 2));
    assertEquals(Errors.NONE, produce((short) 11, "verify-fenced", pid, second.data().producerEpoch(), 1));
  }
}
