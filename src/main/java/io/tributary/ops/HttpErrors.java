package io.tributary.ops;

import io.tributary.concurrent.Failures;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import org.apache.kafka.common.protocol.Errors;

/** Kafka errors as HTTP statuses, and the JSON error body {@code {"error_code", "error", "message"}}. */
final class HttpErrors {
  private HttpErrors() {}

  /** An error answered to an HTTP caller: the Kafka error it maps to, and the status. */
  static final class ApiError extends RuntimeException {
    final Errors error;
    final StatusCode status;

    ApiError(Errors error, StatusCode status, String message) {
      super(message, null, false, false);
      this.error = error;
      this.status = status;
    }

    ApiError(Errors error, String message) {
      this(error, statusOf(error), message);
    }
  }

  /** What a failure is answered with. */
  static ApiError toApiError(Throwable failure) {
    Throwable t = Failures.unwrap(failure);
    if (t instanceof ApiError e) return e;
    if (t instanceof java.util.concurrent.TimeoutException) {
      return new ApiError(Errors.REQUEST_TIMED_OUT, StatusCodes.GATEWAY_TIMEOUT, "The broker did not answer in time");
    }
    Errors error = Errors.forException(t);
    String message = t.getMessage() == null ? error.message() : t.getMessage();
    return new ApiError(error, message);
  }

  static StatusCode statusOf(Errors error) {
    return switch (error) {
      case UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID, GROUP_ID_NOT_FOUND -> StatusCodes.NOT_FOUND;
      case OFFSET_OUT_OF_RANGE -> StatusCodes.RANGE_NOT_SATISFIABLE;
      case INVALID_REQUEST, INVALID_TOPIC_EXCEPTION, INVALID_PARTITIONS, INVALID_CONFIG, INVALID_RECORD,
           CORRUPT_MESSAGE, INVALID_REQUIRED_ACKS, INVALID_TIMESTAMP, INVALID_REPLICATION_FACTOR -> StatusCodes.BAD_REQUEST;
      case RECORD_LIST_TOO_LARGE, MESSAGE_TOO_LARGE -> StatusCodes.PAYLOAD_TOO_LARGE;
      case TOPIC_ALREADY_EXISTS, NON_EMPTY_GROUP -> StatusCodes.CONFLICT;
      case TOPIC_AUTHORIZATION_FAILED, GROUP_AUTHORIZATION_FAILED, CLUSTER_AUTHORIZATION_FAILED -> StatusCodes.FORBIDDEN;
      case REQUEST_TIMED_OUT, NETWORK_EXCEPTION -> StatusCodes.GATEWAY_TIMEOUT;
      case NOT_LEADER_OR_FOLLOWER, LEADER_NOT_AVAILABLE, COORDINATOR_NOT_AVAILABLE, COORDINATOR_LOAD_IN_PROGRESS,
           NOT_COORDINATOR, KAFKA_STORAGE_ERROR, NOT_ENOUGH_REPLICAS, BROKER_NOT_AVAILABLE -> StatusCodes.SERVICE_UNAVAILABLE;
      default -> StatusCodes.INTERNAL_SERVER_ERROR;
    };
  }
}
