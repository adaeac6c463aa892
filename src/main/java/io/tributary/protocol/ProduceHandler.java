package io.tributary.protocol;

import io.tributary.concurrent.Failures;
import io.tributary.partition.PartitionHandle;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TransactionalIdAuthorizationException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.errors.InvalidRequiredAcksException;
import org.apache.kafka.common.message.ProduceResponseData;
import org.apache.kafka.common.message.ProduceResponseData.PartitionProduceResponse;
import org.apache.kafka.common.message.ProduceResponseData.TopicProduceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.ProduceRequest;
import org.apache.kafka.common.requests.ProduceResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Produce (v3+, magic v2 batches, idempotent and transactional): each partition's batch goes to that partition's single writer;
 * the response waits until every partition has answered. acks=1 is answered once the leader wrote the batch,
 * acks=all once the in-sync replicas have it (with min.insync.replicas enforced, as Kafka does); acks=0 gets no
 * response, and, as Kafka does, an error closes the connection since the client would never read an error response.
 */
public final class ProduceHandler implements ApiHandler<ProduceRequest> {
  private static final Logger log = LoggerFactory.getLogger(ProduceHandler.class);

  private final BrokerContext broker;
  private final TransactionVerifier verifier;

  /** A Produce handler without a transaction coordinator: transactional writes are not verified (KIP-890). */
  public ProduceHandler(BrokerContext broker) {
    this(broker, TransactionVerifier.UNVERIFIED);
  }

  /** {@code verifier}: asked before a producer's first transactional batch in a partition (KIP-890 part 1). */
  public ProduceHandler(BrokerContext broker, TransactionVerifier verifier) {
    this.broker = broker;
    this.verifier = verifier;
  }

