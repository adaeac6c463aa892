package io.tributary.metadata;

import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.Uuid;

/**
 * An immutable snapshot of cluster metadata. {@code version} grows with every change the
 * Controller makes, so a node can tell which of two images is newer.
 */
public record MetadataImage(long version, String clusterId, Map<String, TopicInfo> topics, Map<Integer, BrokerInfo> brokers) {
  public MetadataImage {
    topics = Map.copyOf(topics);
    brokers = Map.copyOf(brokers);
  }

  public Optional<TopicInfo> topic(String name) {
    return Optional.ofNullable(topics.get(name));
  }

  public Optional<TopicInfo> topicById(Uuid id) {
    return topics.values().stream().filter(t -> t.topicId().equals(id)).findFirst();
  }
}
