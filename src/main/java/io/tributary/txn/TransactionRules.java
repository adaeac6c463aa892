package io.tributary.txn;

import io.tributary.txn.TransactionEntity.Event;
import io.tributary.txn.TransactionEntity.PartitionsAdded;
import io.tributary.txn.TransactionEntity.ProducerIdInitialized;
import io.tributary.txn.TransactionEntity.State;
import io.tributary.txn.TransactionEntity.Status;
import io.tributary.txn.TransactionEntity.TransactionPrepared;
import io.tributary.txn.TransactionEntity.Verification;
import java.util.HashMap;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * Kafka's TransactionCoordinator rules (3.9, transaction version 0): what a request does to a transaction's state,
 * as a decision (refuse with an error, or accept with at most one event and the answer). Pure: no clock, no I/O.
 *
 * <p>Kafka's in-memory PrepareEpochFence (InitProducerId during an ongoing transaction, and the abort of an expired
 * one) is folded into the PrepareAbort event here: that event carries the bumped epoch, exactly what Kafka writes to
 * its log after the fence.
 */
final class TransactionRules {
  sealed interface Decision {}

  /** The request is answered with {@code error}; nothing changes. */
  record Refuse(Errors error) implements Decision {}

  /** The request persists {@code event} (none: nothing to change) and is then answered with {@code reply}. */
  record Accept(Event event, Errors reply) implements Decision {}

  /** InitProducerId needs a new producer id first: allocate one and decide again with it. */
  record NeedProducerId() implements Decision {}

  private final TransactionSettings settings;

  TransactionRules(TransactionSettings settings) {
    this.settings = settings;
  }

  /** Kafka's TransactionMetadata.isEpochExhausted: an epoch this high cannot be bumped twice more. */
  static boolean epochExhausted(short epoch) {
    return epoch >= Short.MAX_VALUE - 1;
  }

  /**
   * InitProducerId (handleInitProducerId and prepareInitProducerIdTransit). {@code allocated} is a new producer id
   * (-1: none yet); {@code expectedProducerId} -1 when the request has none.
   */
  Decision initProducerId(State s, int timeoutMs, long expectedProducerId, short expectedEpoch, long allocated, long now) {
    if (!settings.validTimeout(timeoutMs)) return new Refuse(Errors.INVALID_TRANSACTION_TIMEOUT);
    boolean expected = expectedProducerId >= 0;
    State base = s;
    if (!s.exists()) {
      if (allocated < 0) return new NeedProducerId();
      // Kafka's new metadata: the producer id, no epoch yet, Empty
      base = new State(allocated, -1L, (short) -1, (short) -1, timeoutMs, Status.EMPTY, java.util.Set.of(),
          java.util.Set.of(), -1L, now);
    }
    if (expected && !validExpectedProducerId(base, expectedProducerId, expectedEpoch)) {
      return new Refuse(Errors.PRODUCER_FENCED);
    }
    switch (base.status()) {
      case PREPARE_COMMIT, PREPARE_ABORT -> {
        return new Refuse(Errors.CONCURRENT_TRANSACTIONS);
      }
      case ONGOING -> {
        // abort the ongoing transaction with the epoch bumped (fencing its producer); the client retries and gets the
        // epoch bumped once more, or a new producer id if this exhausted the epochs
        return new Accept(new TransactionPrepared(false, (short) (base.producerEpoch() + 1), (short) -1, now),
            Errors.CONCURRENT_TRANSACTIONS);
      }
      case EMPTY, COMPLETE_COMMIT, COMPLETE_ABORT -> {
        if (epochExhausted(base.producerEpoch()) && (!expected || expectedEpoch == base.producerEpoch())) {
          if (allocated < 0 || allocated == base.producerId()) return new NeedProducerId();
          return new Accept(new ProducerIdInitialized(allocated, base.producerId(), (short) 0,
              expected ? base.producerEpoch() : (short) -1, timeoutMs, now), Errors.NONE);
        }
        short next;
        short last;
        if (!expected) {
          next = (short) (base.producerEpoch() + 1);
          last = -1;
        } else if (base.producerEpoch() == -1 || expectedEpoch == base.producerEpoch()) {
          next = (short) (base.producerEpoch() + 1);
          last = base.producerEpoch();
        } else if (expectedEpoch == base.lastProducerEpoch()) {
          // a retry of a bump whose answer was lost: the same epoch again
          next = base.producerEpoch();
          last = base.lastProducerEpoch();
        } else {
          return new Refuse(Errors.PRODUCER_FENCED);
        }
        return new Accept(new ProducerIdInitialized(base.producerId(), base.lastProducerId(), next, last, timeoutMs, now),
            Errors.NONE);
      }
      default -> throw new IllegalStateException("transaction state " + base.status());
    }
  }

