package io.tributary.protocol;

import io.tributary.concurrent.Failures;
import io.tributary.partition.PartitionHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochRequestData.OffsetForLeaderPartition;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.EpochEndOffset;
import org.apache.kafka.common.message.OffsetForLeaderEpochResponseData.OffsetForLeaderTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;
import org.apache.kafka.common.requests.OffsetsForLeaderEpochRequest;

/**
 * OffsetForLeaderEpoch (v3+, KIP-101/279/320): the end offset of a leader epoch in the leader's log — where the
 * next epoch starts, or the log end for the current one — and the largest epoch at or below the one asked for.
 * Consumers use it to find out whether their position survived a leader change (and truncate when it did not);
 * only the leader answers, as in Kafka.
 */
public final class OffsetForLeaderEpochHandler implements ApiHandler<OffsetsForLeaderEpochRequest> {
  private final BrokerContext broker;

  public OffsetForLeaderEpochHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<OffsetForLeaderEpochResponseData> handle(RequestContext ctx, OffsetsForLeaderEpochRequest request) {
    var response = new OffsetForLeaderEpochResponseData().setThrottleTimeMs(0);
    List<CompletableFuture<?>> pending = new ArrayList<>();
    for (var topic : request.data().topics()) {
      var result = new OffsetForLeaderTopicResult().setTopic(topic.topic());
      response.topics().add(result);
      for (OffsetForLeaderPartition p : topic.partitions()) {
        var out = new EpochEndOffset().setPartition(p.partition())
            .setLeaderEpoch(OffsetsForLeaderEpochResponse.UNDEFINED_EPOCH)
            .setEndOffset(OffsetsForLeaderEpochResponse.UNDEFINED_EPOCH_OFFSET);
        result.partitions().add(out);
        var tp = new TopicPartition(topic.topic(), p.partition());
        pending.add(broker.partitions().handle(tp)
            .thenApplyAsync(h -> lookup(h, p, out), broker.io())
            .exceptionally(e -> out.setErrorCode(Errors.forException(Failures.unwrap(e)).code()))
            .toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).thenApply(x -> response);
  }

  private static EpochEndOffset lookup(PartitionHandle h, OffsetForLeaderPartition p, EpochEndOffset out) {
    int current = h.leaderEpoch();
    if (p.currentLeaderEpoch() >= 0 && p.currentLeaderEpoch() != current) {
      return out.setErrorCode((p.currentLeaderEpoch() > current ? Errors.UNKNOWN_LEADER_EPOCH : Errors.FENCED_LEADER_EPOCH).code());
    }
    var end = h.endOffsetForEpoch(p.leaderEpoch());
    return out.setErrorCode(Errors.NONE.code()).setLeaderEpoch(end.leaderEpoch()).setEndOffset(end.endOffset());
  }
}
