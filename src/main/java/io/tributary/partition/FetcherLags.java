package io.tributary.partition;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;

/**
 * How far this node, as a follower, is behind each leader it fetches from (Kafka's FetcherLagStats): after each
 * answer, the leader's high watermark minus the offset this replica fetches next, never below 0. A partition this
 * node stops following leaves at once, so the figures name only partitions being fetched. Thread-safe.
 */
public final class FetcherLags {
  /** One followed partition's lag, and the leader it fetches from. */
  public record Lag(int leaderId, long lag) {}

  private final Map<TopicPartition, Lag> lags = new ConcurrentHashMap<>();

  void update(TopicPartition tp, int leaderId, long leaderHighWatermark, long nextFetchOffset) {
    lags.put(tp, new Lag(leaderId, Math.max(0L, leaderHighWatermark - nextFetchOffset)));
  }

  /** Keeps only the partitions this node follows now. */
  void retain(Set<TopicPartition> followed) {
    lags.keySet().retainAll(followed);
  }

  /** The lag of every partition being fetched. */
  public Map<TopicPartition, Lag> snapshot() {
    return Map.copyOf(lags);
  }

  /** Kafka's ReplicaFetcherManager MaxLag: the largest lag over the followed partitions, 0 when none. */
  public long max() {
    long max = 0;
    for (Lag l : lags.values()) max = Math.max(max, l.lag());
    return max;
  }
}
