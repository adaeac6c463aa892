package io.tributary.node;

import io.tributary.group.journal.OffsetsLog;
import io.tributary.partition.PartitionHandle;
import io.tributary.partition.Partitions;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.NotEnoughReplicasException;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * The group journal's view of the offsets topic ({@link OffsetsLog}) over this node's partitions: the same handles,
 * leadership checks, acks=all rules and high watermark as a produce with acks=all to a user topic. Thread-safe.
 */
final class PartitionOffsetsLog implements OffsetsLog {
  private final Partitions partitions;

  PartitionOffsetsLog(Partitions partitions) {
    this.partitions = partitions;
  }

  @Override
  public CompletionStage<LeaderLog> lead(String topic, int partition) {
    return partitions.handle(new TopicPartition(topic, partition)).thenApply(Leading::new);
  }

  private record Leading(PartitionHandle handle) implements LeaderLog {
    @Override
    public int leaderEpoch() {
      return handle.leaderEpoch();
    }

    @Override
    public long logStartOffset() {
      return handle.logStartOffset();
    }

    @Override
    public long logEndOffset() {
      return handle.logEndOffset();
    }

    @Override
    public CompletionStage<Long> append(MemoryRecords records) {
      if (!hasMinInsyncReplicas()) return CompletableFuture.failedFuture(new NotEnoughReplicasException(notEnoughReplicasMessage()));
      return handle.append(records).thenApply(result -> result.firstOffset());
    }

    @Override
    public CompletionStage<Void> awaitHighWatermark(long offset, Duration timeout) {
      return handle.awaitHighWatermark(offset).orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public boolean hasMinInsyncReplicas() {
      return handle.inSyncReplicaCount() >= handle.minInsyncReplicas();
    }

    @Override
    public String notEnoughReplicasMessage() {
      var info = handle.assignment();
      return "The size of the current ISR " + (info == null ? "[]" : info.isr()) + " is insufficient to satisfy the "
          + "min.isr requirement of " + handle.minInsyncReplicas() + " for partition " + handle.topicPartition();
    }

    @Override
    public MemoryRecords read(long offset, int maxBytes) throws IOException {
      return handle.read(offset, maxBytes, true).records();
    }
  }
}
