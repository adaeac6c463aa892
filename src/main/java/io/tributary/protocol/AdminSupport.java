package io.tributary.protocol;

import io.tributary.concurrent.Failures;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.protocol.Errors;

/** Small helpers shared by the admin API handlers. Stateless. */
final class AdminSupport {
  private AdminSupport() {}

  /**
   * {@code stage}, failed with Kafka's {@link TimeoutException} (REQUEST_TIMED_OUT) when it does not
   * complete within {@code timeoutMs}, as Kafka's controller does with a request's deadline. The
   * change may still take effect afterwards, as in Kafka.
   */
  static <T> CompletableFuture<T> within(CompletionStage<T> stage, long timeoutMs) {
    var out = new CompletableFuture<T>();
    stage.whenComplete((value, error) -> {
      if (error != null) out.completeExceptionally(Failures.unwrap(error));
      else out.complete(value);
    });
    return out.orTimeout(Math.max(1, timeoutMs), TimeUnit.MILLISECONDS).handle((value, error) -> {
      if (error == null) return value;
      Throwable cause = Failures.unwrap(error);
      if (cause instanceof java.util.concurrent.TimeoutException) {
        throw new TimeoutException(Errors.REQUEST_TIMED_OUT.message());
      }
      throw cause instanceof CompletionException c ? c : new CompletionException(cause);
    });
  }

  /** Kafka's answer to a request whose deadline ({@code timeoutMs <= 0}) passed before it was looked at. */
  static TimeoutException expired() {
    return new TimeoutException(Errors.REQUEST_TIMED_OUT.message());
  }

  /**
   * Kafka's checks of one manual replica assignment (empty, broker twice, a replica count different from
   * the other partitions'; unregistered brokers are the Controller's to refuse).
   *
   * @param replicationFactor the replica count of the other partitions, or -1 if none is known yet
   */
  static void validateAssignment(List<Integer> brokerIds, int replicationFactor) {
    if (brokerIds.isEmpty()) {
      throw new InvalidReplicaAssignmentException("The manual partition assignment includes an empty replica list.");
    }
    var sorted = new ArrayList<>(brokerIds);
    sorted.sort(Integer::compare);
    Integer previous = null;
    // whether each broker is registered is the Controller's check: this node's image may not show a node that has
    // just registered through another node
    for (Integer id : sorted) {
      if (id.equals(previous)) {
        throw new InvalidReplicaAssignmentException("The manual partition assignment includes the broker " + previous
            + " more than once.");
      }
      previous = id;
    }
    if (replicationFactor >= 0 && sorted.size() != replicationFactor) {
      throw new InvalidReplicaAssignmentException("The manual partition assignment includes a partition with "
          + sorted.size() + " replica(s), but this is not consistent with previous partitions, which have "
          + replicationFactor + " replica(s).");
    }
  }
}
