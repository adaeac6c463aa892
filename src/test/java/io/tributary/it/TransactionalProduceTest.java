package io.tributary.it;

import static io.tributary.it.ReadCommittedTest.TP;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tributary.node.BrokerNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Produce of transactional batches: Kafka's answers to what a client may not do, and the producer state that
 * {@code Admin.describeProducers} then shows.
 */
class TransactionalProduceTest {
  private static final long PID = 4242;

  @TempDir Path dir;
  private BrokerNode node;

  @AfterEach
  void stop() {
    if (node != null) node.close();
  }

  @Test
  void kafkasErrorsForTransactionalWrites() throws Exception {
    node = TestBrokers.start(dir, TestBrokers.NO_TXN_VERIFICATION);
    ReadCommittedTest.createTopic(node.bootstrapServers());
    try (var wire = new TxnWire(node.bootstrapServers())) {
      var marker = MemoryRecords.withEndTransactionMarker(PID, (short) 0, new EndTransactionMarker(ControlRecordType.COMMIT, 0));
      assertEquals(Errors.INVALID_RECORD, wire.produceError(TP, marker, "t"), "clients may not write control batches");
      assertEquals(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED, wire.produceError(TP, txn((short) 1, 0, "x"), null),
          "transactional records without a transactional id");

      assertEquals(0, wire.transactional(TP, PID, (short) 1, 0, "a"));
      assertEquals(Errors.INVALID_TXN_STATE, wire.produceError(TP,
          MemoryRecords.withIdempotentRecords(Compression.NONE, PID, (short) 1, 1, new SimpleRecord("plain".getBytes())), "t"),
          "a non-transactional write while the producer's transaction is open");
      assertEquals(Errors.INVALID_PRODUCER_EPOCH, wire.produceError(TP, txn((short) 0, 1, "zombie"), "t"));
      assertEquals(Errors.OUT_OF_ORDER_SEQUENCE_NUMBER, wire.produceError(TP, txn((short) 1, 5, "gap"), "t"));
      assertEquals(1, wire.transactional(TP, PID, (short) 1, 1, "b"), "nothing refused was written");
    }
    // what kafka-transactions.sh describe-producers shows
    try (var admin = Admin.create(Map.of("bootstrap.servers", node.bootstrapServers()))) {
      var producers = admin.describeProducers(List.of(TP)).partitionResult(TP).get(60, TimeUnit.SECONDS).activeProducers();
      assertEquals(1, producers.size());
      var state = producers.get(0);
      assertEquals(PID, state.producerId());
      assertEquals(1, state.producerEpoch());
      assertEquals(1, state.lastSequence());
      assertEquals(OptionalLong.of(0), state.currentTransactionStartOffset());
      assertEquals(OptionalInt.empty(), state.coordinatorEpoch());
    }
  }

  private static MemoryRecords txn(short epoch, int seq, String value) {
    return MemoryRecords.withTransactionalRecords(Compression.NONE, PID, epoch, seq, new SimpleRecord(value.getBytes()));
  }
}