  @Override
  public CompletionStage<ProduceResponseData> handle(RequestContext ctx, ProduceRequest request) {
    var data = request.data();
    short acks = data.acks();
    if (acks != 0 && acks != 1 && acks != -1) {
      return CompletableFuture.failedFuture(new InvalidRequiredAcksException("Invalid required acks " + acks));
    }
    String transactionalId = data.transactionalId();
    if (transactionalId == null && hasTransactionalBatch(data)) {
      // Kafka answers a transactional write without a transactional id as an unauthorized one, for the whole request
      return CompletableFuture.failedFuture(new TransactionalIdAuthorizationException(
          "Transactional records require a transactional id in the produce request"));
    }
    var image = broker.metadata().current();
    var response = new ProduceResponseData().setThrottleTimeMs(0);
    List<Append> appends = new ArrayList<>();
    for (var topicData : data.topicData()) {
      var topicResponse = new TopicProduceResponse().setName(topicData.name());
      response.responses().add(topicResponse);
      var topic = image.topic(topicData.name());
      for (var partitionData : topicData.partitionData()) {
        var partitionResponse = new PartitionProduceResponse()
            .setIndex(partitionData.index())
            .setBaseOffset(-1)
            .setLogAppendTimeMs(RecordBatch.NO_TIMESTAMP)
            .setLogStartOffset(-1);
        topicResponse.partitionResponses().add(partitionResponse);
        if (topic.isEmpty() || partitionData.index() < 0 || partitionData.index() >= topic.get().partitionCount()) {
          fail(partitionResponse, Errors.UNKNOWN_TOPIC_OR_PARTITION, null);
          continue;
        }
        try {
          ProduceRequest.validateRecords(ctx.apiVersion(), partitionData.records());
          rejectControl((MemoryRecords) partitionData.records());
        } catch (RuntimeException e) {
          fail(partitionResponse, Errors.forException(e), e.getMessage());
          continue;
        }
        var tp = new TopicPartition(topicData.name(), partitionData.index());
        appends.add(new Append(tp, (MemoryRecords) partitionData.records(), partitionResponse,
            broker.partitions().handle(tp).toCompletableFuture()));
      }
    }
    // Appends must reach each partition in the connection's request order (idempotent producers
    // pipeline up to five requests), even when an earlier request still waits for a partition to open.
    var handles = CompletableFuture.allOf(appends.stream().map(Append::handle).toArray(CompletableFuture[]::new))
        .exceptionally(e -> null);
    var verified = handles.thenCompose(x -> verify(transactionalId, appends));
    List<CompletableFuture<?>> pending = new ArrayList<>();
    var connection = ctx.connection();
    var submitted = connection.produceOrder.thenCombine(verified, (a, rejected) -> {
      for (Append append : appends) {
        Errors refused = CoordinatorVerifier.forProduceVersion(rejected.getOrDefault(append.tp(), Errors.NONE), ctx.apiVersion());
        if (refused != Errors.NONE) {
          fail(append.response(), refused, refused.message());
        } else {
          pending.add(submit(append, acks, data.timeoutMs(), broker.metrics()));
        }
      }
      return (Void) null;
    });
    connection.produceOrder = submitted.exceptionally(e -> null);
    var all = submitted.thenCompose(x -> CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)));
    if (acks == 0) {
      return all.thenApply(x -> {
        if (hasError(response)) {
          throw new CloseConnectionException("Produce with acks=0 failed: " + errors(response));
        }
        return null;
      });
    }
    return all.thenApply(x -> response);
  }

  /**
   * KIP-890 part 1: the partitions where a transactional batch would open the producer's transaction are checked with
   * the coordinator first; completes with the refused ones (never fails: a verifier failure refuses them all with its
   * error).
   */
  private CompletableFuture<Map<TopicPartition, Errors>> verify(String transactionalId, List<Append> appends) {
    if (transactionalId == null) return CompletableFuture.completedFuture(Map.of());
    long producerId = -1;
    short epoch = -1;
    List<TopicPartition> opening = new ArrayList<>();
    for (Append append : appends) {
      // a partition that did not open answers its own error when submitted
      var h = append.handle().isCompletedExceptionally() ? null : append.handle().getNow(null);
      RecordBatch first = firstTransactional(append.records());
      if (h == null || first == null) continue;
      producerId = first.producerId();
      epoch = first.producerEpoch();
      if (h.openTransactionStart(producerId) < 0) opening.add(append.tp());
    }
    if (opening.isEmpty()) return CompletableFuture.completedFuture(Map.of());
    return verifier.verify(transactionalId, producerId, epoch, opening).toCompletableFuture()
        .exceptionally(e -> {
          Errors error = Errors.forException(Failures.unwrap(e));
          Map<TopicPartition, Errors> all = new HashMap<>();
          for (TopicPartition tp : opening) all.put(tp, error);
          return all;
        });
  }

  private static RecordBatch firstTransactional(MemoryRecords records) {
    for (var batch : records.batches()) {
      if (batch.isTransactional()) return batch;
    }
    return null;
  }

  private static boolean hasTransactionalBatch(org.apache.kafka.common.message.ProduceRequestData data) {
    for (var topic : data.topicData()) {
      for (var partition : topic.partitionData()) {
        if (partition.records() instanceof MemoryRecords records && firstTransactional(records) != null) return true;
      }
    }
    return false;
  }

  /** One partition's batch, waiting for its partition handle. */
  private record Append(TopicPartition tp, MemoryRecords records, PartitionProduceResponse response,
                        CompletableFuture<PartitionHandle> handle) {}

  private static CompletableFuture<?> submit(Append append, short acks, int timeoutMs, BrokerMetrics metrics) {
    var out = append.response();
    return append.handle()
        .thenCompose(h -> {
          if (acks == -1 && h.inSyncReplicaCount() < h.minInsyncReplicas()) {
            throw new NotEnoughReplicasException(notEnough(h));
          }
          var appended = h.append(append.records()).toCompletableFuture();
          return acks == -1 ? appended.thenCompose(result -> replicated(h, result, result.lastOffset(), timeoutMs)) : appended;
        })
        .handle((result, error) -> {
          if (error != null) {
            Throwable cause = Failures.unwrap(error);
            Errors e = Errors.forException(cause);
            if (e == Errors.UNKNOWN_SERVER_ERROR) log.warn("Produce to {} failed", append.tp(), cause);
            fail(out, e, cause.getMessage());
          } else {
            out.setBaseOffset(result.firstOffset()).setLogStartOffset(result.logStartOffset())
                .setLogAppendTimeMs(result.logAppendTime());
            if (!result.duplicate()) metrics.produced(append.tp().topic(), append.records().sizeInBytes(), result.recordCount());
          }
          return null;
        });
  }

  /**
   * acks=all: the answer waits until the in-sync replicas have the batch (the high watermark passed it), as Kafka's
   * delayed produce does; if the ISR is then below min.insync.replicas the batch is written but the producer is told
   * NOT_ENOUGH_REPLICAS_AFTER_APPEND; after the request's timeout, REQUEST_TIMED_OUT.
   */
  private static <T> CompletableFuture<T> replicated(PartitionHandle h, T result, long lastOffset, int timeoutMs) {
    return h.awaitHighWatermark(lastOffset + 1)
        .orTimeout(Math.max(0, timeoutMs), TimeUnit.MILLISECONDS)
        .handle((x, error) -> {
          if (error != null) {
            Throwable cause = Failures.unwrap(error);
            if (cause instanceof java.util.concurrent.TimeoutException) {
              throw new TimeoutException("The in-sync replicas did not all acknowledge the batch within " + timeoutMs + " ms.");
            }
            throw new CompletionException(cause);
          }
          if (h.inSyncReplicaCount() < h.minInsyncReplicas()) throw new NotEnoughReplicasAfterAppendException(notEnough(h));
          return result;
        });
  }

  private static String notEnough(PartitionHandle h) {
    var info = h.assignment();
    return "The size of the current ISR " + (info == null ? "[]" : info.isr()) + " is insufficient to satisfy the min.isr requirement of "
        + h.minInsyncReplicas() + " for partition " + h.topicPartition();
  }

  /**
   * Clients may not write control batches (Kafka's rule: only the coordinator's WriteTxnMarkers writes markers), and a
   * transactional batch needs a producer id (Kafka's LogValidator).
   */
  private static void rejectControl(MemoryRecords records) {
    if (records == null) {
      throw new InvalidRecordException("Produce request has no record batch for the partition");
    }
    for (var batch : records.batches()) {
      if (batch.isControlBatch()) {
        throw new InvalidRecordException("Clients are not allowed to write control records");
      }
      if (batch.isTransactional() && batch.producerId() < 0) {
        throw new InvalidRecordException("Transactional record batch has no producer id");
      }
    }
  }

  private static void fail(PartitionProduceResponse response, Errors error, String message) {
    response.setErrorCode(error.code()).setErrorMessage(message == null ? error.message() : message);
  }

  private static boolean hasError(ProduceResponseData response) {
    return response.responses().stream()
        .anyMatch(t -> t.partitionResponses().stream().anyMatch(p -> p.errorCode() != Errors.NONE.code()));
  }

  private static String errors(ProduceResponseData response) {
    return new ProduceResponse(response).errorCounts().toString();
  }
}
