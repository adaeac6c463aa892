package io.tributary.protocol;

import io.tributary.concurrent.Failures;
import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.TopicInfo;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Collectors;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.PolicyViolationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.CreateTopicsResponseData;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicConfigs;
import org.apache.kafka.common.message.CreateTopicsResponseData.CreatableTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CreateTopics (v0+), answered as a KRaft-mode Kafka 3.9 controller does: name checks
 * (INVALID_TOPIC_EXCEPTION, collisions of '.' and '_'), TOPIC_ALREADY_EXISTS, config validation
 * against the broker's log defaults (INVALID_CONFIG), then partitions and replicas
 * (-1 = {@code num.partitions} and replication factor 1; a factor above the registered brokers is
 * INVALID_REPLICATION_FACTOR; manual assignments must name one registered broker per partition,
 * else INVALID_REPLICA_ASSIGNMENT). A name given twice in one request gets INVALID_REQUEST for
 * each. {@code validateOnly} checks everything and creates nothing. {@code timeoutMs} is the
 * request's deadline: {@code <= 0} answers REQUEST_TIMED_OUT for every topic at once and creates
 * nothing, otherwise a topic not created in time answers REQUEST_TIMED_OUT (it may still appear,
 * as in Kafka). v5+ results carry the partition count, replication factor, topic id (v7) and the
 * topic's effective configs.
 */
public final class CreateTopicsHandler implements ApiHandler<CreateTopicsRequest> {
  private static final Logger log = LoggerFactory.getLogger(CreateTopicsHandler.class);

  /** Kafka's limit on the partitions one CreateTopics request may create. */
  static final int MAX_PARTITIONS_PER_REQUEST = 10_000;

  private final BrokerContext broker;
  private final AdminConfigs configs;

  public CreateTopicsHandler(BrokerContext broker) {
    this.broker = broker;
    this.configs = new AdminConfigs(broker);
  }

  @Override
  public CompletionStage<CreateTopicsResponseData> handle(RequestContext ctx, CreateTopicsRequest request) {
    CreateTopicsRequestData data = request.data();
    if (data.timeoutMs() <= 0) {
      return CompletableFuture.failedFuture(AdminSupport.expired());
    }
    validateTotalPartitions(data);
    boolean validateOnly = ctx.apiVersion() >= 1 && data.validateOnly();

    Set<String> seen = new HashSet<>();
    Set<String> duplicates = new HashSet<>();
    for (CreatableTopic topic : data.topics()) {
      if (!seen.add(topic.name())) duplicates.add(topic.name());
    }

    MetadataImage image = broker.metadata().current();
    Map<String, CompletableFuture<CreatableTopicResult>> results = new LinkedHashMap<>();
    for (CreatableTopic topic : data.topics()) {
      if (duplicates.contains(topic.name())) continue;
      results.put(topic.name(), create(topic, image, validateOnly, data.timeoutMs()));
    }
    return CompletableFuture.allOf(results.values().toArray(CompletableFuture[]::new)).thenApply(x -> {
      var response = new CreateTopicsResponseData().setThrottleTimeMs(0);
      results.values().forEach(f -> response.topics().add(f.join()));
      for (String name : duplicates) {
        response.topics().add(error(name, Errors.INVALID_REQUEST, "Duplicate topic name."));
      }
      return response;
    });
  }

  private CompletableFuture<CreatableTopicResult> create(CreatableTopic topic, MetadataImage image, boolean validateOnly,
                                                         int timeoutMs) {
    String name = topic.name();
    Map<String, String> creationConfigs;
    Shape shape;
    try {
      validateName(name, image);
      if (image.topic(name).isPresent()) {
        throw new TopicExistsException("Topic '" + name + "' already exists.");
      }
      creationConfigs = validateConfigs(topic);
      shape = shape(topic);
    } catch (ApiException e) {
      return CompletableFuture.completedFuture(error(name, Errors.forException(e), e.getMessage()));
    }
    // manual assignments, in partition order; empty: the controller places the partitions over the live nodes
    var manual = new TreeMap<Integer, List<Integer>>();
    topic.assignments().forEach(a -> manual.put(a.partitionIndex(), List.copyOf(a.brokerIds())));
    return AdminSupport.within(broker.metadata().createTopic(name, shape.partitions(), shape.replicationFactor(),
            List.copyOf(manual.values()), creationConfigs, validateOnly), timeoutMs)
        .handle((created, failure) -> {
          if (failure != null) {
            Throwable cause = Failures.unwrap(failure);
            Errors error = Errors.forException(cause);
            if (error == Errors.UNKNOWN_SERVER_ERROR) log.warn("Creating topic {} failed", name, cause);
            return error(name, error, cause.getMessage());
          }
          return success(created, creationConfigs);
        });
  }

