package io.tributary.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceDataCollection;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.TransactionResult;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;

/**
 * Writes transactions the way a transactional producer and its coordinator do, over the wire, without a
 * coordinator: Produce with transactional batches, then WriteTxnMarkers to end them. Each write checks it succeeded.
 */
final class TxnWire implements AutoCloseable {
  private final RawClient client;

  TxnWire(String bootstrap) throws IOException {
    int colon = bootstrap.lastIndexOf(':');
    client = new RawClient(bootstrap.substring(0, colon), Integer.parseInt(bootstrap.substring(colon + 1)));
  }

  /** A transactional batch of {@code values} from {@code pid}; returns its base offset. */
  long transactional(TopicPartition tp, long pid, short epoch, int seq, String... values) throws IOException {
    return produce(tp, MemoryRecords.withTransactionalRecords(Compression.NONE, pid, epoch, seq, records(values)), "txn-" + pid);
  }

  /** A plain (non-idempotent) batch; returns its base offset. */
  long plain(TopicPartition tp, String... values) throws IOException {
    return produce(tp, MemoryRecords.withRecords(Compression.NONE, records(values)), null);
  }

  private static SimpleRecord[] records(String... values) {
    var out = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = new SimpleRecord(System.currentTimeMillis(), null, values[i].getBytes(StandardCharsets.UTF_8));
    }
    return out;
  }

  private long produce(TopicPartition tp, MemoryRecords records, String transactionalId) throws IOException {
    var partition = send(tp, records, transactionalId);
    assertEquals(Errors.NONE, Errors.forCode(partition.errorCode()), "produce to " + tp + ": " + partition.errorMessage());
    return partition.baseOffset();
  }

  /** The error Produce answers for {@code records} on {@code tp}. */
  Errors produceError(TopicPartition tp, MemoryRecords records, String transactionalId) throws IOException {
    return Errors.forCode(send(tp, records, transactionalId).errorCode());
  }

  private ProduceResponseData.PartitionProduceResponse send(TopicPartition tp, MemoryRecords records,
      String transactionalId) throws IOException {
    var topics = new TopicProduceDataCollection();
    topics.add(new TopicProduceData().setName(tp.topic())
        .setPartitionData(List.of(new PartitionProduceData().setIndex(tp.partition()).setRecords(records))));
    var data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(30_000).setTopicData(topics)
        .setTransactionalId(transactionalId);
    ProduceResponse response = client.send(ProduceRequest.forMagic((byte) 2, data), 9);
    return response.data().responses().iterator().next().partitionResponses().get(0);
  }

  /** Ends {@code pid}'s transaction on {@code partitions} as its coordinator would; every partition must succeed. */
  void end(long pid, short epoch, int coordinatorEpoch, boolean commit, TopicPartition... partitions) throws IOException {
    endAnswering(pid, epoch, coordinatorEpoch, commit, partitions)
        .forEach((tp, error) -> assertEquals(Errors.NONE, error, "marker on " + tp));
  }

  /** WriteTxnMarkers for {@code pid}'s transaction; the error of each partition. */
  Map<TopicPartition, Errors> endAnswering(long pid, short epoch, int coordinatorEpoch, boolean commit,
      TopicPartition... partitions) throws IOException {
    var entry = new WriteTxnMarkersRequest.TxnMarkerEntry(pid, epoch, coordinatorEpoch,
        commit ? TransactionResult.COMMIT : TransactionResult.ABORT, List.of(partitions));
    WriteTxnMarkersResponse response = client.send(new WriteTxnMarkersRequest.Builder((short) 1, List.of(entry)), 1);
    return response.errorsByProducerId().get(pid);
  }

  @Override
  public void close() throws IOException {
    client.close();
  }
}
