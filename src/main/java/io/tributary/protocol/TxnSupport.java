package io.tributary.protocol;

import io.tributary.concurrent.Failures;
import org.apache.kafka.common.protocol.Errors;

/** Small helpers shared by the transaction API handlers. Stateless. */
final class TxnSupport {
  private TxnSupport() {}

  /** The Kafka error of a failed coordinator call (NOT_COORDINATOR, COORDINATOR_NOT_AVAILABLE, ...). */
  static Errors errorOf(Throwable failure) {
    return Errors.forException(Failures.unwrap(failure));
  }

  /**
   * Kafka's KafkaApis rule for clients older than PRODUCER_FENCED (KIP-588): below {@code firstVersion} that error is
   * sent as INVALID_PRODUCER_EPOCH, which those clients handle the same way.
   */
  static Errors forVersion(Errors error, short version, int firstVersion) {
    return error == Errors.PRODUCER_FENCED && version < firstVersion ? Errors.INVALID_PRODUCER_EPOCH : error;
  }
}
