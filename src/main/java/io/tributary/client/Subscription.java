package io.tributary.client;

import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.common.TopicPartition;

/**
 * What a consumer reads: topics or a pattern in a consumer group (partitions assigned by the group, and
 * rebalanced), or a fixed assignment. Made by {@link Subscriptions}.
 */
public sealed interface Subscription {
  /** Notified on the consumer's thread after the consumer handled a rebalance itself (see {@link RebalanceListener}). */
  RebalanceListener listener();

  /** Group-managed: the group assigns partitions and takes them away again. */
  sealed interface AutoSubscription extends Subscription {
    AutoSubscription withRebalanceListener(RebalanceListener listener);
  }

  record Topics(Set<String> topics, RebalanceListener listener) implements AutoSubscription {
    @Override
    public AutoSubscription withRebalanceListener(RebalanceListener l) {
      return new Topics(topics, l);
    }
  }

  record TopicPattern(Pattern pattern, RebalanceListener listener) implements AutoSubscription {
    @Override
    public AutoSubscription withRebalanceListener(RebalanceListener l) {
      return new TopicPattern(pattern, l);
    }
  }

  /** Fixed partitions; offsets maps a partition to the offset to start at (absent: the committed one). */
  record Assignment(Collection<TopicPartition> partitions, Map<TopicPartition, Long> offsets) implements Subscription {
    @Override
    public RebalanceListener listener() {
      return RebalanceListener.NONE;
    }
  }
}
