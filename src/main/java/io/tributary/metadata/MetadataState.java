package io.tributary.metadata;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The Controller's whole state, as stored (durably) in Distributed Data: what {@link MetadataImage}
 * shows plus the next free producer id. Immutable; every change returns a copy with
 * {@code version + 1}, and of two states the one with the higher version is the newer.
 * Version 0 is the empty state before the Controller's first start; from version 1 on the
 * cluster id is set and never changes.
 */
public record MetadataState(
    long version,
    String clusterId,
    long nextProducerId,
    Map<String, TopicInfo> topics,
    Map<Integer, BrokerInfo> brokers)
    implements MetadataSerializable {

  /** Before the Controller has initialised the cluster: no cluster id, version 0. */
  public static final MetadataState EMPTY = new MetadataState(0, "", 0, Map.of(), Map.of());

  public MetadataState {
    topics = Map.copyOf(topics);
    brokers = Map.copyOf(brokers);
  }

  /** The first state of a new cluster. */
  static MetadataState initial(String clusterId) {
    return new MetadataState(1, clusterId, 0, Map.of(), Map.of());
  }

  public MetadataImage toImage() {
    return new MetadataImage(version, clusterId, topics, brokers);
  }

  public boolean isNewerThan(MetadataState other) {
    return version > other.version;
  }

  Optional<TopicInfo> topic(String name) {
    return Optional.ofNullable(topics.get(name));
  }

  MetadataState withTopic(TopicInfo topic) {
    var next = new HashMap<>(topics);
    next.put(topic.name(), topic);
    return new MetadataState(version + 1, clusterId, nextProducerId, next, brokers);
  }

  MetadataState withoutTopic(String name) {
    var next = new HashMap<>(topics);
    next.remove(name);
    return new MetadataState(version + 1, clusterId, nextProducerId, next, brokers);
  }

  MetadataState withBroker(BrokerInfo broker) {
    var next = new HashMap<>(brokers);
    next.put(broker.nodeId(), broker);
    return new MetadataState(version + 1, clusterId, nextProducerId, topics, next);
  }

  /** Every partition's leader epoch one higher (see {@link TopicInfo#withLeadersReelected}). */
  MetadataState withLeadersReelected() {
    var next = new HashMap<String, TopicInfo>();
    topics.forEach((name, topic) -> next.put(name, topic.withLeadersReelected()));
    return new MetadataState(version + 1, clusterId, nextProducerId, next, brokers);
  }

  MetadataState withNextProducerId(long next) {
    return new MetadataState(version + 1, clusterId, next, topics, brokers);
  }
}
