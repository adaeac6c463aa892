package io.tributary.txn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tributary.txn.TransactionEntity.Event;
import io.tributary.txn.TransactionEntity.ProducerIdInitialized;
import io.tributary.txn.TransactionEntity.State;
import io.tributary.txn.TransactionEntity.Status;
import io.tributary.txn.TransactionEntity.TransactionPrepared;
import io.tributary.txn.TransactionRules.Accept;
import io.tributary.txn.TransactionRules.Decision;
import io.tributary.txn.TransactionRules.NeedProducerId;
import io.tributary.txn.TransactionRules.Refuse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/** Kafka's TransactionCoordinator rules, state by state, as {@link TransactionRules} decides them. */
class TransactionRulesTest {
  static final TransactionSettings SETTINGS = new TransactionSettings(5, 1, 900_000, 604_800_000L, Duration.ofSeconds(10),
      Duration.ofSeconds(5), Duration.ofMillis(100), Duration.ofSeconds(30), Duration.ofSeconds(10), 100, 2,
      Duration.ofMillis(200), Duration.ofSeconds(10), 0.2, true);
  private static final TopicPartition TP = new TopicPartition("t", 0);
  private static final TopicPartition TP2 = new TopicPartition("t", 1);

  private final TransactionRules rules = new TransactionRules(SETTINGS);
  private long now = 1_000L;

  private static State apply(State s, Decision d) {
    Event e = ((Accept) d).event();
    return e == null ? s : s.apply(e);
  }

  private State initialized() {
    var d = rules.initProducerId(State.INITIAL, 60_000, -1, (short) -1, 1000L, now);
    return apply(State.INITIAL, d);
  }

  private State ongoing() {
    return apply(initialized(), rules.addPartitions(initialized(), 1000L, (short) 0, List.of(TP), List.of("g"), ++now));
  }

  private static Errors error(Decision d) {
    return d instanceof Refuse r ? r.error() : ((Accept) d).reply();
  }

  @Test
  void aNewIdNeedsAProducerIdThenStartsAtEpochZero() {
    assertInstanceOf(NeedProducerId.class, rules.initProducerId(State.INITIAL, 60_000, -1, (short) -1, -1, now));
    State s = initialized();
    assertEquals(1000L, s.producerId());
    assertEquals(0, s.producerEpoch());
    assertEquals(-1, s.lastProducerEpoch());
    assertEquals(Status.EMPTY, s.status());
    assertEquals(60_000, s.timeoutMs());
  }

  @Test
  void timeoutsAboveTheMaximumOrNotPositiveAreRefused() {
    assertEquals(Errors.INVALID_TRANSACTION_TIMEOUT, error(rules.initProducerId(State.INITIAL, 900_001, -1, (short) -1, 1L, now)));
    assertEquals(Errors.INVALID_TRANSACTION_TIMEOUT, error(rules.initProducerId(State.INITIAL, 0, -1, (short) -1, 1L, now)));
  }

  @Test
  void initAgainBumpsTheEpochAndForgetsTheLastOne() {
    State s = initialized();
    State again = apply(s, rules.initProducerId(s, 60_000, -1, (short) -1, -1, now));
    assertEquals(1, again.producerEpoch());
    assertEquals(-1, again.lastProducerEpoch());
    assertEquals(1000L, again.producerId());
  }

  @Test
  void initDuringAnOngoingTransactionAbortsItWithABumpedEpochAndAnswersConcurrentTransactions() {
    State s = ongoing();
    Decision d = rules.initProducerId(s, 60_000, -1, (short) -1, -1, now);
    assertEquals(Errors.CONCURRENT_TRANSACTIONS, error(d));
    State fenced = apply(s, d);
    assertEquals(Status.PREPARE_ABORT, fenced.status());
    assertEquals(1, fenced.producerEpoch());
    assertEquals(Errors.CONCURRENT_TRANSACTIONS, error(rules.initProducerId(fenced, 60_000, -1, (short) -1, -1, now)),
        "markers are being written");
    assertEquals(Errors.PRODUCER_FENCED, error(rules.addPartitions(fenced, 1000L, (short) 0, List.of(TP2), List.of(), now)),
        "the old producer is fenced");
    State aborted = fenced.apply(new TransactionEntity.TransactionCompleted(now));
    assertEquals(Status.COMPLETE_ABORT, aborted.status());
    State retried = apply(aborted, rules.initProducerId(aborted, 60_000, -1, (short) -1, -1, now));
    assertEquals(2, retried.producerEpoch());
  }

  @Test
  void kip360TheProducerKeepsItsIdWithTheEpochBumpedAndARetryGetsTheSameEpoch() {
    State s = initialized();
    State bumped = apply(s, rules.initProducerId(s, 60_000, 1000L, (short) 0, -1, now));
    assertEquals(1, bumped.producerEpoch());
    assertEquals(0, bumped.lastProducerEpoch());
    State retry = apply(bumped, rules.initProducerId(bumped, 60_000, 1000L, (short) 0, -1, now));
    assertEquals(1, retry.producerEpoch(), "a retry whose answer was lost gets the same epoch");
    assertEquals(Errors.PRODUCER_FENCED, error(rules.initProducerId(bumped, 60_000, 999L, (short) 0, -1, now)),
        "another producer id is fenced");
    State other = apply(bumped, rules.initProducerId(bumped, 60_000, -1, (short) -1, -1, now));
    assertEquals(Errors.PRODUCER_FENCED, error(rules.initProducerId(other, 60_000, 1000L, (short) 0, -1, now)),
        "an epoch older than the last is fenced");
  }

