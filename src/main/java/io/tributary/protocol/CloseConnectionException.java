package io.tributary.protocol;

/**
 * Thrown by a handler when the only correct answer is to close the client's connection
 * (e.g. a failed acks=0 produce: the client reads no response, so Kafka closes the connection).
 */
public final class CloseConnectionException extends RuntimeException {
  public CloseConnectionException(String message) {
    super(message, null, false, false);
  }
}
