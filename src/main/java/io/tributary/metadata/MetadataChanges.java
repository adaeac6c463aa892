package io.tributary.metadata;

import io.tributary.metadata.Controller.AllocateProducerIds;
import io.tributary.metadata.Controller.BrokerRegistered;
import io.tributary.metadata.Controller.CreatePartitions;
import io.tributary.metadata.Controller.CreateTopic;
import io.tributary.metadata.Controller.DeleteTopic;
import io.tributary.metadata.Controller.ProducerIdsAllocated;
import io.tributary.metadata.Controller.RegisterBroker;
import io.tributary.metadata.Controller.Rejected;
import io.tributary.metadata.Controller.ReplaceTopicConfigs;
import io.tributary.metadata.Controller.Reply;
import io.tributary.metadata.Controller.Request;
import io.tributary.metadata.Controller.TopicDone;
import java.util.Optional;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.protocol.Errors;

/**
 * The Controller's rules, as pure functions: what a request does to a state, and the reply.
 * Error codes and messages are those a Kafka broker gives.
 */
final class MetadataChanges {

  /** {@code next} is the state to persist before replying, or the same instance when nothing changes. */
  record Outcome(MetadataState next, Reply reply) {}

  private MetadataChanges() {}

  static Outcome decide(MetadataState state, Request request) {
    if (request instanceof CreateTopic r) return createTopic(state, r);
    if (request instanceof DeleteTopic r) return deleteTopic(state, r);
    if (request instanceof CreatePartitions r) return createPartitions(state, r);
    if (request instanceof ReplaceTopicConfigs r) return replaceTopicConfigs(state, r);
    if (request instanceof AllocateProducerIds r) return allocateProducerIds(state, r);
    if (request instanceof RegisterBroker r) return registerBroker(state, r);
    throw new IllegalArgumentException("Unknown request " + request);
  }

  static Outcome createTopic(MetadataState state, CreateTopic r) {
    try {
      Topic.validate(r.name());
    } catch (InvalidTopicException | NullPointerException e) {
      return reject(state, Errors.INVALID_TOPIC_EXCEPTION, r.name() == null ? "Topic name is missing." : e.getMessage());
    }
    if (state.topics().containsKey(r.name())) {
      return reject(state, Errors.TOPIC_ALREADY_EXISTS, "Topic '" + r.name() + "' already exists.");
    }
    Optional<String> collision = state.topics().keySet().stream().filter(t -> Topic.hasCollision(r.name(), t)).findFirst();
    if (collision.isPresent()) {
      return reject(state, Errors.INVALID_TOPIC_EXCEPTION,
          "Topic '" + r.name() + "' collides with existing topic: " + collision.get());
    }
    if (r.partitions() < 1) {
      return reject(state, Errors.INVALID_PARTITIONS, "Number of partitions must be larger than 0.");
    }
    var topic = TopicInfo.created(r.name(), freshTopicId(state), r.partitions(), r.configs());
    return done(topic, r.validateOnly() ? state : state.withTopic(topic));
  }

  static Outcome deleteTopic(MetadataState state, DeleteTopic r) {
    return state.topic(r.name())
        .map(topic -> done(topic, state.withoutTopic(r.name())))
        .orElseGet(() -> unknownTopic(state));
  }

  static Outcome createPartitions(MetadataState state, CreatePartitions r) {
    Optional<TopicInfo> found = state.topic(r.name());
    if (found.isEmpty()) return unknownTopic(state);
    TopicInfo topic = found.get();
    if (r.totalCount() == topic.partitionCount()) {
      return reject(state, Errors.INVALID_PARTITIONS, "Topic already has " + topic.partitionCount() + " partitions.");
    }
    if (r.totalCount() < topic.partitionCount()) {
      return reject(state, Errors.INVALID_PARTITIONS, "Topic currently has " + topic.partitionCount()
          + " partitions, which is higher than the requested " + r.totalCount() + ".");
    }
    var grown = topic.withPartitionCount(r.totalCount());
    return done(grown, r.validateOnly() ? state : state.withTopic(grown));
  }

  static Outcome replaceTopicConfigs(MetadataState state, ReplaceTopicConfigs r) {
    Optional<TopicInfo> found = state.topic(r.name());
    if (found.isEmpty()) return unknownTopic(state);
    TopicInfo topic = found.get();
    var changed = topic.withConfigs(r.configs());
    boolean write = !r.validateOnly() && !changed.equals(topic);
    return done(changed, write ? state.withTopic(changed) : state);
  }

  static Outcome allocateProducerIds(MetadataState state, AllocateProducerIds r) {
    if (r.count() < 1) {
      return reject(state, Errors.INVALID_REQUEST, "The producer id block size must be positive, not " + r.count() + ".");
    }
    long first = state.nextProducerId();
    if (first > Long.MAX_VALUE - r.count()) {
      return reject(state, Errors.UNKNOWN_SERVER_ERROR, "The producer id space is exhausted.");
    }
    MetadataState next = state.withNextProducerId(first + r.count());
    return new Outcome(next, new ProducerIdsAllocated(first, next));
  }

  /**
   * A node (re)starts: it is registered and leads its partitions anew, so their leader epochs grow, as when KRaft
   * unfences a restarted broker and elects it again. Until partitions are assigned across nodes (the cluster
   * issue), the registering node leads every partition.
   */
  static Outcome registerBroker(MetadataState state, RegisterBroker r) {
    MetadataState next = state.withBroker(r.broker()).withLeadersReelected();
    return new Outcome(next, new BrokerRegistered(next));
  }

  /** A random id that is neither reserved (Uuid.randomUuid never returns those) nor used by another topic. */
  private static Uuid freshTopicId(MetadataState state) {
    while (true) {
      Uuid id = Uuid.randomUuid();
      if (state.topics().values().stream().noneMatch(t -> t.topicId().equals(id))) return id;
    }
  }

  private static Outcome done(TopicInfo topic, MetadataState next) {
    return new Outcome(next, new TopicDone(topic, next));
  }

  private static Outcome unknownTopic(MetadataState state) {
    return reject(state, Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.UNKNOWN_TOPIC_OR_PARTITION.message());
  }

  private static Outcome reject(MetadataState state, Errors error, String message) {
    return new Outcome(state, Rejected.of(error, message));
  }
}
