package io.tributary.protocol;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.message.AddOffsetsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopic;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTopicCollection;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransaction;
import org.apache.kafka.common.message.AddPartitionsToTxnRequestData.AddPartitionsToTxnTransactionCollection;
import org.apache.kafka.common.message.DescribeTransactionsRequestData;
import org.apache.kafka.common.message.EndTxnRequestData;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.InitProducerIdRequestData;
import org.apache.kafka.common.message.ListTransactionsRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestPartition;
import org.apache.kafka.common.message.TxnOffsetCommitRequestData.TxnOffsetCommitRequestTopic;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddOffsetsToTxnResponse;
import org.apache.kafka.common.requests.AddPartitionsToTxnResponse;
import org.apache.kafka.common.requests.DescribeTransactionsResponse;
import org.apache.kafka.common.requests.EndTxnResponse;
import org.apache.kafka.common.requests.FindCoordinatorResponse;
import org.apache.kafka.common.requests.InitProducerIdResponse;
import org.apache.kafka.common.requests.ListTransactionsResponse;
import org.apache.kafka.common.requests.OffsetFetchResponse;
import org.apache.kafka.common.requests.TxnOffsetCommitResponse;

/**
 * The sweep's scenarios of the transaction coordinator's APIs (see {@link VersionScenarios}): each version with its own
 * transactional ids, against the sweep topic, with Kafka's answers for the errors each version can express.
 */
final class TransactionScenarios {
  private final WireClient wire;
  private final int nodeId;

  TransactionScenarios(WireClient wire, int nodeId) {
    this.wire = wire;
    this.nodeId = nodeId;
  }

  /** The errors a client retries while the coordinator's partition is created or loaded. */
  private static final Set<Errors> RETRIED = Set.of(Errors.COORDINATOR_LOAD_IN_PROGRESS, Errors.COORDINATOR_NOT_AVAILABLE,
      Errors.CONCURRENT_TRANSACTIONS);

  private record Producer(long id, short epoch) {}

