package io.tributary.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsPartition;
import org.apache.kafka.common.message.DeleteRecordsRequestData.DeleteRecordsTopic;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsRequestData.DeleteTopicState;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeTopicPartitionsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.AlterPartitionReassignmentsRequestData;
import org.apache.kafka.common.message.ElectLeadersRequestData;
import org.apache.kafka.common.message.ListPartitionReassignmentsRequestData;
import org.apache.kafka.common.requests.AlterPartitionReassignmentsResponse;
import org.apache.kafka.common.requests.ListPartitionReassignmentsResponse;
import org.apache.kafka.common.message.ElectLeadersRequestData.TopicPartitions;
import org.apache.kafka.common.message.ElectLeadersRequestData.TopicPartitionsCollection;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchRequestData.FetchPartition;
import org.apache.kafka.common.message.FetchRequestData.FetchTopic;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.HeartbeatRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.MetadataRequestData;
import org.apache.kafka.common.message.MetadataRequestData.MetadataRequestTopic;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.ProduceRequestData;
import org.apache.kafka.common.message.ProduceRequestData.PartitionProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceData;
import org.apache.kafka.common.message.ProduceRequestData.TopicProduceDataCollection;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.apache.kafka.common.requests.CreatePartitionsResponse;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DeleteGroupsResponse;
import org.apache.kafka.common.requests.DeleteRecordsResponse;
import org.apache.kafka.common.requests.DeleteTopicsResponse;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.DescribeTopicPartitionsResponse;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.DescribeGroupsResponse;
import org.apache.kafka.common.requests.ElectLeadersResponse;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.HeartbeatResponse;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.JoinGroupResponse;
import org.apache.kafka.common.requests.LeaveGroupResponse;
import org.apache.kafka.common.requests.ListGroupsResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.MetadataResponse;
import org.apache.kafka.common.requests.OffsetCommitResponse;
import org.apache.kafka.common.requests.OffsetDeleteResponse;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.ProduceResponse;
import org.apache.kafka.common.requests.SyncGroupResponse;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.apache.kafka.common.utils.Utils;

/**
 * One scenario per API: requests at a given version, with the fields of that version filled in, and what a
 * correct broker answers. Each version works on its own topics and groups so that versions do not disturb
 * each other. A request that is invalid on purpose names the error Kafka gives for it.
 */
final class VersionScenarios {
  /** What is sent for one API at one version, and the checks on the answers. */
  @FunctionalInterface
  interface Scenario {
    void run(short version) throws Exception;
  }

  private final WireClient wire;
  private final SweepFixture fixture;
  private final int nodeId;
  private final Map<ApiKeys, Scenario> scenarios = new EnumMap<>(ApiKeys.class);

  VersionScenarios(WireClient wire, SweepFixture fixture, int nodeId) {
    this.wire = wire;
    this.fixture = fixture;
    this.nodeId = nodeId;
    scenarios.put(ApiKeys.API_VERSIONS, this::apiVersions);
    scenarios.put(ApiKeys.METADATA, this::metadata);
    scenarios.put(ApiKeys.PRODUCE, this::produce);
    scenarios.put(ApiKeys.FETCH, this::fetch);
    scenarios.put(ApiKeys.LIST_OFFSETS, this::listOffsets);
    scenarios.put(ApiKeys.OFFSET_FOR_LEADER_EPOCH, this::offsetForLeaderEpoch);
    scenarios.put(ApiKeys.INIT_PRODUCER_ID, this::initProducerId);
    scenarios.put(ApiKeys.CREATE_TOPICS, this::createTopics);
    scenarios.put(ApiKeys.DELETE_TOPICS, this::deleteTopics);
    scenarios.put(ApiKeys.CREATE_PARTITIONS, this::createPartitions);
    scenarios.put(ApiKeys.DESCRIBE_CONFIGS, this::describeConfigs);
    scenarios.put(ApiKeys.INCREMENTAL_ALTER_CONFIGS, this::incrementalAlterConfigs);
    scenarios.put(ApiKeys.DESCRIBE_CLUSTER, this::describeCluster);
    scenarios.put(ApiKeys.DESCRIBE_TOPIC_PARTITIONS, this::describeTopicPartitions);
    scenarios.put(ApiKeys.DELETE_RECORDS, this::deleteRecords);
    scenarios.put(ApiKeys.ELECT_LEADERS, this::electLeaders);
    scenarios.put(ApiKeys.ALTER_PARTITION_REASSIGNMENTS, this::alterPartitionReassignments);
    scenarios.put(ApiKeys.LIST_PARTITION_REASSIGNMENTS, this::listPartitionReassignments);
    scenarios.put(ApiKeys.FIND_COORDINATOR, this::findCoordinator);
    scenarios.put(ApiKeys.JOIN_GROUP, this::joinGroup);
    scenarios.put(ApiKeys.SYNC_GROUP, this::syncGroup);
    scenarios.put(ApiKeys.HEARTBEAT, this::heartbeat);
    scenarios.put(ApiKeys.LEAVE_GROUP, this::leaveGroup);
    scenarios.put(ApiKeys.OFFSET_COMMIT, this::offsetCommit);
    scenarios.put(ApiKeys.OFFSET_FETCH, this::offsetFetch);
    scenarios.put(ApiKeys.OFFSET_DELETE, this::offsetDelete);
    scenarios.put(ApiKeys.LIST_GROUPS, this::listGroups);
    scenarios.put(ApiKeys.DESCRIBE_GROUPS, this::describeGroups);
    scenarios.put(ApiKeys.DELETE_GROUPS, this::deleteGroups);
    var transactions = new TransactionScenarios(wire, nodeId);
    scenarios.put(ApiKeys.ADD_PARTITIONS_TO_TXN, transactions::addPartitionsToTxn);
    scenarios.put(ApiKeys.ADD_OFFSETS_TO_TXN, transactions::addOffsetsToTxn);
    scenarios.put(ApiKeys.END_TXN, transactions::endTxn);
    scenarios.put(ApiKeys.TXN_OFFSET_COMMIT, transactions::txnOffsetCommit);
    scenarios.put(ApiKeys.DESCRIBE_TRANSACTIONS, transactions::describeTransactions);
    scenarios.put(ApiKeys.LIST_TRANSACTIONS, transactions::listTransactions);
    this.transactions = transactions;
    new TxnLogScenarios(wire).register(scenarios);
  }

  private final TransactionScenarios transactions;

  Scenario forApi(ApiKeys api) {
    return scenarios.get(api);
  }

  // ---- checks shared by the scenarios

  private static void assertNoErrors(AbstractResponse response) {
    Set<Errors> seen = response.errorCounts().keySet();
    assertTrue(Set.of(Errors.NONE).containsAll(seen), "errors " + seen + ", expected none");
  }

  /** {@code expected} is answered, beside NONE at the levels where it does not apply. */
  private static void assertRefused(AbstractResponse response, Errors expected) {
    Set<Errors> seen = response.errorCounts().keySet();
    assertTrue(seen.contains(expected) && Set.of(Errors.NONE, expected).containsAll(seen), "errors " + seen + ", expected " + expected);
  }

