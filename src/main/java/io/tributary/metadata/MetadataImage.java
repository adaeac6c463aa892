package io.tributary.metadata;

import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.Uuid;

/**
 * An immutable snapshot of cluster metadata. {@code (controllerEpoch, version)} grows with every change the
 * Controller makes, so a node can tell which of two images is newer ({@link #isNewerThan}). {@code brokers} are the
 * registered nodes, live or not; {@code internalTopics} are Kafka's internal topics (not shown to clients as topics).
 */
public record MetadataImage(long version, int controllerEpoch, String clusterId, Map<String, TopicInfo> topics,
                            Map<Integer, BrokerInfo> brokers, Map<String, TopicInfo> internalTopics) {
  /** The internal topic whose partition leaders coordinate consumer groups. */
  public static final String OFFSETS_TOPIC = "__consumer_offsets";
  /** The internal topic whose partition leaders coordinate transactions (Kafka's __transaction_state). */
  public static final String TRANSACTION_STATE_TOPIC = "__transaction_state";
  /** Every internal topic a node may create. */
  public static final java.util.Set<String> INTERNAL_TOPICS = java.util.Set.of(OFFSETS_TOPIC, TRANSACTION_STATE_TOPIC);

  public MetadataImage {
    topics = Map.copyOf(topics);
    brokers = Map.copyOf(brokers);
    internalTopics = Map.copyOf(internalTopics);
  }

  public Optional<TopicInfo> topic(String name) {
    return Optional.ofNullable(topics.get(name));
  }

  public Optional<TopicInfo> topicById(Uuid id) {
    return topics.values().stream().filter(t -> t.topicId().equals(id)).findFirst();
  }

  /**
   * The topic or the internal topic named {@code name}: the partition machinery (logs, replication, elections) treats
   * both alike, while clients see only {@link #topics}.
   */
  public Optional<TopicInfo> anyTopic(String name) {
    TopicInfo topic = topics.get(name);
    return Optional.ofNullable(topic != null ? topic : internalTopics.get(name));
  }

  /** The topic or the internal topic whose id is {@code id}. */
  public Optional<TopicInfo> anyTopicById(Uuid id) {
    return topicById(id).or(() -> internalTopics.values().stream().filter(t -> t.topicId().equals(id)).findFirst());
  }

  public Optional<TopicInfo> offsetsTopic() {
    return Optional.ofNullable(internalTopics.get(OFFSETS_TOPIC));
  }

  public Optional<TopicInfo> transactionStateTopic() {
    return Optional.ofNullable(internalTopics.get(TRANSACTION_STATE_TOPIC));
  }

  public boolean isNewerThan(MetadataImage other) {
    return controllerEpoch != other.controllerEpoch ? controllerEpoch > other.controllerEpoch : version > other.version;
  }
}
