package io.tributary.protocol;

import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Which handler serves which API, and from which version. The lowest versions are those that
 * carry v2 record batches (Produce v3, Fetch v4) or that Kafka clients of that era send; the
 * highest are what kafka-clients 3.9 can parse.
 */
public final class KafkaApis {
  private KafkaApis() {}

  public static void registerAll(ApiRegistry registry, BrokerContext broker, FetchSessions.Settings fetchSessions,
                                 int fetchReadChunkBytes) {
    registry.register(ApiKeys.METADATA, 0, new MetadataHandler(broker));
    // transactional writes are verified with their coordinator (KIP-890 part 1) when this node runs coordinators
    boolean verify = broker.transactions() != null && broker.transactions().settings().partitionVerification();
    registry.register(ApiKeys.PRODUCE, 3, verify ? new ProduceHandler(broker, new CoordinatorVerifier(broker.transactions()))
        : new ProduceHandler(broker));
    registry.register(ApiKeys.FETCH, 4, new FetchHandler(broker, new FetchSessions(fetchSessions), fetchReadChunkBytes));
    registry.register(ApiKeys.LIST_OFFSETS, 1, new ListOffsetsHandler(broker));
    // v3 is the first with a replica id; clients use it to validate their position after a leader change
    registry.register(ApiKeys.OFFSET_FOR_LEADER_EPOCH, 3, new OffsetForLeaderEpochHandler(broker));
    registry.register(ApiKeys.INIT_PRODUCER_ID, 0, new InitProducerIdHandler(broker));
    // transactions, the partition side: markers from a coordinator, and the producer state of a partition
    registry.register(ApiKeys.WRITE_TXN_MARKERS, 0, new WriteTxnMarkersHandler(broker,
        broker.system().settings().config().getInt("tributary.txn.marker.write.timeout.ms")));
    registry.register(ApiKeys.DESCRIBE_PRODUCERS, 0, new DescribeProducersHandler(broker));
    registry.register(ApiKeys.CREATE_TOPICS, 0, new CreateTopicsHandler(broker));
    registry.register(ApiKeys.DELETE_TOPICS, 0, new DeleteTopicsHandler(broker));
    registry.register(ApiKeys.CREATE_PARTITIONS, 0, new CreatePartitionsHandler(broker));
    registry.register(ApiKeys.DESCRIBE_CONFIGS, 0, new DescribeConfigsHandler(broker));
    registry.register(ApiKeys.INCREMENTAL_ALTER_CONFIGS, 0, new IncrementalAlterConfigsHandler(broker));
    registry.register(ApiKeys.DESCRIBE_CLUSTER, 0, new DescribeClusterHandler(broker));
    registry.register(ApiKeys.DESCRIBE_TOPIC_PARTITIONS, 0, new DescribeTopicPartitionsHandler(broker,
        broker.system().settings().config().getInt("tributary.max.request.partition.size.limit")));
    registry.register(ApiKeys.DELETE_RECORDS, 0, new DeleteRecordsHandler(broker));
    registry.register(ApiKeys.ELECT_LEADERS, 0, new ElectLeadersHandler(broker));
    registry.register(ApiKeys.ALTER_PARTITION_REASSIGNMENTS, 0, new AlterPartitionReassignmentsHandler(broker));
    registry.register(ApiKeys.LIST_PARTITION_REASSIGNMENTS, 0, new ListPartitionReassignmentsHandler(broker));
    // consumer groups: every version kafka-clients 3.9 parses (v0 is what 0.11-era clients send at the least)
    registry.register(ApiKeys.FIND_COORDINATOR, 0, new FindCoordinatorHandler(broker));
    registry.register(ApiKeys.JOIN_GROUP, 0, new JoinGroupHandler(broker));
    registry.register(ApiKeys.SYNC_GROUP, 0, new SyncGroupHandler(broker));
    registry.register(ApiKeys.HEARTBEAT, 0, new HeartbeatHandler(broker));
    registry.register(ApiKeys.LEAVE_GROUP, 0, new LeaveGroupHandler(broker));
    registry.register(ApiKeys.OFFSET_COMMIT, 0, new OffsetCommitHandler(broker));
    registry.register(ApiKeys.OFFSET_FETCH, 0, new OffsetFetchHandler(broker));
    registry.register(ApiKeys.LIST_GROUPS, 0, new ListGroupsHandler(broker));
    registry.register(ApiKeys.DESCRIBE_GROUPS, 0, new DescribeGroupsHandler(broker));
    registry.register(ApiKeys.DELETE_GROUPS, 0, new DeleteGroupsHandler(broker));
    registry.register(ApiKeys.OFFSET_DELETE, 0, new OffsetDeleteHandler(broker));
    if (broker.transactions() != null) {
      // transactions: every version kafka-clients 3.9 parses (v0-3 of AddPartitionsToTxn from clients, v4+ from brokers)
      registry.register(ApiKeys.ADD_PARTITIONS_TO_TXN, 0, new AddPartitionsToTxnHandler(broker));
      registry.register(ApiKeys.ADD_OFFSETS_TO_TXN, 0, new AddOffsetsToTxnHandler(broker));
      registry.register(ApiKeys.END_TXN, 0, new EndTxnHandler(broker));
      registry.register(ApiKeys.TXN_OFFSET_COMMIT, 0, new TxnOffsetCommitHandler(broker));
      registry.register(ApiKeys.DESCRIBE_TRANSACTIONS, 0, new DescribeTransactionsHandler(broker));
      registry.register(ApiKeys.LIST_TRANSACTIONS, 0, new ListTransactionsHandler(broker));
    }
  }
}
