package io.tributary.group.journal;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * The internal topics' partitions on this node (the offsets topic's for groups, the transaction state topic's for
 * transaction coordinators), as the journal uses them: the node wires an implementation over
 * its partitions ({@code io.tributary.node.PartitionOffsetsLog}), so that this package needs nothing of the partition
 * machinery. Implementations are thread-safe.
 */
public interface OffsetsLog {
  /**
   * This node's log of partition {@code partition} of the internal topic {@code topic}, as its leader; fails with
   * Kafka's error when this node does not lead it (NOT_LEADER_OR_FOLLOWER), or it cannot be opened.
   */
  CompletionStage<LeaderLog> lead(String topic, int partition);

  /** An offsets partition this node leads (or led: every operation checks again). */
  interface LeaderLog {
    /** The leader epoch this node leads the partition in now. */
    int leaderEpoch();

    long logStartOffset();

    long logEndOffset();

    /**
     * Appends {@code records} as the leader (acks=all: fails with NOT_ENOUGH_REPLICAS before the append when the ISR
     * is smaller than min.insync.replicas); completes with the first offset given once written, not yet committed.
     */
    CompletionStage<Long> append(MemoryRecords records);

    /**
     * Completes once the high watermark reaches {@code offset}; fails with NOT_LEADER_OR_FOLLOWER when this node stops
     * leading the partition first, or with a timeout after {@code timeout}.
     */
    CompletionStage<Void> awaitHighWatermark(long offset, Duration timeout);

    /** Whether the ISR holds at least min.insync.replicas replicas now (acks=all after the append). */
    boolean hasMinInsyncReplicas();

    /** Kafka's message for too small an ISR, as a produce with acks=all gets it. */
    String notEnoughReplicasMessage();

    /** Committed records (below the high watermark) from {@code offset}, at least one batch if there is one. */
    MemoryRecords read(long offset, int maxBytes) throws IOException;
  }
}