  @Test
  void anExhaustedEpochRotatesTheProducerId() {
    State s = State.INITIAL.apply(new ProducerIdInitialized(1000L, -1L, (short) (Short.MAX_VALUE - 1), (short) -1, 60_000, now));
    assertInstanceOf(NeedProducerId.class, rules.initProducerId(s, 60_000, -1, (short) -1, -1, now));
    State rotated = apply(s, rules.initProducerId(s, 60_000, -1, (short) -1, 2000L, now));
    assertEquals(2000L, rotated.producerId());
    assertEquals(1000L, rotated.lastProducerId());
    assertEquals(0, rotated.producerEpoch());
  }

  @Test
  void addPartitionsChecksTheProducerAndIsIdempotent() {
    State s = initialized();
    assertEquals(Errors.INVALID_PRODUCER_ID_MAPPING, error(rules.addPartitions(State.INITIAL, 1000L, (short) 0, List.of(TP), List.of(), now)));
    assertEquals(Errors.INVALID_PRODUCER_ID_MAPPING, error(rules.addPartitions(s, 1001L, (short) 0, List.of(TP), List.of(), now)));
    assertEquals(Errors.PRODUCER_FENCED, error(rules.addPartitions(s, 1000L, (short) 1, List.of(TP), List.of(), now)));
    State on = ongoing();
    assertEquals(Status.ONGOING, on.status());
    assertEquals(1001L, on.startTimestamp());
    assertNull(((Accept) rules.addPartitions(on, 1000L, (short) 0, List.of(TP), List.of("g"), now)).event(), "nothing new");
    State more = apply(on, rules.addPartitions(on, 1000L, (short) 0, List.of(TP2), List.of(), 5_000L));
    assertEquals(List.of(TP, TP2), List.copyOf(more.partitions()));
    assertEquals(1001L, more.startTimestamp(), "the transaction started with its first partition");
  }

  @Test
  void endTransactionFollowsKafkasStateTable() {
    State empty = initialized();
    assertEquals(Errors.INVALID_TXN_STATE, error(rules.endTransaction(empty, 1000L, (short) 0, true, now)));
    State on = ongoing();
    assertEquals(Errors.PRODUCER_FENCED, error(rules.endTransaction(on, 1000L, (short) 1, true, now)));
    State preparing = apply(on, rules.endTransaction(on, 1000L, (short) 0, true, now));
    assertEquals(Status.PREPARE_COMMIT, preparing.status());
    assertEquals(Errors.CONCURRENT_TRANSACTIONS, error(rules.endTransaction(preparing, 1000L, (short) 0, true, now)));
    assertEquals(Errors.INVALID_TXN_STATE, error(rules.endTransaction(preparing, 1000L, (short) 0, false, now)));
    assertEquals(Errors.CONCURRENT_TRANSACTIONS, error(rules.addPartitions(preparing, 1000L, (short) 0, List.of(TP), List.of(), now)));
    State done = preparing.apply(new TransactionEntity.TransactionCompleted(now));
    assertEquals(Status.COMPLETE_COMMIT, done.status());
    assertEquals(List.of(), List.copyOf(done.partitions()));
    assertEquals(Errors.NONE, error(rules.endTransaction(done, 1000L, (short) 0, true, now)), "a retried commit");
    assertEquals(Errors.INVALID_TXN_STATE, error(rules.endTransaction(done, 1000L, (short) 0, false, now)));
  }

  @Test
  void verificationAnswersPerPartition() {
    State on = ongoing();
    var v = rules.verify(on, 1000L, (short) 0, List.of(TP, TP2));
    assertEquals(Map.of(TP, Errors.NONE.code(), TP2, Errors.TRANSACTION_ABORTABLE.code()), v.errors());
    assertEquals(Map.of(TP, Errors.PRODUCER_FENCED.code()), rules.verify(on, 1000L, (short) 1, List.of(TP)).errors());
    assertEquals(Map.of(TP, Errors.INVALID_PRODUCER_ID_MAPPING.code()), rules.verify(State.INITIAL, 1L, (short) 0, List.of(TP)).errors());
    assertEquals(Map.of(TP, Errors.TRANSACTION_ABORTABLE.code()), rules.verify(initialized(), 1000L, (short) 0, List.of(TP)).errors(),
        "no transaction is ongoing");
  }

  @Test
  void aTransactionOlderThanItsTimeoutIsAbortedWithTheEpochBumped() {
    State on = ongoing();
    assertNull(rules.abortIfTimedOut(on, on.startTimestamp() + 59_999));
    TransactionPrepared abort = rules.abortIfTimedOut(on, on.startTimestamp() + 60_000);
    assertEquals(new TransactionPrepared(false, (short) 1, (short) -1, on.startTimestamp() + 60_000), abort);
    assertNull(rules.abortIfTimedOut(initialized(), Long.MAX_VALUE), "no transaction, nothing to abort");
  }
}
