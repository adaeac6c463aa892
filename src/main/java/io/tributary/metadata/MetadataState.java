package io.tributary.metadata;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;

/**
 * The Controller's whole state, as stored (durably) in Distributed Data: what {@link MetadataImage} shows plus the
 * next free producer id. Immutable; every change returns a copy with {@code version + 1}.
 *
 * <p>{@code controllerEpoch} grows each time a Controller takes over; of two states the one with the higher epoch
 * is the newer, then the one with the higher version (see {@link #isNewerThan}), so a write a stale Controller made
 * alone never wins over one of its successor. Version 0 is the empty state before the Controller's first start;
 * from version 1 on the cluster id is set and never changes.
 *
 * <p>{@code internalTopics} holds the assignment of Kafka's internal topics (today {@code __consumer_offsets},
 * whose partition leaders coordinate the groups); clients do not see them as topics.
 */
public record MetadataState(
    long version,
    int controllerEpoch,
    String clusterId,
    long nextProducerId,
    Map<String, TopicInfo> topics,
    Map<Integer, BrokerInfo> brokers,
    Map<String, TopicInfo> internalTopics)
    implements MetadataSerializable {

  /** Before the Controller has initialised the cluster: no cluster id, version 0. */
  public static final MetadataState EMPTY = new MetadataState(0, 0, "", 0, Map.of(), Map.of(), Map.of());

  public MetadataState {
    topics = Map.copyOf(topics);
    brokers = Map.copyOf(brokers);
    internalTopics = Map.copyOf(internalTopics);
  }

  /** The first state of a new cluster. */
  static MetadataState initial(String clusterId) {
    return new MetadataState(1, 1, clusterId, 0, Map.of(), Map.of(), Map.of());
  }

  public MetadataImage toImage() {
    return new MetadataImage(version, controllerEpoch, clusterId, topics, brokers, internalTopics);
  }

  /** Newer: a higher controller epoch, or the same epoch and a higher version. */
  public boolean isNewerThan(MetadataState other) {
    return controllerEpoch != other.controllerEpoch ? controllerEpoch > other.controllerEpoch : version > other.version;
  }

  /** The Distributed Data timestamp: ordered as {@link #isNewerThan}. */
  long stamp() {
    return ((long) controllerEpoch << 32) | (version & 0xFFFF_FFFFL);
  }

  Optional<TopicInfo> topic(String name) {
    return Optional.ofNullable(topics.get(name));
  }

  MetadataState withTopic(TopicInfo topic) {
    var next = new HashMap<>(topics);
    next.put(topic.name(), topic);
    return new MetadataState(version + 1, controllerEpoch, clusterId, nextProducerId, next, brokers, internalTopics);
  }

  MetadataState withInternalTopic(TopicInfo topic) {
    var next = new HashMap<>(internalTopics);
    next.put(topic.name(), topic);
    return new MetadataState(version + 1, controllerEpoch, clusterId, nextProducerId, topics, brokers, next);
  }

  MetadataState withoutTopic(String name) {
    var next = new HashMap<>(topics);
    next.remove(name);
    return new MetadataState(version + 1, controllerEpoch, clusterId, nextProducerId, next, brokers, internalTopics);
  }

  MetadataState withBroker(BrokerInfo broker) {
    var next = new HashMap<>(brokers);
    next.put(broker.nodeId(), broker);
    return new MetadataState(version + 1, controllerEpoch, clusterId, nextProducerId, topics, next, internalTopics);
  }

  /** Every topic (internal ones too) changed by {@code change}; one version step, or this state when none changes. */
  MetadataState withEveryTopic(UnaryOperator<TopicInfo> change) {
    boolean any = false;
    var nextTopics = new HashMap<String, TopicInfo>();
    for (TopicInfo topic : topics.values()) {
      TopicInfo changed = change.apply(topic);
      any |= changed != topic;
      nextTopics.put(changed.name(), changed);
    }
    var nextInternal = new HashMap<String, TopicInfo>();
    for (TopicInfo topic : internalTopics.values()) {
      TopicInfo changed = change.apply(topic);
      any |= changed != topic;
      nextInternal.put(changed.name(), changed);
    }
    if (!any) return this;
    return new MetadataState(version + 1, controllerEpoch, clusterId, nextProducerId, nextTopics, brokers, nextInternal);
  }

  /** The topic, or internal topic, whose id is {@code id}. */
  Optional<TopicInfo> topicById(Uuid id) {
    return Stream.concat(topics.values().stream(), internalTopics.values().stream())
        .filter(t -> t.topicId().equals(id)).findFirst();
  }

  /** The topic, or internal topic, named {@code name}. */
  Optional<TopicInfo> anyTopic(String name) {
    TopicInfo topic = topics.get(name);
    return Optional.ofNullable(topic != null ? topic : internalTopics.get(name));
  }

  /** With {@code topic} replaced where it is, among the topics or the internal topics. */
  MetadataState withChangedTopic(TopicInfo topic) {
    return internalTopics.containsKey(topic.name()) && !topics.containsKey(topic.name())
        ? withInternalTopic(topic) : withTopic(topic);
  }

  MetadataState withNextProducerId(long next) {
    return new MetadataState(version + 1, controllerEpoch, clusterId, next, topics, brokers, internalTopics);
  }

  /** A new Controller took over: the epoch one higher, so that nothing its predecessors wrote alone can win. */
  MetadataState withNextControllerEpoch() {
    return new MetadataState(version + 1, controllerEpoch + 1, clusterId, nextProducerId, topics, brokers, internalTopics);
  }
}
