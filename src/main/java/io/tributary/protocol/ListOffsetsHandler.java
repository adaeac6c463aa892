package io.tributary.protocol;

import io.tributary.concurrent.Failures;
import io.tributary.partition.PartitionHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.ListOffsetsRequest;

/**
 * ListOffsets (v1+): earliest (log start), latest (high watermark, or for isolation_level=read_committed the last
 * stable offset), max timestamp, and the first offset at or after a timestamp (below what the isolation level may
 * read, as Kafka's fetchOffsetForTimestamp).
 */
public final class ListOffsetsHandler implements ApiHandler<ListOffsetsRequest> {
  private final BrokerContext broker;

  public ListOffsetsHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<ListOffsetsResponseData> handle(RequestContext ctx, ListOffsetsRequest request) {
    var image = broker.metadata().current();
    var response = new ListOffsetsResponseData().setThrottleTimeMs(0);
    List<CompletableFuture<?>> pending = new ArrayList<>();
    for (var topic : request.data().topics()) {
      var topicResponse = new ListOffsetsTopicResponse().setName(topic.name());
      response.topics().add(topicResponse);
      var info = image.topic(topic.name());
      for (ListOffsetsPartition p : topic.partitions()) {
        var out = new ListOffsetsPartitionResponse().setPartitionIndex(p.partitionIndex())
            .setTimestamp(RecordBatch.NO_TIMESTAMP).setOffset(-1L);
        topicResponse.partitions().add(out);
        if (info.isEmpty() || p.partitionIndex() < 0 || p.partitionIndex() >= info.get().partitionCount()) {
          out.setErrorCode(Errors.UNKNOWN_TOPIC_OR_PARTITION.code());
          continue;
        }
        var tp = new TopicPartition(topic.name(), p.partitionIndex());
        pending.add(broker.partitions().handle(tp)
            .thenApplyAsync(h -> lookup(h, p, out, ctx.apiVersion(), request.data().replicaId() != ListOffsetsRequest.CONSUMER_REPLICA_ID,
                request.data().isolationLevel() == 1), broker.io())
            .exceptionally(e -> out.setErrorCode(Errors.forException(Failures.unwrap(e)).code()))
            .toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(x -> response);
  }

  /**
   * {@code follower}: a replica asks (any replica id but a consumer's), as Kafka's follower does after OFFSET_OUT_OF_RANGE; the
   * latest offset is then the log end, not the high watermark (Kafka reads with no isolation level for replicas).
   */
  private static ListOffsetsPartitionResponse lookup(PartitionHandle h, ListOffsetsPartition p, ListOffsetsPartitionResponse out,
      short version, boolean follower, boolean readCommitted) {
    // leader_epoch exists from v4 on; older versions leave it at its default, as Kafka's handler does
    int epoch = version >= 4 ? h.leaderEpoch() : RecordBatch.NO_PARTITION_LEADER_EPOCH;
    if (p.currentLeaderEpoch() >= 0 && p.currentLeaderEpoch() != h.leaderEpoch()) {
      return out.setErrorCode((p.currentLeaderEpoch() > h.leaderEpoch() ? Errors.UNKNOWN_LEADER_EPOCH : Errors.FENCED_LEADER_EPOCH).code());
    }
    long ts = p.timestamp();
    // what a consumer of this isolation level may read (Kafka's lastFetchableOffset)
    long fetchable = readCommitted ? h.lastStableOffset() : h.highWatermark();
    try {
      if (ts == ListOffsetsRequest.EARLIEST_TIMESTAMP || ts == ListOffsetsRequest.EARLIEST_LOCAL_TIMESTAMP) {
        return found(out, h.logStartOffset(), epoch);
      } else if (ts == ListOffsetsRequest.LATEST_TIMESTAMP || ts == ListOffsetsRequest.LATEST_TIERED_TIMESTAMP) {
        return found(out, follower ? h.logEndOffset() : fetchable, epoch);
      } else if (ts == ListOffsetsRequest.MAX_TIMESTAMP) {
        return h.maxTimestamp().map(t -> found(out, t.offset(), epoch).setTimestamp(t.timestamp()))
            .orElseGet(() -> out.setErrorCode(Errors.NONE.code()));
      } else if (ts < 0) {
        return out.setErrorCode(Errors.INVALID_REQUEST.code());
      }
      var hit = h.offsetForTimestamp(ts);
      if (hit.isPresent() && hit.get().offset() < fetchable) {
        return found(out, hit.get().offset(), epoch).setTimestamp(hit.get().timestamp());
      }
      return out.setErrorCode(Errors.NONE.code()); // no such record: offset -1, timestamp -1, as Kafka answers
    } catch (java.io.IOException e) {
      return out.setErrorCode((h.isOpen() ? Errors.KAFKA_STORAGE_ERROR : Errors.NOT_LEADER_OR_FOLLOWER).code());
    }
  }

  private static ListOffsetsPartitionResponse found(ListOffsetsPartitionResponse out, long offset, int epoch) {
    return out.setErrorCode(Errors.NONE.code()).setOffset(offset).setLeaderEpoch(epoch).setTimestamp(-1L);
  }
}
