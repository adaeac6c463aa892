package io.tributary.metadata;

import java.util.Map;
import org.apache.kafka.common.Uuid;

/** A topic as the cluster knows it: name, id, partition count and its config overrides (Kafka names). Immutable. */
public record TopicInfo(String name, Uuid topicId, int partitionCount, Map<String, String> configs) {
  public TopicInfo {
    configs = Map.copyOf(configs);
  }
}