  /** Kafka's isValidProducerId for a KIP-360 request. */
  private static boolean validExpectedProducerId(State s, long producerId, short epoch) {
    return s.producerEpoch() == -1 || producerId == s.producerId()
        || (producerId == s.lastProducerId() && epochExhausted(epoch));
  }

  /** AddPartitionsToTxn, and AddOffsetsToTxn (whose group stands for its offsets partition in Kafka). */
  Decision addPartitions(State s, long producerId, short epoch, List<TopicPartition> partitions, List<String> groups,
                         long now) {
    if (!s.exists() || s.producerId() != producerId) return new Refuse(Errors.INVALID_PRODUCER_ID_MAPPING);
    if (s.producerEpoch() != epoch) return new Refuse(Errors.PRODUCER_FENCED);
    if (s.status().preparing()) return new Refuse(Errors.CONCURRENT_TRANSACTIONS);
    if (s.status() == Status.ONGOING && s.partitions().containsAll(partitions) && s.groups().containsAll(groups)) {
      return new Accept(null, Errors.NONE);
    }
    return new Accept(new PartitionsAdded(partitions, groups, now), Errors.NONE);
  }

  /**
   * The verify-only AddPartitionsToTxn (handleVerifyPartitionsInTransaction): a partition of the ongoing transaction
   * is NONE, any other TRANSACTION_ABORTABLE; an error about the producer applies to every partition.
   */
  Verification verify(State s, long producerId, short epoch, List<TopicPartition> partitions) {
    Errors all = null;
    if (!s.exists() || s.producerId() != producerId) all = Errors.INVALID_PRODUCER_ID_MAPPING;
    else if (s.producerEpoch() != epoch) all = Errors.PRODUCER_FENCED;
    else if (s.status().preparing()) all = Errors.CONCURRENT_TRANSACTIONS;
    var errors = new HashMap<TopicPartition, Short>();
    for (TopicPartition tp : partitions) {
      Errors e = all != null ? all
          : s.status() == Status.ONGOING && s.partitions().contains(tp) ? Errors.NONE : Errors.TRANSACTION_ABORTABLE;
      errors.put(tp, e.code());
    }
    return new Verification(errors);
  }

  /** EndTxn from the client (endTransaction with isFromClient). */
  Decision endTransaction(State s, long producerId, short epoch, boolean commit, long now) {
    if (!s.exists() || s.producerId() != producerId) return new Refuse(Errors.INVALID_PRODUCER_ID_MAPPING);
    if (epoch != s.producerEpoch()) return new Refuse(Errors.PRODUCER_FENCED);
    return switch (s.status()) {
      case ONGOING -> new Accept(new TransactionPrepared(commit, s.producerEpoch(), s.lastProducerEpoch(), now), Errors.NONE);
      case COMPLETE_COMMIT -> commit ? new Accept(null, Errors.NONE) : new Refuse(Errors.INVALID_TXN_STATE);
      case COMPLETE_ABORT -> !commit ? new Accept(null, Errors.NONE) : new Refuse(Errors.INVALID_TXN_STATE);
      case PREPARE_COMMIT -> commit ? new Refuse(Errors.CONCURRENT_TRANSACTIONS) : new Refuse(Errors.INVALID_TXN_STATE);
      case PREPARE_ABORT -> !commit ? new Refuse(Errors.CONCURRENT_TRANSACTIONS) : new Refuse(Errors.INVALID_TXN_STATE);
      case EMPTY -> new Refuse(Errors.INVALID_TXN_STATE);
      case DEAD -> throw new IllegalStateException("transaction state Dead");
    };
  }

  /**
   * Kafka's abortTimedOutTransactions: an ongoing transaction older than its timeout is aborted with the epoch bumped
   * (prepareFenceProducerEpoch, then PrepareAbort). Null when it has not timed out.
   */
  TransactionPrepared abortIfTimedOut(State s, long now) {
    if (s.status() != Status.ONGOING || s.startTimestamp() + s.timeoutMs() > now) return null;
    if (s.producerEpoch() == Short.MAX_VALUE) return null; // Kafka cannot fence it either; the id stays as it is
    return new TransactionPrepared(false, (short) (s.producerEpoch() + 1), (short) -1, now);
  }
}
