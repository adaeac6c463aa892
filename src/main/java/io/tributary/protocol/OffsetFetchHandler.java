package io.tributary.protocol;

import io.tributary.concurrent.Failures;
import io.tributary.group.GroupEntity;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.OffsetFetchRequest;
import org.apache.kafka.common.requests.OffsetFetchResponse;

/**
 * OffsetFetch (v0+; v8+ several groups per request; null topics = all committed partitions, v2+).
 * Each group's {@link GroupEntity} answers in the v8+ group form; kafka-clients' {@link
 * OffsetFetchResponse} folds a single group into the top-level form below v8 (and, below v2, puts
 * a group error on each partition), as Kafka does. A partition without a committed offset gets
 * offset -1, metadata "" and no error; a group that does not exist looks the same. With {@code
 * requireStable} (v7+) a partition with a pending transactional offset (TxnOffsetCommit of a transaction not yet
 * ended) gets UNSTABLE_OFFSET_COMMIT, which the consumer retries, as in Kafka.
 * The empty group id is accepted, as in Kafka. v0 reads the same store as every other version
 * (Kafka read v0 from ZooKeeper).
 */
public final class OffsetFetchHandler implements ApiHandler<OffsetFetchRequest> {
  private final BrokerContext broker;

  public OffsetFetchHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<OffsetFetchResponseData> handle(RequestContext ctx, OffsetFetchRequest request) {
    short version = ctx.apiVersion();
    var groups = broker.groups();
    var answers = new ArrayList<CompletableFuture<OffsetFetchResponseGroup>>();
    for (OffsetFetchRequestGroup group : request.groups()) {
      List<TopicPartition> partitions = null;
      if (group.topics() != null) {
        partitions = new ArrayList<>();
        for (var t : group.topics()) {
          for (int p : t.partitionIndexes()) partitions.add(new TopicPartition(t.name(), p));
        }
      }
      final List<TopicPartition> wanted = partitions;
      boolean requireStable = version >= 7 && request.data().requireStable();
      CompletionStage<OffsetFetchResponseGroup> asked = groups.ask(group.groupId(),
          replyTo -> new GroupEntity.FetchOffsets(wanted, requireStable, replyTo), groups.askTimeout());
      answers.add(asked.toCompletableFuture()
          .exceptionally(e -> groupError(group, Errors.forException(Failures.unwrap(e)), version)));
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(x -> {
      var results = answers.stream().map(CompletableFuture::join).toList();
      return new OffsetFetchResponse(results, version).data().setThrottleTimeMs(0);
    });
  }

  /** Kafka's OffsetFetchResponse.groupError: v8+ the group's error alone, below v8 also each requested partition. */
  private static OffsetFetchResponseGroup groupError(OffsetFetchRequestGroup group, Errors error, short version) {
    var result = new OffsetFetchResponseGroup().setGroupId(group.groupId()).setErrorCode(error.code());
    if (version < 8 && group.topics() != null) {
      for (var t : group.topics()) {
        var topic = new OffsetFetchResponseTopics().setName(t.name());
        for (int p : t.partitionIndexes()) {
          topic.partitions().add(new OffsetFetchResponsePartitions()
              .setPartitionIndex(p)
              .setErrorCode(error.code())
              .setCommittedOffset(OffsetFetchResponse.INVALID_OFFSET)
              .setMetadata(OffsetFetchResponse.NO_METADATA)
              .setCommittedLeaderEpoch(RecordBatch.NO_PARTITION_LEADER_EPOCH));
        }
        result.topics().add(topic);
      }
    }
    return result;
  }
}