  private static void assertError(Errors expected, short code) {
    assertEquals(expected, Errors.forCode(code), "error code");
  }

  // ---- connection and cluster

  private void apiVersions(short v) throws Exception {
    var data = new ApiVersionsRequestData();
    if (v >= 3) data.setClientSoftwareName("wire-sweep").setClientSoftwareVersion("1.0");
    ApiVersionsResponse response = wire.send(ApiKeys.API_VERSIONS, v, data);
    assertError(Errors.NONE, response.data().errorCode());
    assertTrue(response.data().apiKeys().find(ApiKeys.FETCH.id) != null, "Fetch is listed");
  }

  private void metadata(short v) throws Exception {
    var data = new MetadataRequestData().setTopics(List.of(new MetadataRequestTopic().setName(SweepFixture.TOPIC)));
    if (v >= 4) data.setAllowAutoTopicCreation(false);
    MetadataResponse response = wire.send(ApiKeys.METADATA, v, data);
    assertNoErrors(response);
    var topic = response.data().topics().find(SweepFixture.TOPIC);
    assertEquals(SweepFixture.PARTITIONS, topic.partitions().size());
    assertTrue(topic.partitions().stream().allMatch(p -> p.leaderId() == nodeId), "this node leads every partition");
    if (v >= 7) assertTrue(topic.partitions().stream().allMatch(p -> p.leaderEpoch() == fixture.leaderEpoch), "leader epochs");
    if (v >= 10) assertEquals(fixture.topicId, topic.topicId());
    assertEquals(nodeId, response.data().brokers().iterator().next().nodeId());
    if (v >= 1) {
      // all topics (null list from v1) includes the fixture's
      MetadataResponse all = wire.send(ApiKeys.METADATA, v, new MetadataRequestData().setTopics(null));
      assertTrue(all.data().topics().find(SweepFixture.LOG_APPEND_TIME) != null, "all topics");
    }
    if (v >= 4) {
      var unknown = new MetadataRequestData().setAllowAutoTopicCreation(false)
          .setTopics(List.of(new MetadataRequestTopic().setName("sweep-missing-v" + v)));
      MetadataResponse missing = wire.send(ApiKeys.METADATA, v, unknown);
      assertError(Errors.UNKNOWN_TOPIC_OR_PARTITION, missing.data().topics().iterator().next().errorCode());
    }
  }

  // ---- data

