package io.tributary.protocol;

import io.tributary.concurrent.Failures;
import io.tributary.partition.PartitionHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerPartitionResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerResult;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData.WritableTxnMarkerTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WriteTxnMarkers (v0+), what a transaction coordinator sends the leaders of a transaction's partitions to end it:
 * per marker and partition, the leader appends a COMMIT or ABORT control batch (Kafka's EndTransactionMarker with
 * the coordinator's epoch, stamped with the partition's leader epoch), which ends the producer's transaction there
 * (last stable offset, aborted-transaction index), and answers once the in-sync replicas have it, as Kafka appends
 * markers with acks=all. Per-partition errors as Kafka's: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER,
 * INVALID_PRODUCER_EPOCH (a producer epoch below the partition's), TRANSACTION_COORDINATOR_FENCED (a coordinator epoch
 * below the one of the producer's last marker), NOT_ENOUGH_REPLICAS(_AFTER_APPEND), REQUEST_TIMED_OUT. Internal
 * topics are written too (the coordinator ends transactions on the offsets topic the same way).
 */
public final class WriteTxnMarkersHandler implements ApiHandler<WriteTxnMarkersRequest> {
  private static final Logger log = LoggerFactory.getLogger(WriteTxnMarkersHandler.class);

  private final BrokerContext broker;
  private final int timeoutMs;

  /** {@code timeoutMs}: how long a marker waits for the in-sync replicas (Kafka's request.timeout.ms). */
  public WriteTxnMarkersHandler(BrokerContext broker, int timeoutMs) {
    this.broker = broker;
    this.timeoutMs = timeoutMs;
  }

  @Override
  public CompletionStage<WriteTxnMarkersResponseData> handle(RequestContext ctx, WriteTxnMarkersRequest request) {
    var response = new WriteTxnMarkersResponseData();
    List<CompletableFuture<?>> pending = new ArrayList<>();
    for (WritableTxnMarker marker : request.data().markers()) {
      var result = new WritableTxnMarkerResult().setProducerId(marker.producerId());
      response.markers().add(result);
      for (var topic : marker.topics()) {
        var topicResult = new WritableTxnMarkerTopicResult().setName(topic.name());
        result.topics().add(topicResult);
        for (int partition : topic.partitionIndexes()) {
          var out = new WritableTxnMarkerPartitionResult().setPartitionIndex(partition);
          topicResult.partitions().add(out);
          pending.add(write(new TopicPartition(topic.name(), partition), marker)
              .handle((x, error) -> {
                Errors e = error == null ? Errors.NONE : Errors.forException(Failures.unwrap(error));
                if (e == Errors.UNKNOWN_SERVER_ERROR) {
                  log.warn("Writing a transaction marker to {} failed", topic.name() + "-" + partition, Failures.unwrap(error));
                }
                return out.setErrorCode(e.code());
              }));
        }
      }
    }
    return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(x -> response);
  }

  /** One marker on one partition led here; completes once the in-sync replicas have it. */
  private CompletableFuture<Void> write(TopicPartition tp, WritableTxnMarker marker) {
    return broker.partitions().handle(tp).toCompletableFuture().thenCompose(h -> {
      if (h.inSyncReplicaCount() < h.minInsyncReplicas()) {
        throw new NotEnoughReplicasException("The size of the current ISR is insufficient to satisfy the min.isr "
            + "requirement of " + h.minInsyncReplicas() + " for partition " + tp);
      }
      return h.appendTxnMarker(marker.producerId(), marker.producerEpoch(), marker.coordinatorEpoch(),
              marker.transactionResult())
          .toCompletableFuture()
          .thenCompose(written -> replicated(h, written.lastOffset() + 1));
    });
  }

  private CompletableFuture<Void> replicated(PartitionHandle h, long offset) {
    return h.awaitHighWatermark(offset)
        .orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
        .handle((x, error) -> {
          if (error != null) {
            Throwable cause = Failures.unwrap(error);
            if (cause instanceof java.util.concurrent.TimeoutException) {
              throw new TimeoutException("The in-sync replicas did not all acknowledge the marker within " + timeoutMs + " ms.");
            }
            throw new java.util.concurrent.CompletionException(cause);
          }
          if (h.inSyncReplicaCount() < h.minInsyncReplicas()) {
            throw new NotEnoughReplicasAfterAppendException("The marker was written but the ISR of " + h.topicPartition()
                + " shrank below min.insync.replicas " + h.minInsyncReplicas());
          }
          return null;
        });
  }
}
