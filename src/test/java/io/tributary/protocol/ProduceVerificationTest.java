package io.tributary.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tributary.it.TestBrokers;
import io.tributary.node.BrokerNode;
import io.tributary.storage.LogConfig;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceDataCollection;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KIP-890 seam of Produce: a {@link TransactionVerifier} is asked about the partitions where a transactional
 * producer has no transaction open yet, and a partition it refuses is not written and answers the verifier's error.
 * The handler runs on a real node's partitions; the verifier stands in for the coordinator (built elsewhere).
 */
class ProduceVerificationTest {
  private static final String TOPIC = "verified";
  private static final long PID = 777;

  @TempDir Path dir;
  private BrokerNode node;
  private final ExecutorService io = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() {
    io.shutdownNow();
    if (node != null) node.close();
  }

  /** Records each verification and refuses partition 1. */
  private static final class RefusingPartitionOne implements TransactionVerifier {
    final List<List<TopicPartition>> asked = new ArrayList<>();

    @Override
    public synchronized CompletionStage<Map<TopicPartition, Errors>> verify(String transactionalId, long producerId,
        short producerEpoch, Collection<TopicPartition> partitions) {
      assertEquals("tx", transactionalId);
      assertEquals(PID, producerId);
      asked.add(List.copyOf(partitions));
      return CompletableFuture.completedFuture(Map.of(new TopicPartition(TOPIC, 1), Errors.INVALID_TXN_STATE));
    }
  }

  @Test
  void onlyTheFirstWriteOfATransactionInAPartitionIsVerifiedAndARefusedOneIsNotWritten() throws Exception {
    node = TestBrokers.start(dir);
    try (var admin = Admin.create(Map.of("bootstrap.servers", node.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(TOPIC, 2, (short) 1))).all().get(60, TimeUnit.SECONDS);
    }
    var broker = new BrokerContext(node.system(), node.settings().nodeId(), node.metadata(), node.partitions(),
        LogConfig.defaults(), new ProducerIds(node.metadata(), 10), false, 1, io, node.groups());
    var verifier = new RefusingPartitionOne();
    var handler = new ProduceHandler(broker, verifier);
    var ctx = new RequestContext(new RequestHeader(ApiKeys.PRODUCE, (short) 9, "test", 1),
        new ConnectionInfo(1, new InetSocketAddress("127.0.0.1", 1)));

    var first = produce(handler, ctx, 0, 0);
    assertEquals(List.of(List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1))), verifier.asked);
    assertEquals(Errors.NONE, error(first, 0));
    assertEquals(Errors.INVALID_TXN_STATE, error(first, 1));

    // partition 0 has the transaction open now: only partition 1 is asked about again
    var second = produce(handler, ctx, 1, 0);
    assertEquals(List.of(new TopicPartition(TOPIC, 1)), verifier.asked.get(1));
    assertEquals(Errors.NONE, error(second, 0));
    assertEquals(Errors.INVALID_TXN_STATE, error(second, 1));
    assertEquals(2L, node.partitions().handle(new TopicPartition(TOPIC, 0)).toCompletableFuture().get().logEndOffset());
    assertEquals(0L, node.partitions().handle(new TopicPartition(TOPIC, 1)).toCompletableFuture().get().logEndOffset(),
        "nothing written where the verifier refused");
  }

  /** One transactional record to each partition, with sequences {@code seq0} and {@code seq1}. */
  private static ProduceResponseData produce(ProduceHandler handler, RequestContext ctx, int seq0, int seq1)
      throws Exception {
    var topics = new TopicProduceDataCollection();
    topics.add(new TopicProduceData().setName(TOPIC).setPartitionData(List.of(
        new PartitionProduceData().setIndex(0).setRecords(txn(seq0)),
        new PartitionProduceData().setIndex(1).setRecords(txn(seq1)))));
    var data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000).setTopicData(topics).setTransactionalId("tx");
    return handler.handle(ctx, ProduceRequest.forMagic((byte) 2, data).build((short) 9)).toCompletableFuture()
        .get(60, TimeUnit.SECONDS);
  }

  private static MemoryRecords txn(int seq) {
    return MemoryRecords.withTransactionalRecords(Compression.NONE, PID, (short) 0, seq, new SimpleRecord("v".getBytes()));
  }

  private static Errors error(ProduceResponseData response, int partition) {
    return response.responses().find(TOPIC).partitionResponses().stream()
        .filter(p -> p.index() == partition).map(p -> Errors.forCode(p.errorCode())).findFirst().orElseThrow();
  }
}
