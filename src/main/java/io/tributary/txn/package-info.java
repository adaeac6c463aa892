/**
 * The transaction coordinator (Kafka's TransactionCoordinator, TransactionStateManager and
 * TransactionMarkerChannelManager): one event-sourced {@link io.tributary.txn.TransactionEntity} per transactional
 * id, {@link io.tributary.txn.TransactionCoordinator} as the node's front for the protocol handlers, and {@link
 * io.tributary.txn.TransactionMarkers} to end transactions on the partition leaders.
 *
 * <h2>Decisions</h2>
 *
 * <ul>
 *   <li>Placement as Kafka's: transactional id T is coordinated by the leader of partition {@code abs(hash(T)) %
 *       transaction.state.log.num.partitions} of the internal topic {@code __transaction_state}, created on the first
 *       FindCoordinator of a transactional id with transaction.state.log.replication.factor replicas. The entity runs
 *       on that node only (shard = partition on a node, {@link io.tributary.metadata.NodePinnedAllocation}); its
 *       journal is the groups' (LevelDB on one node, the replicated {@code __transaction_state} partition in a
 *       cluster: {@link io.tributary.group.journal}).
 *   <li>One entity per transactional id rather than per partition: Kafka's per-id metadata lock becomes the entity's
 *       mailbox, so Kafka's "pending state transition" never needs an answer of its own (a command waits while the
 *       previous one's event is persisted). CONCURRENT_TRANSACTIONS is still answered where Kafka answers it while
 *       markers are being written (PrepareCommit/PrepareAbort).
 *   <li>Transaction version 0 (Kafka 3.9's default): EndTxn is answered once PrepareCommit/PrepareAbort is persisted,
 *       the markers follow, then CompleteCommit/CompleteAbort. InitProducerId during an ongoing transaction, and the
 *       timeout of one, abort it with the epoch bumped (Kafka's PrepareEpochFence is folded into the persisted
 *       PrepareAbort, which carries the bumped epoch).
 *   <li>Markers are WriteTxnMarkers requests over the Kafka protocol to each partition's leader (this node's own
 *       listener too), retried against fresh metadata until written; a partition of a deleted topic needs none.
 *       Groups of AddOffsetsToTxn are completed by telling the group's entity (wherever its coordinator runs) instead
 *       of a marker in {@code __consumer_offsets}, since offsets live in the group entities' journal here.
 *   <li>Recovery: when a node starts to lead a transaction-state partition, the registered ids of that partition
 *       (a durable Distributed Data set, as the group registry) recover; a prepared transaction writes its markers
 *       again and completes, an ongoing one is aborted once its timeout passes. Requests for the partition get
 *       COORDINATOR_LOAD_IN_PROGRESS until then.
 *   <li>KIP-890 part 1: Produce asks the coordinator (directly, or with a verify-only AddPartitionsToTxn v4 to the
 *       coordinator's node) before a producer's first transactional batch in a partition.
 * </ul>
 */
package io.tributary.txn;