  private static void validateName(String name, MetadataImage image) {
    Topic.validate(name); // InvalidTopicException (INVALID_TOPIC_EXCEPTION) with Kafka's message
    if (Topic.hasCollisionChars(name)) {
      String unified = Topic.unifyCollisionChars(name);
      for (String existing : image.topics().keySet()) {
        if (!existing.equals(name) && Topic.unifyCollisionChars(existing).equals(unified)) {
          throw new InvalidTopicException("Topic '" + name + "' collides with existing topic: " + existing);
        }
      }
    }
  }

  private Map<String, String> validateConfigs(CreatableTopic topic) {
    Map<String, String> map = new HashMap<>();
    List<String> nulls = new ArrayList<>();
    for (var config : topic.configs()) {
      if (config.value() == null) nulls.add(config.name());
      else map.put(config.name(), config.value());
    }
    if (!nulls.isEmpty()) {
      throw new InvalidConfigurationException("Null value not supported for topic configs: " + String.join(",", nulls));
    }
    broker.logDefaults().withOverrides(map); // throws InvalidConfigurationException (INVALID_CONFIG)
    return map;
  }

  /** The partition count and replication factor to create (the factor is -1 with manual assignments). */
  private record Shape(int partitions, int replicationFactor) {}

  /** The partitions and replicas to create, after Kafka's checks of counts, replication factor and manual assignments. */
  private Shape shape(CreatableTopic topic) {
    if (!topic.assignments().isEmpty()) {
      if (topic.replicationFactor() != -1) {
        throw new InvalidRequestException("A manual partition assignment was specified, but replication factor was not set to -1.");
      }
      if (topic.numPartitions() != -1) {
        throw new InvalidRequestException("A manual partition assignment was specified, but numPartitions was not set to -1.");
      }
      Set<Integer> indexes = new HashSet<>();
      int replicationFactor = -1;
      for (var assignment : topic.assignments()) {
        if (!indexes.add(assignment.partitionIndex())) {
          throw new InvalidReplicaAssignmentException("Found multiple manual partition assignments for partition "
              + assignment.partitionIndex());
        }
        AdminSupport.validateAssignment(assignment.brokerIds(), replicationFactor);
        replicationFactor = assignment.brokerIds().size();
      }
      for (int i = 0; i < indexes.size(); i++) {
        if (!indexes.contains(i)) {
          throw new InvalidReplicaAssignmentException("partitions should be a consecutive 0-based integer sequence");
        }
      }
      return new Shape(indexes.size(), -1);
    }
    if (topic.replicationFactor() < -1 || topic.replicationFactor() == 0) {
      throw new InvalidReplicationFactorException("Replication factor must be larger than 0, or -1 to use the default value.");
    }
    if (topic.numPartitions() < -1 || topic.numPartitions() == 0) {
      throw new InvalidPartitionsException("Number of partitions was set to an invalid non-positive value.");
    }
    int partitions = topic.numPartitions() == -1 ? broker.defaultPartitions() : topic.numPartitions();
    short replicationFactor = topic.replicationFactor() == -1
        ? AdminConfigs.defaultReplicationFactor(broker) : topic.replicationFactor();
    // Kafka counts the unfenced brokers: here the live ones (the Controller checks again when it places them)
    int brokers = broker.metadata().liveBrokers().size();
    if (replicationFactor > brokers) {
      throw new InvalidReplicationFactorException("Unable to replicate the partition " + replicationFactor
          + " time(s): The target replication factor of " + replicationFactor
          + " cannot be reached because only " + brokers + " broker(s) are registered.");
    }
    return new Shape(partitions, replicationFactor);
  }

  private void validateTotalPartitions(CreateTopicsRequestData data) {
    long total = 0;
    for (CreatableTopic topic : data.topics()) {
      if (topic.assignments().isEmpty()) {
        if (topic.numPartitions() == -1) total += broker.defaultPartitions();
        else if (topic.numPartitions() > 0) total += topic.numPartitions();
      } else {
        total += topic.assignments().size();
      }
    }
    if (total > MAX_PARTITIONS_PER_REQUEST) {
      throw new PolicyViolationException("Excessively large number of partitions per request.");
    }
  }

  private CreatableTopicResult success(TopicInfo created, Map<String, String> creationConfigs) {
    var result = new CreatableTopicResult()
        .setName(created.name())
        .setTopicId(created.topicId())
        .setErrorCode(Errors.NONE.code())
        .setErrorMessage(null)
        .setNumPartitions(created.partitionCount())
        .setReplicationFactor((short) created.replicationFactor())
        .setTopicConfigErrorCode(Errors.NONE.code());
    List<CreatableTopicConfigs> list = configs.topic(creationConfigs).stream()
        .map(e -> new CreatableTopicConfigs()
            .setName(e.name())
            .setValue(e.value())
            .setReadOnly(e.readOnly())
            .setConfigSource(e.source().id())
            .setIsSensitive(false))
        .collect(Collectors.toList());
    result.setConfigs(list);
    return result;
  }

  private static CreatableTopicResult error(String name, Errors error, String message) {
    return new CreatableTopicResult()
        .setName(name)
        .setTopicId(Uuid.ZERO_UUID)
        .setErrorCode(error.code())
        .setErrorMessage(message == null ? error.message() : message);
  }
}
