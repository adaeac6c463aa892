package io.tributary.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.DescribeProducersRequestData;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceDataCollection;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarkerTopic;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DescribeProducersResponse;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;

/**
 * The sweep scenarios of the log side of transactions: WriteTxnMarkers (what a coordinator sends partition leaders)
 * and DescribeProducers, with transactional Produce, read_committed Fetch and ListOffsets around them. Producer ids
 * are picked far above those InitProducerId hands out, so that no scenario meets another's producer.
 */
final class TxnLogScenarios {
  private static final long PRODUCER_ID_BASE = 7_000_000_000L;
  /** The last Fetch version that names topics (from 13 on, topic ids). */
  private static final short FETCH_BY_NAME = 12;

  private final WireClient wire;

  TxnLogScenarios(WireClient wire) {
    this.wire = wire;
  }

  void register(Map<ApiKeys, VersionScenarios.Scenario> scenarios) {
    scenarios.put(ApiKeys.WRITE_TXN_MARKERS, this::writeTxnMarkers);
    scenarios.put(ApiKeys.DESCRIBE_PRODUCERS, this::describeProducers);
  }

  private void writeTxnMarkers(short v) throws Exception {
    String topic = "sweep-txn-markers-v" + v;
    createTopic(topic, 2);
    long pid = PRODUCER_ID_BASE + v;
    // an aborted transaction on partition 0 (offsets 0, 1; marker 2)
    assertProduced(topic, 0, transactional(pid, (short) 0, 0, "a0", "a1"), "sweep-txn");
    assertEquals(0L, lastStableOffset(topic, 0), "the open transaction holds the last stable offset");
    var abort = marker(pid, (short) 0, 5, false, topic, 0, 1, 9);
    WriteTxnMarkersResponse aborted = wire.send(ApiKeys.WRITE_TXN_MARKERS, v, new WriteTxnMarkersRequestData()
        .setMarkers(List.of(abort, marker(pid, (short) 0, 5, false, "sweep-txn-missing", 0))));
    var results = aborted.data().markers();
    assertEquals(2, results.size());
    assertEquals(pid, results.get(0).producerId());
    List<WritableTxnMarkerPartitionResult> partitions = results.get(0).topics().get(0).partitions();
    assertEquals(Errors.NONE, Errors.forCode(partitions.get(0).errorCode()), "partition 0");
    assertEquals(Errors.NONE, Errors.forCode(partitions.get(1).errorCode()), "partition 1: a marker without data is written too");
    assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.forCode(partitions.get(2).errorCode()), "partition 9");
    assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION,
        Errors.forCode(results.get(1).topics().get(0).partitions().get(0).errorCode()), "unknown topic");
    assertEquals(3L, lastStableOffset(topic, 0));

    // the producer's next transaction, in a bumped epoch (3; its marker 4)
    assertProduced(topic, 0, transactional(pid, (short) 1, 0, "c0"), "sweep-txn");
    var stale = wire.<WriteTxnMarkersResponse>send(ApiKeys.WRITE_TXN_MARKERS, v, new WriteTxnMarkersRequestData()
        .setMarkers(List.of(marker(pid, (short) 1, 4, true, topic, 0))));
    assertEquals(Errors.TRANSACTION_COORDINATOR_FENCED, onlyError(stale), "a coordinator epoch below the last marker's");
    var fenced = wire.<WriteTxnMarkersResponse>send(ApiKeys.WRITE_TXN_MARKERS, v, new WriteTxnMarkersRequestData()
        .setMarkers(List.of(marker(pid, (short) 0, 5, true, topic, 0))));
    assertEquals(Errors.INVALID_PRODUCER_EPOCH, onlyError(fenced), "a producer epoch below the partition's");
    var commit = wire.<WriteTxnMarkersResponse>send(ApiKeys.WRITE_TXN_MARKERS, v, new WriteTxnMarkersRequestData()
        .setMarkers(List.of(marker(pid, (short) 1, 6, true, topic, 0))));
    assertEquals(Errors.NONE, onlyError(commit));
    assertEquals(5L, lastStableOffset(topic, 0));

    // read_committed sees the aborted transaction listed, and both markers as control batches
    FetchResponse fetched = wire.send(ApiKeys.FETCH, FETCH_BY_NAME, readCommittedFetch(topic));
    FetchResponseData.PartitionData data = fetched.data().responses().get(0).partitions().get(0);
    assertEquals(Errors.NONE, Errors.forCode(data.errorCode()));
    assertEquals(5L, data.lastStableOffset());
    assertEquals(1, data.abortedTransactions().size());
    assertEquals(pid, data.abortedTransactions().get(0).producerId());
    assertEquals(0L, data.abortedTransactions().get(0).firstOffset());
    List<String> markers = new ArrayList<>();
    for (var batch : FetchResponse.recordsOrFail(data).batches()) {
      if (batch.isControlBatch()) {
        var m = EndTransactionMarker.deserialize(batch.iterator().next());
        markers.add(batch.baseOffset() + ":" + m.controlType() + "@" + m.coordinatorEpoch());
      }
    }
    assertEquals(List.of("2:" + ControlRecordType.ABORT + "@5", "4:" + ControlRecordType.COMMIT + "@6"), markers);
  }

  private void describeProducers(short v) throws Exception {
    String topic = "sweep-describe-producers-v" + v;
    createTopic(topic, 1);
    long pid = PRODUCER_ID_BASE + 100 + v;
    assertProduced(topic, 0, transactional(pid, (short) 3, 0, "x", "y"), "sweep-describe");
    var request = new DescribeProducersRequestData().setTopics(List.of(
        new DescribeProducersRequestData.TopicRequest().setName(topic).setPartitionIndexes(List.of(0, 4))));
    DescribeProducersResponse response = wire.send(ApiKeys.DESCRIBE_PRODUCERS, v, request);
    var partitions = response.data().topics().get(0).partitions();
    assertEquals(Errors.NONE, Errors.forCode(partitions.get(0).errorCode()));
    var producer = partitions.get(0).activeProducers().stream().filter(p -> p.producerId() == pid).findFirst().orElseThrow();
    assertEquals(3, producer.producerEpoch());
    assertEquals(1, producer.lastSequence());
    assertEquals(0L, producer.currentTxnStartOffset());
    assertEquals(-1, producer.coordinatorEpoch());
    assertTrue(producer.lastTimestamp() > 0, "last timestamp");
    assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.forCode(partitions.get(1).errorCode()));
  }

  // ---- helpers

  static MemoryRecords transactional(long pid, short epoch, int seq, String... values) {
    var records = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) records[i] = new SimpleRecord(System.currentTimeMillis(), null, values[i].getBytes());
    return MemoryRecords.withTransactionalRecords(Compression.NONE, pid, epoch, seq, records);
  }

  private static WritableTxnMarker marker(long pid, short epoch, int coordinatorEpoch, boolean commit, String topic,
                                          Integer... partitions) {
    return new WritableTxnMarker().setProducerId(pid).setProducerEpoch(epoch).setCoordinatorEpoch(coordinatorEpoch)
        .setTransactionResult(commit)
        .setTopics(List.of(new WritableTxnMarkerTopic().setName(topic).setPartitionIndexes(List.of(partitions))));
  }

  private static Errors onlyError(WriteTxnMarkersResponse response) {
    return Errors.forCode(response.data().markers().get(0).topics().get(0).partitions().get(0).errorCode());
  }

  private void assertProduced(String topic, int partition, MemoryRecords records, String transactionalId) throws Exception {
    var topics = new TopicProduceDataCollection();
    topics.add(new TopicProduceData().setName(topic)
        .setPartitionData(List.of(new PartitionProduceData().setIndex(partition).setRecords(records))));
    var data = new ProduceRequestData().setAcks((short) -1).setTimeoutMs(10_000).setTopicData(topics)
        .setTransactionalId(transactionalId);
    ProduceResponse response = wire.send(ApiKeys.PRODUCE, ApiKeys.PRODUCE.latestVersion(), data);
    assertEquals(Errors.NONE, Errors.forCode(response.data().responses().iterator().next().partitionResponses().get(0).errorCode()));
  }

  private long lastStableOffset(String topic, int partition) throws Exception {
    var p = new ListOffsetsPartition().setPartitionIndex(partition).setTimestamp(ListOffsetsRequest.LATEST_TIMESTAMP);
    var data = new ListOffsetsRequestData().setReplicaId(-1).setIsolationLevel((byte) 1)
        .setTopics(List.of(new ListOffsetsTopic().setName(topic).setPartitions(List.of(p))));
    ListOffsetsResponse response = wire.send(ApiKeys.LIST_OFFSETS, ApiKeys.LIST_OFFSETS.latestVersion(), data);
    var out = response.data().topics().get(0).partitions().get(0);
    assertEquals(Errors.NONE, Errors.forCode(out.errorCode()));
    return out.offset();
  }

  private static FetchRequestData readCommittedFetch(String topic) {
    var partition = new FetchPartition().setPartition(0).setFetchOffset(0).setPartitionMaxBytes(1 << 20).setLogStartOffset(-1);
    return new FetchRequestData().setReplicaId(-1).setMaxWaitMs(100).setMinBytes(1).setMaxBytes(1 << 20)
        .setIsolationLevel((byte) 1).setSessionId(0).setSessionEpoch(-1)
        .setTopics(List.of(new FetchTopic().setTopic(topic).setPartitions(List.of(partition))));
  }

  private void createTopic(String name, int partitions) throws Exception {
    var data = new CreateTopicsRequestData().setTimeoutMs(10_000);
    data.topics().add(new CreatableTopic().setName(name).setNumPartitions(partitions).setReplicationFactor((short) 1));
    CreateTopicsResponse response = wire.send(ApiKeys.CREATE_TOPICS, (short) 7, data);
    assertEquals(Errors.NONE, Errors.forCode(response.data().topics().find(name).errorCode()));
  }
}
