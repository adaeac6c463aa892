package io.tributary.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;
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
 * Produce (v3+, magic v2 batches): each partition's batch goes to that partition's single writer;
 * the response waits until every partition has answered. On one node acks=1 and acks=all are
 * the same (the leader is the only replica); acks=0 gets no response, and, as Kafka does, an
 * error closes the connection since the client would never read an error response.
 */
public final class ProduceHandler implements ApiHandler<ProduceRequest> {
  private static final Logger log = LoggerFactory.getLogger(ProduceHandler.class);

  private final BrokerContext broker;

  public ProduceHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<ProduceResponseData> handle(RequestContext ctx, ProduceRequest request) {
    var data = request.data();
    short acks = data.acks();
    if (acks != 0 && acks != 1 && acks != -1) {
      return CompletableFuture.failedFuture(new InvalidRequiredAcksException("Invalid required acks " + acks));
    }
    var image = broker.metadata().current();
    var response = new ProduceResponseData().setThrottleTimeMs(0);
    List<CompletableFuture<?>> pending = new ArrayList<>();
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
        MemoryRecords records;
        try {
          ProduceRequest.validateRecords(ctx.apiVersion(), partitionData.records());
          records = (MemoryRecords) partitionData.records();
        } catch (RuntimeException e) {
          fail(partitionResponse, Errors.forException(e), e.getMessage());
          continue;
        }
        var tp = new TopicPartition(topicData.name(), partitionData.index());
        pending.add(broker.partitions().handle(tp)
            .thenCompose(handle -> handle.append(records))
            .handle((result, error) -> {
              if (error != null) {
                Throwable cause = RequestDispatcher.unwrap(error);
                Errors e = Errors.forException(cause);
                if (e == Errors.UNKNOWN_SERVER_ERROR) log.warn("Produce to {} failed", tp, cause);
                fail(partitionResponse, e, cause.getMessage());
              } else {
                partitionResponse.setBaseOffset(result.firstOffset()).setLogStartOffset(result.logStartOffset());
              }
              return null;
            })
            .toCompletableFuture());
      }
    }
    var all = CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new));
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