  private static MemoryRecords records(long timestamp, String... values) {
    var simple = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) simple[i] = new SimpleRecord(timestamp, ("k" + i).getBytes(), values[i].getBytes());
    return MemoryRecords.withRecords(Compression.NONE, simple);
  }

  private static ProduceRequestData produceData(String topic, int partition, MemoryRecords records) {
    var topics = new TopicProduceDataCollection();
    topics.add(new TopicProduceData().setName(topic)
        .setPartitionData(List.of(new PartitionProduceData().setIndex(partition).setRecords(records))));
    return new ProduceRequestData().setAcks((short) 1).setTimeoutMs(10_000).setTopicData(topics);
  }

  private void produce(short v) throws Exception {
    String topic = "sweep-produce-v" + v;
    createTopic(topic, 2, Map.of());
    ProduceResponse response = wire.send(ApiKeys.PRODUCE, v, produceData(topic, 1, records(System.currentTimeMillis(), "a", "b")));
    assertNoErrors(response);
    var partition = response.data().responses().find(topic).partitionResponses().get(0);
    assertEquals(0L, partition.baseOffset());
    ProduceResponse again = wire.send(ApiKeys.PRODUCE, v, produceData(topic, 1, records(System.currentTimeMillis(), "c")));
    assertEquals(2L, again.data().responses().find(topic).partitionResponses().get(0).baseOffset());
    // LogAppendTime topics answer with the broker's timestamp (v2+)
    ProduceResponse stamped = wire.send(ApiKeys.PRODUCE, v, produceData(SweepFixture.LOG_APPEND_TIME, 0, records(1L, "x")));
    var stampedPartition = stamped.data().responses().find(SweepFixture.LOG_APPEND_TIME).partitionResponses().get(0);
    assertError(Errors.NONE, stampedPartition.errorCode());
    assertTrue(stampedPartition.logAppendTimeMs() > 1L, "log append time " + stampedPartition.logAppendTimeMs());
    ProduceResponse unknown = wire.send(ApiKeys.PRODUCE, v, produceData(topic, 7, records(1L, "x")));
    assertError(Errors.UNKNOWN_TOPIC_OR_PARTITION, unknown.data().responses().find(topic).partitionResponses().get(0).errorCode());
  }

  private FetchRequestData fetchData(short v, String topic, Uuid topicId, int partition, long offset) {
    return fetchData(v, topic, topicId, partition, offset, fixture.leaderEpoch);
  }

  private FetchRequestData fetchData(short v, String topic, Uuid topicId, int partition, long offset, int leaderEpoch) {
    var fetchPartition = new FetchPartition().setPartition(partition).setFetchOffset(offset).setPartitionMaxBytes(1 << 20);
    if (v >= 5) fetchPartition.setLogStartOffset(-1L);
    if (v >= 9) fetchPartition.setCurrentLeaderEpoch(leaderEpoch);
    var fetchTopic = new FetchTopic().setPartitions(List.of(fetchPartition));
    if (v >= 13) fetchTopic.setTopicId(topicId);
    else fetchTopic.setTopic(topic);
    var data = new FetchRequestData().setMaxWaitMs(100).setMinBytes(1).setMaxBytes(1 << 20).setTopics(List.of(fetchTopic));
    if (v < 15) data.setReplicaId(-1);
    if (v >= 7) data.setSessionId(0).setSessionEpoch(-1);
    return data;
  }

  private void fetch(short v) throws Exception {
    FetchResponse response = wire.send(ApiKeys.FETCH, v, fetchData(v, SweepFixture.TOPIC, fixture.topicId, 1, 2));
    assertNoErrors(response);
    var partition = response.data().responses().get(0).partitions().get(0);
    assertEquals(SweepFixture.RECORDS_PER_PARTITION, partition.highWatermark());
    var batches = FetchResponse.recordsOrFail(partition).batches().iterator();
    assertTrue(batches.hasNext(), "records");
    var record = batches.next().iterator();
    assertTrue(record.hasNext());
    if (v >= 4) assertEquals(SweepFixture.RECORDS_PER_PARTITION, partition.lastStableOffset());
    // batches of a LogAppendTime topic carry the broker's time; a compacted topic serves its log as well
    for (String topic : List.of(SweepFixture.LOG_APPEND_TIME, SweepFixture.COMPACTED)) {
      Uuid id = fixture.topicIds.get(topic);
      FetchResponse other = wire.send(ApiKeys.FETCH, v, fetchData(v, topic, id, 0, 0));
      assertNoErrors(other);
      var batch = FetchResponse.recordsOrFail(other.data().responses().get(0).partitions().get(0)).batches().iterator().next();
      if (topic.equals(SweepFixture.LOG_APPEND_TIME)) assertEquals(TimestampType.LOG_APPEND_TIME, batch.timestampType());
      else assertEquals(0L, batch.baseOffset());
    }
    FetchResponse outOfRange = wire.send(ApiKeys.FETCH, v, fetchData(v, SweepFixture.TOPIC, fixture.topicId, 0, 1_000));
    assertError(Errors.OFFSET_OUT_OF_RANGE, outOfRange.data().responses().get(0).partitions().get(0).errorCode());
    if (v >= 9) {
      // the client's cached leader epoch is checked: older is fenced, newer is not known yet
      FetchResponse fenced = wire.send(ApiKeys.FETCH, v, fetchData(v, SweepFixture.TOPIC, fixture.topicId, 1, 0, fixture.leaderEpoch - 1));
      assertError(Errors.FENCED_LEADER_EPOCH, fenced.data().responses().get(0).partitions().get(0).errorCode());
      FetchResponse ahead = wire.send(ApiKeys.FETCH, v, fetchData(v, SweepFixture.TOPIC, fixture.topicId, 1, 0, fixture.leaderEpoch + 1));
      assertError(Errors.UNKNOWN_LEADER_EPOCH, ahead.data().responses().get(0).partitions().get(0).errorCode());
    }
    if (v >= 7) {
      // a fetch session: the full fetch opens it, an incremental one with no changes uses it
      var open = fetchData(v, SweepFixture.TOPIC, fixture.topicId, 2, 0).setSessionId(0).setSessionEpoch(0);
      FetchResponse opened = wire.send(ApiKeys.FETCH, v, open);
      assertError(Errors.NONE, opened.data().errorCode());
      assertNotEquals(0, opened.data().sessionId(), "session id");
      var incremental = new FetchRequestData().setMaxWaitMs(10).setMinBytes(0).setMaxBytes(1 << 20)
          .setSessionId(opened.data().sessionId()).setSessionEpoch(1).setTopics(List.of());
      if (v < 15) incremental.setReplicaId(-1);
      FetchResponse next = wire.send(ApiKeys.FETCH, v, incremental);
      assertError(Errors.NONE, next.data().errorCode());
    }
  }

  private ListOffsetsResponse listOffsets(short v, String topic, int partition, long timestamp) throws Exception {
    return listOffsets(v, topic, partition, timestamp, fixture.leaderEpoch);
  }

  private ListOffsetsResponse listOffsets(short v, String topic, int partition, long timestamp, int leaderEpoch) throws Exception {
    var p = new ListOffsetsPartition().setPartitionIndex(partition).setTimestamp(timestamp);
    if (v >= 4) p.setCurrentLeaderEpoch(leaderEpoch);
    var data = new ListOffsetsRequestData().setReplicaId(-1)
        .setTopics(List.of(new ListOffsetsTopic().setName(topic).setPartitions(List.of(p))));
    return wire.send(ApiKeys.LIST_OFFSETS, v, data);
  }

  private static ListOffsetsPartitionResponse single(ListOffsetsResponse response) {
    return response.data().topics().get(0).partitions().get(0);
  }

  private OffsetForLeaderEpochResponseData.EpochEndOffset endOffset(short v, int partition, int currentLeaderEpoch,
                                                                   int leaderEpoch) throws Exception {
    var topics = new OffsetForLeaderEpochRequestData.OffsetForLeaderTopicCollection();
    topics.add(new OffsetForLeaderEpochRequestData.OffsetForLeaderTopic().setTopic(SweepFixture.TOPIC).setPartitions(List.of(
        new OffsetForLeaderEpochRequestData.OffsetForLeaderPartition().setPartition(partition)
            .setCurrentLeaderEpoch(currentLeaderEpoch).setLeaderEpoch(leaderEpoch))));
    OffsetsForLeaderEpochResponse response = wire.send(ApiKeys.OFFSET_FOR_LEADER_EPOCH, v,
        new OffsetForLeaderEpochRequestData().setReplicaId(-1).setTopics(topics));
    return response.data().topics().find(SweepFixture.TOPIC).partitions().get(0);
  }

  /** The fixture's records were written in epoch 0, before the restart that made the current epoch. */
  private void offsetForLeaderEpoch(short v) throws Exception {
    var current = endOffset(v, 0, fixture.leaderEpoch, fixture.leaderEpoch);
    assertError(Errors.NONE, current.errorCode());
    assertEquals(fixture.leaderEpoch, current.leaderEpoch());
    assertEquals(SweepFixture.RECORDS_PER_PARTITION, current.endOffset(), "the current epoch ends at the log end");
    var first = endOffset(v, 0, -1, 0);
    assertError(Errors.NONE, first.errorCode());
    assertEquals(0, first.leaderEpoch());
    assertEquals(SweepFixture.RECORDS_PER_PARTITION, first.endOffset(), "epoch 0 ends where the next began");
    assertError(Errors.FENCED_LEADER_EPOCH, endOffset(v, 0, fixture.leaderEpoch - 1, 0).errorCode());
    assertError(Errors.UNKNOWN_LEADER_EPOCH, endOffset(v, 0, fixture.leaderEpoch + 1, 0).errorCode());
    var unknown = endOffset(v, 9, -1, 0);
    assertError(Errors.UNKNOWN_TOPIC_OR_PARTITION, unknown.errorCode());
    assertEquals(-1L, unknown.endOffset());
  }

  private void listOffsets(short v) throws Exception {
    var earliest = single(listOffsets(v, SweepFixture.TOPIC, 0, ListOffsetsRequest.EARLIEST_TIMESTAMP));
    assertError(Errors.NONE, earliest.errorCode());
    assertEquals(0L, earliest.offset());
    if (v >= 4) {
      assertEquals(fixture.leaderEpoch, earliest.leaderEpoch());
      long latest = ListOffsetsRequest.LATEST_TIMESTAMP;
      assertError(Errors.FENCED_LEADER_EPOCH, single(listOffsets(v, SweepFixture.TOPIC, 0, latest, fixture.leaderEpoch - 1)).errorCode());
      assertError(Errors.UNKNOWN_LEADER_EPOCH, single(listOffsets(v, SweepFixture.TOPIC, 0, latest, fixture.leaderEpoch + 1)).errorCode());
    }
    var latest = single(listOffsets(v, SweepFixture.TOPIC, 0, ListOffsetsRequest.LATEST_TIMESTAMP));
    assertEquals(SweepFixture.RECORDS_PER_PARTITION, latest.offset());
    var byTime = single(listOffsets(v, SweepFixture.TOPIC, 2, fixture.firstTimestamp + 4_500));
    assertError(Errors.NONE, byTime.errorCode());
    assertEquals(5L, byTime.offset());
    assertEquals(fixture.firstTimestamp + 5_000, byTime.timestamp());
    if (v >= 7) {
      var max = single(listOffsets(v, SweepFixture.TOPIC, 1, ListOffsetsRequest.MAX_TIMESTAMP));
      assertEquals(SweepFixture.RECORDS_PER_PARTITION - 1, max.offset());
    }
    var unknown = single(listOffsets(v, SweepFixture.TOPIC, 9, ListOffsetsRequest.LATEST_TIMESTAMP));
    assertError(Errors.UNKNOWN_TOPIC_OR_PARTITION, unknown.errorCode());
  }

  private void initProducerId(short v) throws Exception {
    var data = new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(Integer.MAX_VALUE);
    InitProducerIdResponse response = wire.send(ApiKeys.INIT_PRODUCER_ID, v, data);
    assertError(Errors.NONE, response.data().errorCode());
    long producerId = response.data().producerId();
    assertTrue(producerId >= 0, "producer id");
    // the id works for an idempotent produce; a replay of the same batch is answered with the first offset
    String topic = "sweep-idempotent-v" + v;
    createTopic(topic, 1, Map.of());
    var batch = MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, response.data().producerEpoch(), 0,
        new SimpleRecord(1L, "k".getBytes(), "v".getBytes()));
    ProduceResponse first = wire.send(ApiKeys.PRODUCE, (short) 9, produceData(topic, 0, batch).setAcks((short) -1));
    assertNoErrors(first);
    var replay = MemoryRecords.withIdempotentRecords(Compression.NONE, producerId, response.data().producerEpoch(), 0,
        new SimpleRecord(1L, "k".getBytes(), "v".getBytes()));
    ProduceResponse duplicate = wire.send(ApiKeys.PRODUCE, (short) 9, produceData(topic, 0, replay).setAcks((short) -1));
    assertNoErrors(duplicate);
    assertEquals(0L, duplicate.data().responses().find(topic).partitionResponses().get(0).baseOffset());
    if (v >= 3) {
      // a bump of an existing idempotent producer's epoch (KIP-360)
      var bump = new InitProducerIdRequestData().setTransactionalId(null).setTransactionTimeoutMs(Integer.MAX_VALUE)
          .setProducerId(producerId).setProducerEpoch(response.data().producerEpoch());
      InitProducerIdResponse bumped = wire.send(ApiKeys.INIT_PRODUCER_ID, v, bump);
      assertError(Errors.NONE, bumped.data().errorCode());
    }
    transactions.initProducerId(v);
  }

  // ---- admin

  private void createTopic(String name, int partitions, Map<String, String> configs) throws Exception {
    var topic = new CreatableTopic().setName(name).setNumPartitions(partitions).setReplicationFactor((short) 1);
    configs.forEach((k, val) -> topic.configs().add(new CreateTopicsRequestData.CreatableTopicConfig().setName(k).setValue(val)));
    var data = new CreateTopicsRequestData().setTimeoutMs(10_000);
    data.topics().add(topic);
    CreateTopicsResponse response = wire.send(ApiKeys.CREATE_TOPICS, (short) 7, data);
    assertNoErrors(response);
  }

  private void createTopics(short v) throws Exception {
    String name = "sweep-create-v" + v;
    var topic = new CreatableTopic().setName(name).setNumPartitions(2).setReplicationFactor((short) 1);
    topic.configs().add(new CreateTopicsRequestData.CreatableTopicConfig().setName("retention.ms").setValue("3600000"));
    var data = new CreateTopicsRequestData().setTimeoutMs(10_000);
    data.topics().add(topic);
    CreateTopicsResponse response = wire.send(ApiKeys.CREATE_TOPICS, v, data);
    assertNoErrors(response);
    var result = response.data().topics().find(name);
    if (v >= 5) {
      assertEquals(2, result.numPartitions());
      assertEquals((short) 1, result.replicationFactor());
      assertTrue(result.configs().stream().anyMatch(c -> c.name().equals("retention.ms") && c.value().equals("3600000")));
    }
    if (v >= 7) assertNotEquals(Uuid.ZERO_UUID, result.topicId());
    CreateTopicsResponse again = wire.send(ApiKeys.CREATE_TOPICS, v, data);
    assertError(Errors.TOPIC_ALREADY_EXISTS, again.data().topics().find(name).errorCode());
  }

  private void deleteTopics(short v) throws Exception {
    String name = "sweep-delete-v" + v;
    createTopic(name, 1, Map.of());
    var data = new DeleteTopicsRequestData().setTimeoutMs(10_000);
    if (v >= 6) data.setTopics(List.of(new DeleteTopicState().setName(name)));
    else data.setTopicNames(List.of(name));
    DeleteTopicsResponse response = wire.send(ApiKeys.DELETE_TOPICS, v, data);
    assertNoErrors(response);
    DeleteTopicsResponse again = wire.send(ApiKeys.DELETE_TOPICS, v, data);
    assertRefused(again, Errors.UNKNOWN_TOPIC_OR_PARTITION);
  }

  private void createPartitions(short v) throws Exception {
    String name = "sweep-partitions-v" + v;
    createTopic(name, 1, Map.of());
    var data = new CreatePartitionsRequestData().setTimeoutMs(10_000).setValidateOnly(false);
    data.topics().add(new CreatePartitionsTopic().setName(name).setCount(3).setAssignments(null));
    CreatePartitionsResponse response = wire.send(ApiKeys.CREATE_PARTITIONS, v, data);
    assertNoErrors(response);
    CreatePartitionsResponse fewer = wire.send(ApiKeys.CREATE_PARTITIONS, v, data.duplicate());
    assertRefused(fewer, Errors.INVALID_PARTITIONS);
  }

  private void describeConfigs(short v) throws Exception {
    var data = new DescribeConfigsRequestData().setResources(List.of(
        new DescribeConfigsResource().setResourceType((byte) 2).setResourceName(SweepFixture.COMPACTED).setConfigurationKeys(null),
        new DescribeConfigsResource().setResourceType((byte) 4).setResourceName(Integer.toString(nodeId)).setConfigurationKeys(null)));
    if (v >= 1) data.setIncludeSynonyms(true);
    if (v >= 3) data.setIncludeDocumentation(true);
    DescribeConfigsResponse response = wire.send(ApiKeys.DESCRIBE_CONFIGS, v, data);
    assertNoErrors(response);
    var topic = response.data().results().get(0);
    var policy = topic.configs().stream().filter(c -> c.name().equals("cleanup.policy")).findFirst().orElseThrow();
    assertEquals("compact", policy.value());
    if (v == 0) assertFalse(policy.isDefault(), "a topic override is not a default (v0's is_default)");
    else assertEquals(1, policy.configSource(), "TOPIC_CONFIG source");
    assertFalse(response.data().results().get(1).configs().isEmpty(), "broker configs");
  }

  private void incrementalAlterConfigs(short v) throws Exception {
    String name = "sweep-alter-v" + v;
    createTopic(name, 1, Map.of());
    var resource = new AlterConfigsResource().setResourceType((byte) 2).setResourceName(name);
    resource.configs().add(new AlterableConfig().setName("retention.ms").setConfigOperation((byte) 0).setValue("120000"));
    var data = new IncrementalAlterConfigsRequestData().setValidateOnly(false);
    data.resources().add(resource);
    IncrementalAlterConfigsResponse response = wire.send(ApiKeys.INCREMENTAL_ALTER_CONFIGS, v, data);
    assertNoErrors(response);
    var bad = new AlterConfigsResource().setResourceType((byte) 2).setResourceName(name);
    bad.configs().add(new AlterableConfig().setName("no.such.config").setConfigOperation((byte) 0).setValue("1"));
    var badData = new IncrementalAlterConfigsRequestData();
    badData.resources().add(bad);
    IncrementalAlterConfigsResponse refused = wire.send(ApiKeys.INCREMENTAL_ALTER_CONFIGS, v, badData);
    assertRefused(refused, Errors.INVALID_CONFIG);
  }

  private void describeCluster(short v) throws Exception {
    var data = new DescribeClusterRequestData();
    if (v >= 1) data.setEndpointType((byte) 1);
    DescribeClusterResponse response = wire.send(ApiKeys.DESCRIBE_CLUSTER, v, data);
    assertError(Errors.NONE, response.data().errorCode());
    assertEquals(nodeId, response.data().brokers().iterator().next().brokerId());
    assertEquals(nodeId, response.data().controllerId());
  }

  /**
   * The sweep topic's partitions two at a time: the first answer stops at partition 2 with a cursor, the next starts
   * there; a topic that does not exist is named as such; a cursor outside the named topics is refused.
   */
  private void describeTopicPartitions(short v) throws Exception {
    String missing = "sweep-no-such-topic-v" + v;
    var data = new DescribeTopicPartitionsRequestData().setResponsePartitionLimit(2).setTopics(List.of(
        new DescribeTopicPartitionsRequestData.TopicRequest().setName(SweepFixture.TOPIC),
        new DescribeTopicPartitionsRequestData.TopicRequest().setName(missing)));
    DescribeTopicPartitionsResponse first = wire.send(ApiKeys.DESCRIBE_TOPIC_PARTITIONS, v, data);
    var sweep = first.data().topics().find(SweepFixture.TOPIC);
    assertError(Errors.NONE, sweep.errorCode());
    assertEquals(List.of(0, 1), sweep.partitions().stream().map(p -> p.partitionIndex()).toList());
    for (var p : sweep.partitions()) {
      assertEquals(nodeId, p.leaderId());
      assertEquals(List.of(nodeId), p.replicaNodes());
      assertEquals(List.of(nodeId), p.isrNodes());
      assertTrue(p.offlineReplicas().isEmpty());
    }
    assertEquals(SweepFixture.TOPIC, first.data().nextCursor().topicName());
    assertEquals(2, first.data().nextCursor().partitionIndex());

    DescribeTopicPartitionsResponse next = wire.send(ApiKeys.DESCRIBE_TOPIC_PARTITIONS, v, data.duplicate()
        .setCursor(new DescribeTopicPartitionsRequestData.Cursor().setTopicName(SweepFixture.TOPIC).setPartitionIndex(2)));
    assertEquals(List.of(2), next.data().topics().find(SweepFixture.TOPIC).partitions().stream()
        .map(p -> p.partitionIndex()).toList());
    assertError(Errors.UNKNOWN_TOPIC_OR_PARTITION, next.data().topics().find(missing).errorCode());
    assertEquals(null, next.data().nextCursor());

    DescribeTopicPartitionsResponse refused = wire.send(ApiKeys.DESCRIBE_TOPIC_PARTITIONS, v, data.duplicate()
        .setCursor(new DescribeTopicPartitionsRequestData.Cursor().setTopicName("sweep-elsewhere").setPartitionIndex(0)));
    assertRefused(refused, Errors.INVALID_REQUEST);
  }

  private void deleteRecords(short v) throws Exception {
    String name = "sweep-delete-records-v" + v;
    createTopic(name, 1, Map.of());
    wire.send(ApiKeys.PRODUCE, (short) 9, produceData(name, 0, records(1L, "a", "b", "c")));
    var data = new DeleteRecordsRequestData().setTimeoutMs(10_000).setTopics(List.of(new DeleteRecordsTopic().setName(name)
        .setPartitions(List.of(new DeleteRecordsPartition().setPartitionIndex(0).setOffset(2)))));
    DeleteRecordsResponse response = wire.send(ApiKeys.DELETE_RECORDS, v, data);
    assertNoErrors(response);
    assertEquals(2L, response.data().topics().find(name).partitions().find(0).lowWatermark());
    var beyond = new DeleteRecordsRequestData().setTimeoutMs(10_000).setTopics(List.of(new DeleteRecordsTopic().setName(name)
        .setPartitions(List.of(new DeleteRecordsPartition().setPartitionIndex(0).setOffset(99)))));
    DeleteRecordsResponse refused = wire.send(ApiKeys.DELETE_RECORDS, v, beyond);
    assertRefused(refused, Errors.OFFSET_OUT_OF_RANGE);
  }

  /**
   * One node leads every partition it prefers, so a PREFERRED election is never needed; elections that move leaders
   * are the two-node tests' (TwoNodeLeaderElectionTest).
   */
  private void electLeaders(short v) throws Exception {
    var named = new TopicPartitionsCollection();
    named.add(new TopicPartitions().setTopic(SweepFixture.TOPIC).setPartitions(List.of(0, 2)));
    named.add(new TopicPartitions().setTopic("sweep-missing-election-v" + v).setPartitions(List.of(0)));
    var data = new ElectLeadersRequestData().setTimeoutMs(10_000).setTopicPartitions(named);
    if (v >= 1) data.setElectionType((byte) 0);
    ElectLeadersResponse response = wire.send(ApiKeys.ELECT_LEADERS, v, data);
    assertError(Errors.NONE, response.data().errorCode());
    var results = response.data().replicaElectionResults();
    assertEquals(2, results.size());
    assertEquals(SweepFixture.TOPIC, results.get(0).topic());
    assertEquals(List.of(0, 2), results.get(0).partitionResult().stream().map(p -> p.partitionId()).toList());
    results.get(0).partitionResult().forEach(p -> assertError(Errors.ELECTION_NOT_NEEDED, p.errorCode()));
    assertError(Errors.UNKNOWN_TOPIC_OR_PARTITION, results.get(1).partitionResult().get(0).errorCode());
    assertEquals("No such topic as sweep-missing-election-v" + v, results.get(1).partitionResult().get(0).errorMessage());

    // every partition (null): none needs an election, so every topic is answered without partitions
    ElectLeadersResponse all = wire.send(ApiKeys.ELECT_LEADERS, v, data.duplicate().setTopicPartitions(null));
    assertNoErrors(all);
    var sweep = all.data().replicaElectionResults().stream().filter(r -> r.topic().equals(SweepFixture.TOPIC)).findFirst().orElseThrow();
    assertTrue(sweep.partitionResult().isEmpty(), "no partition needed an election: " + sweep);

    if (v >= 1) {
      var unclean = data.duplicate().setElectionType((byte) 1);
      ElectLeadersResponse led = wire.send(ApiKeys.ELECT_LEADERS, v, unclean);
      led.data().replicaElectionResults().get(0).partitionResult().forEach(p -> assertError(Errors.ELECTION_NOT_NEEDED, p.errorCode()));
      // an election type Kafka does not know refuses the whole request, at the top and for each partition
      ElectLeadersResponse unknown = wire.send(ApiKeys.ELECT_LEADERS, v, data.duplicate().setElectionType((byte) 7));
      assertError(Errors.INVALID_REQUEST, unknown.data().errorCode());
      assertRefused(unknown, Errors.INVALID_REQUEST);
    }
  }

  /**
   * One node can only "reassign" a partition to itself, which changes nothing and is answered NONE; the errors are
   * Kafka's, per partition. Reassignments that move data are the cluster tests' (PartitionReassignmentTest).
   */
  private void alterPartitionReassignments(short v) throws Exception {
    var partitions = new ArrayList<AlterPartitionReassignmentsRequestData.ReassignablePartition>();
    partitions.add(new AlterPartitionReassignmentsRequestData.ReassignablePartition().setPartitionIndex(0).setReplicas(List.of(nodeId)));
    partitions.add(new AlterPartitionReassignmentsRequestData.ReassignablePartition().setPartitionIndex(1).setReplicas(null));
    partitions.add(new AlterPartitionReassignmentsRequestData.ReassignablePartition().setPartitionIndex(2).setReplicas(List.of(nodeId, 999)));
    partitions.add(new AlterPartitionReassignmentsRequestData.ReassignablePartition().setPartitionIndex(2).setReplicas(List.of(nodeId, nodeId)));
    partitions.add(new AlterPartitionReassignmentsRequestData.ReassignablePartition().setPartitionIndex(2).setReplicas(List.of()));
    partitions.add(new AlterPartitionReassignmentsRequestData.ReassignablePartition().setPartitionIndex(SweepFixture.PARTITIONS).setReplicas(List.of(nodeId)));
    String missing = "sweep-missing-reassignment-v" + v;
    var data = new AlterPartitionReassignmentsRequestData().setTimeoutMs(10_000).setTopics(List.of(
        new AlterPartitionReassignmentsRequestData.ReassignableTopic().setName(SweepFixture.TOPIC).setPartitions(partitions),
        new AlterPartitionReassignmentsRequestData.ReassignableTopic().setName(missing).setPartitions(List.of(
            new AlterPartitionReassignmentsRequestData.ReassignablePartition().setPartitionIndex(0).setReplicas(List.of(nodeId))))));
    AlterPartitionReassignmentsResponse response = wire.send(ApiKeys.ALTER_PARTITION_REASSIGNMENTS, v, data);
    assertError(Errors.NONE, response.data().errorCode());
    var topics = response.data().responses();
    assertEquals(List.of(SweepFixture.TOPIC, missing), topics.stream().map(t -> t.name()).toList());
    var results = topics.get(0).partitions();
    assertEquals(List.of(0, 1, 2, 2, 2, SweepFixture.PARTITIONS), results.stream().map(p -> p.partitionIndex()).toList());
    assertError(Errors.NONE, results.get(0).errorCode());
    assertEquals(null, results.get(0).errorMessage());
    assertError(Errors.NO_REASSIGNMENT_IN_PROGRESS, results.get(1).errorCode());
    assertError(Errors.INVALID_REPLICA_ASSIGNMENT, results.get(2).errorCode());
    assertEquals("The manual partition assignment includes broker 999, but no such broker is registered.", results.get(2).errorMessage());
    assertEquals("The manual partition assignment includes the broker " + nodeId + " more than once.", results.get(3).errorMessage());
    assertEquals("The manual partition assignment includes an empty replica list.", results.get(4).errorMessage());
    assertError(Errors.UNKNOWN_TOPIC_OR_PARTITION, results.get(5).errorCode());
    assertEquals("Unable to find partition " + SweepFixture.TOPIC + ":" + SweepFixture.PARTITIONS + ".", results.get(5).errorMessage());
    assertError(Errors.UNKNOWN_TOPIC_OR_PARTITION, topics.get(1).partitions().get(0).errorCode());
    assertEquals("Unable to find a topic named " + missing + ".", topics.get(1).partitions().get(0).errorMessage());

    // a deadline that has passed: REQUEST_TIMED_OUT at the top and for every partition
    AlterPartitionReassignmentsResponse expired = wire.send(ApiKeys.ALTER_PARTITION_REASSIGNMENTS, v, data.duplicate().setTimeoutMs(0));
    assertError(Errors.REQUEST_TIMED_OUT, expired.data().errorCode());
    assertRefused(expired, Errors.REQUEST_TIMED_OUT);
  }

  /** Nothing is being reassigned on one node: every form of the request answers no topics. */
  private void listPartitionReassignments(short v) throws Exception {
    var all = new ListPartitionReassignmentsRequestData().setTimeoutMs(10_000).setTopics(null);
    ListPartitionReassignmentsResponse everything = wire.send(ApiKeys.LIST_PARTITION_REASSIGNMENTS, v, all);
    assertNoErrors(everything);
    assertEquals(List.of(), everything.data().topics());
    var named = new ListPartitionReassignmentsRequestData().setTimeoutMs(10_000).setTopics(List.of(
        new ListPartitionReassignmentsRequestData.ListPartitionReassignmentsTopics().setName(SweepFixture.TOPIC).setPartitionIndexes(List.of(0, 1, 99)),
        new ListPartitionReassignmentsRequestData.ListPartitionReassignmentsTopics().setName("sweep-missing-list-v" + v).setPartitionIndexes(List.of(0))));
    ListPartitionReassignmentsResponse some = wire.send(ApiKeys.LIST_PARTITION_REASSIGNMENTS, v, named);
    assertNoErrors(some);
    assertEquals(List.of(), some.data().topics());
  }

  // ---- groups

  private void findCoordinator(short v) throws Exception {
    var data = new FindCoordinatorRequestData();
    if (v >= 4) data.setCoordinatorKeys(List.of(SweepFixture.GROUP, "other-group")).setKeyType((byte) 0);
    else data.setKey(SweepFixture.GROUP);
    FindCoordinatorResponse response = wire.send(ApiKeys.FIND_COORDINATOR, v, data);
    assertNoErrors(response);
    if (v >= 4) {
      assertEquals(2, response.data().coordinators().size());
      response.data().coordinators().forEach(c -> assertEquals(nodeId, c.nodeId()));
    } else {
      assertEquals(nodeId, response.data().nodeId());
    }
    transactions.findCoordinator(v);
  }

  private static byte[] subscription() {
    return Utils.toArray(ConsumerProtocol.serializeSubscription(new Subscription(List.of(SweepFixture.TOPIC))));
  }

  private JoinGroupRequestData joinData(short v, String group, String memberId) {
    var protocols = new JoinGroupRequestProtocolCollection();
    protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(subscription()));
    var data = new JoinGroupRequestData().setGroupId(group).setSessionTimeoutMs(30_000).setMemberId(memberId)
        .setProtocolType("consumer").setProtocols(protocols);
    if (v >= 1) data.setRebalanceTimeoutMs(30_000);
    if (v >= 5) data.setGroupInstanceId(null);
    if (v >= 8) data.setReason("sweep");
    return data;
  }

  /** A member that joined {@code group} at version {@code v}; for v4+ after the MEMBER_ID_REQUIRED round. */
  private JoinGroupResponse join(short v, String group) throws Exception {
    JoinGroupResponse first = wire.send(ApiKeys.JOIN_GROUP, v, joinData(v, group, ""));
    if (v < 4) return first;
    assertError(Errors.MEMBER_ID_REQUIRED, first.data().errorCode());
    assertFalse(first.data().memberId().isEmpty(), "member id to rejoin with");
    return wire.send(ApiKeys.JOIN_GROUP, v, joinData(v, group, first.data().memberId()));
  }

  private void joinGroup(short v) throws Exception {
    String group = "sweep-join-v" + v;
    JoinGroupResponse response = join(v, group);
    assertError(Errors.NONE, response.data().errorCode());
    assertEquals(1, response.data().generationId());
    assertEquals(response.data().memberId(), response.data().leader());
    assertEquals("range", response.data().protocolName());
    if (v >= 7) assertEquals("consumer", response.data().protocolType());
    assertEquals(1, response.data().members().size());
    var mismatch = joinData(v, group, "").setProtocolType("connect");
    JoinGroupResponse refused = wire.send(ApiKeys.JOIN_GROUP, v, mismatch);
    assertError(Errors.INCONSISTENT_GROUP_PROTOCOL, refused.data().errorCode());
  }

  /** A group whose only member has joined and synced at the latest versions; returns [memberId, generation]. */
  private Object[] stableGroup(String group) throws Exception {
    short joinVersion = ApiKeys.JOIN_GROUP.latestVersion();
    JoinGroupResponse joined = join(joinVersion, group);
    assertError(Errors.NONE, joined.data().errorCode());
    var sync = new SyncGroupRequestData().setGroupId(group).setGenerationId(joined.data().generationId())
        .setMemberId(joined.data().memberId()).setProtocolType("consumer").setProtocolName("range")
        .setAssignments(List.of(new SyncGroupRequestAssignment().setMemberId(joined.data().memberId()).setAssignment(new byte[] {1})));
    SyncGroupResponse synced = wire.send(ApiKeys.SYNC_GROUP, ApiKeys.SYNC_GROUP.latestVersion(), sync);
    assertError(Errors.NONE, synced.data().errorCode());
    return new Object[] {joined.data().memberId(), joined.data().generationId()};
  }

  private void syncGroup(short v) throws Exception {
    String group = "sweep-sync-v" + v;
    JoinGroupResponse joined = join(ApiKeys.JOIN_GROUP.latestVersion(), group);
    byte[] assignment = "assignment".getBytes();
    var data = new SyncGroupRequestData().setGroupId(group).setGenerationId(joined.data().generationId())
        .setMemberId(joined.data().memberId())
        .setAssignments(List.of(new SyncGroupRequestAssignment().setMemberId(joined.data().memberId()).setAssignment(assignment)));
    if (v >= 3) data.setGroupInstanceId(null);
    if (v >= 5) data.setProtocolType("consumer").setProtocolName("range");
    SyncGroupResponse response = wire.send(ApiKeys.SYNC_GROUP, v, data);
    assertError(Errors.NONE, response.data().errorCode());
    assertEquals("assignment", new String(response.data().assignment()));
    if (v >= 5) assertEquals("range", response.data().protocolName());
    var stale = data.duplicate().setGenerationId(joined.data().generationId() + 5);
    SyncGroupResponse refused = wire.send(ApiKeys.SYNC_GROUP, v, stale);
    assertError(Errors.ILLEGAL_GENERATION, refused.data().errorCode());
  }

  private void heartbeat(short v) throws Exception {
    String group = "sweep-heartbeat-v" + v;
    Object[] member = stableGroup(group);
    var data = new HeartbeatRequestData().setGroupId(group).setMemberId((String) member[0]).setGenerationId((int) member[1]);
    if (v >= 3) data.setGroupInstanceId(null);
    HeartbeatResponse response = wire.send(ApiKeys.HEARTBEAT, v, data);
    assertError(Errors.NONE, response.data().errorCode());
    HeartbeatResponse unknown = wire.send(ApiKeys.HEARTBEAT, v, data.duplicate().setMemberId("nobody"));
    assertError(Errors.UNKNOWN_MEMBER_ID, unknown.data().errorCode());
  }

  private void leaveGroup(short v) throws Exception {
    String group = "sweep-leave-v" + v;
    Object[] member = stableGroup(group);
    var data = new LeaveGroupRequestData().setGroupId(group);
    if (v >= 3) {
      var identity = new MemberIdentity().setMemberId((String) member[0]).setGroupInstanceId(null);
      if (v >= 5) identity.setReason("sweep");
      data.setMembers(List.of(identity));
    } else {
      data.setMemberId((String) member[0]);
    }
    LeaveGroupResponse response = wire.send(ApiKeys.LEAVE_GROUP, v, data);
    assertNoErrors(response);
    LeaveGroupResponse again = wire.send(ApiKeys.LEAVE_GROUP, v, data);
    assertRefused(again, Errors.UNKNOWN_MEMBER_ID);
  }

  private OffsetCommitRequestData commitData(short v, String group, long offset) {
    var partition = new OffsetCommitRequestPartition().setPartitionIndex(1).setCommittedOffset(offset).setCommittedMetadata("m" + offset);
    if (v >= 6) partition.setCommittedLeaderEpoch(0);
    if (v == 1) partition.setCommitTimestamp(-1L);
    var data = new OffsetCommitRequestData().setGroupId(group)
        .setTopics(List.of(new OffsetCommitRequestTopic().setName(SweepFixture.TOPIC).setPartitions(List.of(partition))));
    if (v >= 1) data.setGenerationIdOrMemberEpoch(-1).setMemberId("");
    if (v >= 2 && v <= 4) data.setRetentionTimeMs(-1L);
    if (v >= 7) data.setGroupInstanceId(null);
    return data;
  }

  private void offsetCommit(short v) throws Exception {
    String group = "sweep-commit-v" + v;
    OffsetCommitResponse response = wire.send(ApiKeys.OFFSET_COMMIT, v, commitData(v, group, 7));
    assertNoErrors(response);
    assertEquals(7L, fetchCommitted(group, 1));
    if (v >= 1) {
      // a commit with a generation into a group with a live member is fenced (the fixture's group)
      var stale = commitData(v, SweepFixture.GROUP, 1).setGenerationIdOrMemberEpoch(999).setMemberId("nobody");
      OffsetCommitResponse refused = wire.send(ApiKeys.OFFSET_COMMIT, v, stale);
      Set<Errors> errors = refused.errorCounts().keySet();
      assertTrue(Set.of(Errors.UNKNOWN_MEMBER_ID, Errors.ILLEGAL_GENERATION).containsAll(errors) && !errors.isEmpty(), "errors " + errors);
    }
  }

  private long fetchCommitted(String group, int partition) throws Exception {
    var data = new OffsetFetchRequestData().setGroups(List.of(new OffsetFetchRequestGroup().setGroupId(group)
        .setTopics(List.of(new OffsetFetchRequestTopics().setName(SweepFixture.TOPIC).setPartitionIndexes(List.of(partition))))));
    OffsetFetchResponse response = wire.send(ApiKeys.OFFSET_FETCH, (short) 8, data);
    return response.data().groups().get(0).topics().get(0).partitions().get(0).committedOffset();
  }

  private void offsetFetch(short v) throws Exception {
    Map<Integer, Long> expected = fixture.committed.entrySet().stream()
        .collect(Collectors.toMap(e -> e.getKey().partition(), Map.Entry::getValue));
    List<Integer> indexes = List.copyOf(expected.keySet());
    OffsetFetchResponse response;
    if (v >= 8) {
      var data = new OffsetFetchRequestData().setRequireStable(true).setGroups(List.of(new OffsetFetchRequestGroup()
          .setGroupId(SweepFixture.GROUP)
          .setTopics(List.of(new OffsetFetchRequestTopics().setName(SweepFixture.TOPIC).setPartitionIndexes(indexes)))));
      response = wire.send(ApiKeys.OFFSET_FETCH, v, data);
      var group = response.data().groups().get(0);
      assertError(Errors.NONE, group.errorCode());
      for (var p : group.topics().get(0).partitions()) {
        assertEquals(expected.get(p.partitionIndex()), p.committedOffset());
        assertEquals(fixture.leaderEpoch, p.committedLeaderEpoch());
        assertEquals("meta-" + p.partitionIndex(), p.metadata());
      }
    } else {
      var data = new OffsetFetchRequestData().setGroupId(SweepFixture.GROUP)
          .setTopics(List.of(new OffsetFetchRequestTopic().setName(SweepFixture.TOPIC).setPartitionIndexes(indexes)));
      if (v >= 7) data.setRequireStable(true);
      response = wire.send(ApiKeys.OFFSET_FETCH, v, data);
      if (v >= 2) assertError(Errors.NONE, response.data().errorCode());
      for (var p : response.data().topics().get(0).partitions()) {
        assertError(Errors.NONE, p.errorCode());
        assertEquals(expected.get(p.partitionIndex()), p.committedOffset());
        if (v >= 5) assertEquals(fixture.leaderEpoch, p.committedLeaderEpoch());
        assertEquals("meta-" + p.partitionIndex(), p.metadata());
      }
      if (v >= 2) {
        // null topics: every committed offset of the group
        var all = new OffsetFetchRequestData().setGroupId(SweepFixture.GROUP).setTopics(null);
        if (v >= 7) all.setRequireStable(false);
        OffsetFetchResponse allResponse = wire.send(ApiKeys.OFFSET_FETCH, v, all);
        assertEquals(SweepFixture.PARTITIONS, allResponse.data().topics().get(0).partitions().size());
      }
    }
  }

  private void offsetDelete(short v) throws Exception {
    String group = "sweep-offset-delete-v" + v;
    wire.send(ApiKeys.OFFSET_COMMIT, (short) 8, commitData((short) 8, group, 4));
    var topics = new OffsetDeleteRequestTopicCollection();
    topics.add(new OffsetDeleteRequestTopic().setName(SweepFixture.TOPIC)
        .setPartitions(List.of(new OffsetDeleteRequestPartition().setPartitionIndex(1))));
    OffsetDeleteResponse response = wire.send(ApiKeys.OFFSET_DELETE, v,
        new OffsetDeleteRequestData().setGroupId(group).setTopics(topics));
    assertNoErrors(response);
    assertEquals(-1L, fetchCommitted(group, 1));
    var subscribed = new OffsetDeleteRequestTopicCollection();
    subscribed.add(new OffsetDeleteRequestTopic().setName(SweepFixture.TOPIC)
        .setPartitions(List.of(new OffsetDeleteRequestPartition().setPartitionIndex(0))));
    OffsetDeleteResponse refused = wire.send(ApiKeys.OFFSET_DELETE, v,
        new OffsetDeleteRequestData().setGroupId(SweepFixture.GROUP).setTopics(subscribed));
    assertRefused(refused, Errors.GROUP_SUBSCRIBED_TO_TOPIC);
  }

  private void listGroups(short v) throws Exception {
    var data = new ListGroupsRequestData();
    if (v >= 4) data.setStatesFilter(List.of("Stable"));
    if (v >= 5) data.setTypesFilter(List.of("classic"));
    ListGroupsResponse response = wire.send(ApiKeys.LIST_GROUPS, v, data);
    assertError(Errors.NONE, response.data().errorCode());
    var group = response.data().groups().stream().filter(g -> g.groupId().equals(SweepFixture.GROUP)).findFirst().orElseThrow();
    assertEquals("consumer", group.protocolType());
    if (v >= 4) assertEquals("Stable", group.groupState());
    if (v >= 5) assertEquals("classic", group.groupType());
  }

  private void describeGroups(short v) throws Exception {
    var data = new DescribeGroupsRequestData().setGroups(List.of(SweepFixture.GROUP, "sweep-no-such-group"));
    if (v >= 3) data.setIncludeAuthorizedOperations(true);
    DescribeGroupsResponse response = wire.send(ApiKeys.DESCRIBE_GROUPS, v, data);
    assertNoErrors(response);
    var group = response.data().groups().get(0);
    assertEquals("Stable", group.groupState());
    assertEquals(1, group.members().size());
    assertFalse(group.members().get(0).memberAssignment().length == 0, "assignment");
    assertEquals("Dead", response.data().groups().get(1).groupState());
  }

  private void deleteGroups(short v) throws Exception {
    String group = "sweep-delete-group-v" + v;
    wire.send(ApiKeys.OFFSET_COMMIT, (short) 8, commitData((short) 8, group, 4));
    DeleteGroupsResponse response = wire.send(ApiKeys.DELETE_GROUPS, v,
        new DeleteGroupsRequestData().setGroupsNames(List.of(group)));
    assertNoErrors(response);
    DeleteGroupsResponse active = wire.send(ApiKeys.DELETE_GROUPS, v,
        new DeleteGroupsRequestData().setGroupsNames(List.of(SweepFixture.GROUP)));
    assertRefused(active, Errors.NON_EMPTY_GROUP);
  }
}