  /** A transactional producer of {@code transactionalId} (InitProducerId v4), once the coordinator is ready. */
  private Producer init(String transactionalId) {
    var data = new InitProducerIdRequestData().setTransactionalId(transactionalId).setTransactionTimeoutMs(60_000);
    InitProducerIdResponse[] answer = new InitProducerIdResponse[1];
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      answer[0] = wire.send(ApiKeys.INIT_PRODUCER_ID, (short) 4, data);
      return !RETRIED.contains(Errors.forCode(answer[0].data().errorCode()));
    });
    assertEquals(Errors.NONE, Errors.forCode(answer[0].data().errorCode()));
    return new Producer(answer[0].data().producerId(), answer[0].data().producerEpoch());
  }

  private static AddPartitionsToTxnTopicCollection topics(String topic, Integer... partitions) {
    var topics = new AddPartitionsToTxnTopicCollection();
    topics.add(new AddPartitionsToTxnTopic().setName(topic).setPartitions(List.of(partitions)));
    return topics;
  }

  private void add(String transactionalId, Producer p, int partition) throws Exception {
    var data = new AddPartitionsToTxnRequestData().setV3AndBelowTransactionalId(transactionalId)
        .setV3AndBelowProducerId(p.id()).setV3AndBelowProducerEpoch(p.epoch())
        .setV3AndBelowTopics(topics(SweepFixture.TOPIC, partition));
    AddPartitionsToTxnResponse response = wire.send(ApiKeys.ADD_PARTITIONS_TO_TXN, (short) 3, data);
    assertEquals(Set.of(Errors.NONE), response.errorCounts().keySet());
  }

  private Errors endTxn(String transactionalId, Producer p, boolean commit, short v) throws Exception {
    var data = new EndTxnRequestData().setTransactionalId(transactionalId).setProducerId(p.id())
        .setProducerEpoch(p.epoch()).setCommitted(commit);
    EndTxnResponse response = wire.send(ApiKeys.END_TXN, v, data);
    return Errors.forCode(response.data().errorCode());
  }

  /** Until the previous transaction's markers are written, the next one waits (CONCURRENT_TRANSACTIONS). */
  private void awaitCompleted(String transactionalId) {
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      DescribeTransactionsResponse r = wire.send(ApiKeys.DESCRIBE_TRANSACTIONS, (short) 0,
          new DescribeTransactionsRequestData().setTransactionalIds(List.of(transactionalId)));
      return r.data().transactionStates().get(0).transactionState().startsWith("Complete");
    });
  }

  void findCoordinator(short v) throws Exception {
    if (v == 0) return; // v0 has no key type: groups only
    String key = "sweep-find-txn-v" + v;
    var data = new FindCoordinatorRequestData().setKeyType((byte) 1);
    if (v >= 4) data.setCoordinatorKeys(List.of(key));
    else data.setKey(key);
    FindCoordinatorResponse response = wire.send(ApiKeys.FIND_COORDINATOR, v, data);
    assertEquals(Set.of(Errors.NONE), response.errorCounts().keySet());
    assertEquals(nodeId, v >= 4 ? response.data().coordinators().get(0).nodeId() : response.data().nodeId());
  }

  void initProducerId(short v) throws Exception {
    String id = "sweep-init-v" + v;
    Producer first = init(id);
    var again = new InitProducerIdRequestData().setTransactionalId(id).setTransactionTimeoutMs(60_000);
    InitProducerIdResponse bumped = wire.send(ApiKeys.INIT_PRODUCER_ID, v, again);
    assertEquals(Errors.NONE, Errors.forCode(bumped.data().errorCode()));
    assertEquals(first.id(), bumped.data().producerId());
    assertEquals(first.epoch() + 1, bumped.data().producerEpoch());
    InitProducerIdResponse tooLong = wire.send(ApiKeys.INIT_PRODUCER_ID, v,
        new InitProducerIdRequestData().setTransactionalId(id).setTransactionTimeoutMs(Integer.MAX_VALUE));
    assertEquals(Errors.INVALID_TRANSACTION_TIMEOUT, Errors.forCode(tooLong.data().errorCode()));
    if (v >= 3) {
      // KIP-360: a stale epoch of this producer id is fenced (INVALID_PRODUCER_EPOCH before v4)
      var stale = new InitProducerIdRequestData().setTransactionalId(id).setTransactionTimeoutMs(60_000)
          .setProducerId(first.id() + 1_000_000).setProducerEpoch((short) 0);
      InitProducerIdResponse fenced = wire.send(ApiKeys.INIT_PRODUCER_ID, v, stale);
      assertEquals(v >= 4 ? Errors.PRODUCER_FENCED : Errors.INVALID_PRODUCER_EPOCH, Errors.forCode(fenced.data().errorCode()));
    }
  }

  void addPartitionsToTxn(short v) throws Exception {
    String id = "sweep-add-v" + v;
    Producer p = init(id);
    if (v <= 3) {
      var data = new AddPartitionsToTxnRequestData().setV3AndBelowTransactionalId(id).setV3AndBelowProducerId(p.id())
          .setV3AndBelowProducerEpoch(p.epoch()).setV3AndBelowTopics(topics(SweepFixture.TOPIC, 0, 1));
      AddPartitionsToTxnResponse added = wire.send(ApiKeys.ADD_PARTITIONS_TO_TXN, v, data);
      assertEquals(Set.of(Errors.NONE), added.errorCounts().keySet());
      var fenced = data.duplicate().setV3AndBelowProducerEpoch((short) (p.epoch() - 1));
      AddPartitionsToTxnResponse old = wire.send(ApiKeys.ADD_PARTITIONS_TO_TXN, v, fenced);
      assertEquals(Set.of(v >= 2 ? Errors.PRODUCER_FENCED : Errors.INVALID_PRODUCER_EPOCH), old.errorCounts().keySet());
      var unknown = data.duplicate().setV3AndBelowTopics(topics("sweep-no-such-topic", 0));
      unknown.v3AndBelowTopics().add(new AddPartitionsToTxnTopic().setName(SweepFixture.TOPIC).setPartitions(List.of(2)));
      AddPartitionsToTxnResponse refused = wire.send(ApiKeys.ADD_PARTITIONS_TO_TXN, v, unknown);
      assertEquals(Set.of(Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.OPERATION_NOT_ATTEMPTED), refused.errorCounts().keySet());
    } else {
      // the broker form: a verify-only transaction and one that adds, in one request
      add(id, p, 0);
      String other = "sweep-add-other-v" + v;
      Producer q = init(other);
      var transactions = new AddPartitionsToTxnTransactionCollection();
      transactions.add(new AddPartitionsToTxnTransaction().setTransactionalId(id).setProducerId(p.id())
          .setProducerEpoch(p.epoch()).setVerifyOnly(true).setTopics(topics(SweepFixture.TOPIC, 0, 1)));
      transactions.add(new AddPartitionsToTxnTransaction().setTransactionalId(other).setProducerId(q.id())
          .setProducerEpoch(q.epoch()).setVerifyOnly(false).setTopics(topics(SweepFixture.TOPIC, 2)));
      AddPartitionsToTxnResponse response = wire.send(ApiKeys.ADD_PARTITIONS_TO_TXN, v,
          new AddPartitionsToTxnRequestData().setTransactions(transactions));
      var verified = response.data().resultsByTransaction().find(id).topicResults().find(SweepFixture.TOPIC).resultsByPartition();
      assertEquals(Errors.NONE.code(), verified.find(0).partitionErrorCode(), "added: verified");
      assertEquals(Errors.TRANSACTION_ABORTABLE.code(), verified.find(1).partitionErrorCode(), "not added");
      var added = response.data().resultsByTransaction().find(other).topicResults().find(SweepFixture.TOPIC).resultsByPartition();
      assertEquals(Errors.NONE.code(), added.find(2).partitionErrorCode());
    }
  }

  void addOffsetsToTxn(short v) throws Exception {
    String id = "sweep-offsets-v" + v;
    Producer p = init(id);
    var data = new AddOffsetsToTxnRequestData().setTransactionalId(id).setProducerId(p.id()).setProducerEpoch(p.epoch())
        .setGroupId(SweepFixture.GROUP + "-txn-v" + v);
    AddOffsetsToTxnResponse added = wire.send(ApiKeys.ADD_OFFSETS_TO_TXN, v, data);
    assertEquals(Errors.NONE, Errors.forCode(added.data().errorCode()));
    AddOffsetsToTxnResponse fenced = wire.send(ApiKeys.ADD_OFFSETS_TO_TXN, v, data.duplicate().setProducerEpoch((short) 7));
    assertEquals(v >= 2 ? Errors.PRODUCER_FENCED : Errors.INVALID_PRODUCER_EPOCH, Errors.forCode(fenced.data().errorCode()));
    AddOffsetsToTxnResponse unmapped = wire.send(ApiKeys.ADD_OFFSETS_TO_TXN, v, data.duplicate().setProducerId(p.id() + 1));
    assertEquals(Errors.INVALID_PRODUCER_ID_MAPPING, Errors.forCode(unmapped.data().errorCode()));
  }

  void endTxn(short v) throws Exception {
    String id = "sweep-end-v" + v;
    Producer p = init(id);
    assertEquals(Errors.INVALID_TXN_STATE, endTxn(id, p, true, v), "no transaction is ongoing");
    add(id, p, 0);
    assertEquals(v >= 2 ? Errors.PRODUCER_FENCED : Errors.INVALID_PRODUCER_EPOCH,
        endTxn(id, new Producer(p.id(), (short) (p.epoch() + 3)), true, v));
    assertEquals(Errors.NONE, endTxn(id, p, true, v));
    awaitCompleted(id);
    assertEquals(Errors.NONE, endTxn(id, p, true, v), "a retried commit of a completed one");
    assertEquals(Errors.INVALID_TXN_STATE, endTxn(id, p, false, v));
  }

  void txnOffsetCommit(short v) throws Exception {
    String id = "sweep-txn-commit-v" + v;
    String group = SweepFixture.GROUP + "-txn-commit-v" + v;
    Producer p = init(id);
    AddOffsetsToTxnResponse added = wire.send(ApiKeys.ADD_OFFSETS_TO_TXN, (short) 3, new AddOffsetsToTxnRequestData()
        .setTransactionalId(id).setProducerId(p.id()).setProducerEpoch(p.epoch()).setGroupId(group));
    assertEquals(Errors.NONE, Errors.forCode(added.data().errorCode()));
    var data = new TxnOffsetCommitRequestData().setTransactionalId(id).setGroupId(group).setProducerId(p.id())
        .setProducerEpoch(p.epoch()).setTopics(List.of(new TxnOffsetCommitRequestTopic().setName(SweepFixture.TOPIC)
            .setPartitions(List.of(new TxnOffsetCommitRequestPartition().setPartitionIndex(0).setCommittedOffset(5)
                .setCommittedMetadata("m")))));
    if (v >= 3) data.setGenerationId(-1).setMemberId("").setGroupInstanceId(null);
    TxnOffsetCommitResponse response = wire.send(ApiKeys.TXN_OFFSET_COMMIT, v, data);
    assertEquals(Set.of(Errors.NONE), response.errorCounts().keySet());
    var unknown = data.duplicate();
    unknown.topics().get(0).setName("sweep-no-such-topic");
    TxnOffsetCommitResponse refused = wire.send(ApiKeys.TXN_OFFSET_COMMIT, v, unknown);
    assertEquals(Set.of(Errors.UNKNOWN_TOPIC_OR_PARTITION), refused.errorCounts().keySet());
    // pending: unstable for requireStable, absent otherwise
    var fetch = new OffsetFetchRequestData().setGroups(List.of(new OffsetFetchRequestData.OffsetFetchRequestGroup()
        .setGroupId(group).setTopics(List.of(new OffsetFetchRequestData.OffsetFetchRequestTopics()
            .setName(SweepFixture.TOPIC).setPartitionIndexes(List.of(0))))));
    OffsetFetchResponse stable = wire.send(ApiKeys.OFFSET_FETCH, (short) 8, fetch.duplicate().setRequireStable(true));
    assertEquals(Errors.UNSTABLE_OFFSET_COMMIT.code(), stable.data().groups().get(0).topics().get(0).partitions().get(0).errorCode());
    assertEquals(Errors.NONE, endTxn(id, p, true, (short) 3));
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      OffsetFetchResponse r = wire.send(ApiKeys.OFFSET_FETCH, (short) 8, fetch.duplicate().setRequireStable(true));
      var partition = r.data().groups().get(0).topics().get(0).partitions().get(0);
      return partition.errorCode() == Errors.NONE.code() && partition.committedOffset() == 5;
    });
  }

  void describeTransactions(short v) throws Exception {
    String id = "sweep-describe-v" + v;
    Producer p = init(id);
    add(id, p, 1);
    DescribeTransactionsResponse response = wire.send(ApiKeys.DESCRIBE_TRANSACTIONS, v,
        new DescribeTransactionsRequestData().setTransactionalIds(List.of(id, "sweep-never-initialized", "")));
    var states = response.data().transactionStates();
    var state = states.get(0); // in the request's order
    assertEquals(Errors.NONE.code(), state.errorCode());
    assertEquals("Ongoing", state.transactionState());
    assertEquals(p.id(), state.producerId());
    assertEquals(60_000, state.transactionTimeoutMs());
    assertEquals(List.of(1), state.topics().find(SweepFixture.TOPIC).partitions());
    assertEquals(Errors.TRANSACTIONAL_ID_NOT_FOUND.code(), states.get(1).errorCode());
    assertEquals(Errors.INVALID_REQUEST.code(), states.get(2).errorCode());
    assertEquals(Errors.NONE, endTxn(id, p, false, (short) 3));
  }

  void listTransactions(short v) throws Exception {
    String id = "sweep-list-v" + v;
    Producer p = init(id);
    add(id, p, 2);
    var data = new ListTransactionsRequestData().setStateFilters(List.of("Ongoing", "NoSuchState"))
        .setProducerIdFilters(List.of(p.id()));
    ListTransactionsResponse response = wire.send(ApiKeys.LIST_TRANSACTIONS, v, data);
    assertEquals(Errors.NONE.code(), response.data().errorCode());
    assertEquals(List.of("NoSuchState"), response.data().unknownStateFilters());
    assertEquals(1, response.data().transactionStates().size());
    assertEquals(id, response.data().transactionStates().get(0).transactionalId());
    if (v >= 1) {
      ListTransactionsResponse young = wire.send(ApiKeys.LIST_TRANSACTIONS, v, data.duplicate().setDurationFilter(3_600_000L));
      assertTrue(young.data().transactionStates().isEmpty(), "not running for an hour yet");
    }
    assertEquals(Errors.NONE, endTxn(id, p, false, (short) 3));
  }
}
