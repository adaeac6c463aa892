package io.tributary.client;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.kafka.common.TopicPartition;

/** Factories for {@link Subscription}. */
public final class Subscriptions {
  private Subscriptions() {}

  /** Subscribe to these topics in the consumer's group ({@code group.id} required). */
  public static Subscription.AutoSubscription topics(String... topics) {
    return new Subscription.Topics(Set.of(topics), RebalanceListener.NONE);
  }

  public static Subscription.AutoSubscription topics(Set<String> topics) {
    return new Subscription.Topics(Set.copyOf(topics), RebalanceListener.NONE);
  }

  /** Subscribe to every topic matching the regular expression, in the consumer's group. */
  public static Subscription.AutoSubscription topicPattern(String regex) {
    return new Subscription.TopicPattern(Pattern.compile(regex), RebalanceListener.NONE);
  }

  /** Read exactly these partitions, without group management, from their committed offsets (or auto.offset.reset). */
  public static Subscription assignment(TopicPartition... partitions) {
    return new Subscription.Assignment(List.of(partitions), Map.of());
  }

  /** Read these partitions from the given offsets. */
  public static Subscription assignmentWithOffsets(Map<TopicPartition, Long> offsets) {
    return new Subscription.Assignment(List.copyOf(offsets.keySet()), Map.copyOf(offsets));
  }
}
