package io.tributary.protocol;

import io.tributary.concurrent.Failures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.admin.AlterConfigOp.OpType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidConfigurationException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.InvalidTopicException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterConfigsResource;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData.AlterableConfig;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData;
import org.apache.kafka.common.message.IncrementalAlterConfigsResponseData.AlterConfigsResourceResponse;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * IncrementalAlterConfigs (v0+), answered as a KRaft-mode Kafka 3.9 broker and controller do.
 *
 * <ul>
 *   <li>Request shape first (Kafka's broker-side preprocessing): a resource given twice is
 *       INVALID_REQUEST "Each resource must appear at most once." for each copy; a key given twice
 *       in one resource, a null value on anything but DELETE, an unknown operation: INVALID_REQUEST.
 *   <li>TOPIC: SET, DELETE, APPEND and SUBTRACT applied to the topic's overrides (APPEND/SUBTRACT
 *       only for list-typed configs such as {@code cleanup.policy}, else INVALID_CONFIG "Can't
 *       APPEND to key retention.ms because its type is not LIST."), the resulting overrides
 *       validated against the broker's log defaults (INVALID_CONFIG), the topic must exist
 *       (UNKNOWN_TOPIC_OR_PARTITION), then stored (or only checked with {@code validateOnly}).
 *   <li>BROKER: the name must be empty or this node's id (else INVALID_REQUEST, Kafka's message).
 *       Tributary has no dynamic broker configs, so, as Kafka answers for a config that is not
 *       dynamic, setting anything is INVALID_REQUEST "Cannot update these configs dynamically:
 *       Set(...)"; deleting (there is never a dynamic value) succeeds and changes nothing.
 *   <li>Other resource types: INVALID_REQUEST (BROKER_LOGGER, CLIENT_METRICS and GROUP configs,
 *       which Kafka has, do not exist here).
 * </ul>
 * Differs from Kafka: APPEND/SUBTRACT on a topic without an override start from the broker's
 * configured default rather than Kafka's built-in one (the same unless the operator changed it).
 */
public final class IncrementalAlterConfigsHandler implements ApiHandler<IncrementalAlterConfigsRequest> {
  private static final Logger log = LoggerFactory.getLogger(IncrementalAlterConfigsHandler.class);

  private final BrokerContext broker;
  private final AdminConfigs configs;

  public IncrementalAlterConfigsHandler(BrokerContext broker) {
    this.broker = broker;
    this.configs = new AdminConfigs(broker);
  }

  @Override
  public CompletionStage<IncrementalAlterConfigsResponseData> handle(RequestContext ctx, IncrementalAlterConfigsRequest request) {
    var data = request.data();
    Map<AlterConfigsResource, Boolean> duplicate = new IdentityHashMap<>();
    Map<List<Object>, AlterConfigsResource> byId = new HashMap<>();
    for (AlterConfigsResource resource : data.resources()) {
      var previous = byId.put(Arrays.asList(resource.resourceType(), resource.resourceName()), resource);
      if (previous != null) {
        duplicate.put(previous, true);
        duplicate.put(resource, true);
      }
    }
    List<CompletableFuture<AlterConfigsResourceResponse>> results = new ArrayList<>();
    for (AlterConfigsResource resource : data.resources()) {
      CompletableFuture<AlterConfigsResourceResponse> result;
      if (duplicate.containsKey(resource)) {
        result = CompletableFuture.completedFuture(
            response(resource, Errors.INVALID_REQUEST, "Each resource must appear at most once."));
      } else {
        try {
          result = alter(resource, data.validateOnly());
        } catch (ApiException e) {
          result = CompletableFuture.completedFuture(response(resource, Errors.forException(e), e.getMessage()));
        }
      }
      results.add(result);
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(x -> {
      var response = new IncrementalAlterConfigsResponseData().setThrottleTimeMs(0);
      results.forEach(r -> response.responses().add(r.join()));
      return response;
    });
  }

  private CompletableFuture<AlterConfigsResourceResponse> alter(AlterConfigsResource resource, boolean validateOnly) {
    Set<String> keys = new HashSet<>();
    List<String> nulls = new ArrayList<>();
    for (AlterableConfig config : resource.configs()) {
      if (!keys.add(config.name())) {
        throw new InvalidRequestException("Error due to duplicate config keys");
      }
      if (config.configOperation() != OpType.DELETE.id() && config.value() == null) {
        nulls.add(config.name());
      }
    }
    if (!nulls.isEmpty()) {
      throw new InvalidRequestException("Null value not supported for : " + String.join(", ", nulls));
    }
    for (AlterableConfig config : resource.configs()) {
      if (OpType.forId(config.configOperation()) == null) {
        throw new InvalidRequestException("Unknown operations type " + config.configOperation());
      }
    }
    byte typeId = resource.resourceType();
    ConfigResource.Type type = ConfigResource.Type.forId(typeId);
    return switch (type) {
      case TOPIC -> alterTopic(resource, validateOnly);
      case BROKER -> CompletableFuture.completedFuture(alterBroker(resource));
      case UNKNOWN -> throw new InvalidRequestException("Unknown resource type " + typeId);
      default -> throw new InvalidRequestException("Unsupported config resource type " + type);
    };
  }

  private CompletableFuture<AlterConfigsResourceResponse> alterTopic(AlterConfigsResource resource, boolean validateOnly) {
    String name = resource.resourceName();
    try {
      Topic.validate(name);
    } catch (InvalidTopicException e) {
      throw new InvalidRequestException("Illegal topic name.");
    }
    var topic = broker.metadata().current().topic(name);
    Map<String, String> overrides = new TreeMap<>(topic.map(t -> t.configs()).orElse(Map.of()));
    for (AlterableConfig config : resource.configs()) {
      String key = config.name();
      OpType op = OpType.forId(config.configOperation());
      switch (op) {
        case SET -> overrides.put(key, config.value());
        case DELETE -> overrides.remove(key);
        case APPEND, SUBTRACT -> {
          if (!AdminConfigs.isList(key)) {
            throw new InvalidConfigurationException("Can't " + op + " to key " + key + " because its type is not LIST.");
          }
          List<String> parts = parts(overrides.containsKey(key) ? overrides.get(key) : configs.topicDefault(key));
          for (String value : config.value().split(",")) {
            if (op == OpType.APPEND) {
              if (!parts.contains(value)) parts.add(value);
            } else {
              parts.remove(value);
            }
          }
          overrides.put(key, String.join(",", parts));
        }
        default -> throw new InvalidRequestException("Unknown operations type " + config.configOperation());
      }
    }
    broker.logDefaults().withOverrides(overrides); // INVALID_CONFIG with LogConfig's message
    if (topic.isEmpty()) {
      throw new UnknownTopicOrPartitionException("The topic '" + name + "' does not exist.");
    }
    return broker.metadata().replaceTopicConfigs(name, overrides, validateOnly).toCompletableFuture()
        .handle((info, failure) -> {
          if (failure == null) return response(resource, Errors.NONE, null);
          Throwable cause = Failures.unwrap(failure);
          Errors error = Errors.forException(cause);
          if (error == Errors.UNKNOWN_SERVER_ERROR) log.warn("Altering the configs of topic {} failed", name, cause);
          return response(resource, error, cause.getMessage());
        });
  }

  private AlterConfigsResourceResponse alterBroker(AlterConfigsResource resource) {
    String name = resource.resourceName();
    if (!name.isEmpty()) {
      int id;
      try {
        id = Integer.parseInt(name);
      } catch (NumberFormatException e) {
        throw new InvalidRequestException("Node id must be an integer, but it is: " + name);
      }
      if (id != broker.nodeId()) {
        throw new InvalidRequestException("Unexpected broker id, expected " + broker.nodeId() + ", but received " + name);
      }
    }
    List<String> changed = resource.configs().stream()
        .filter(c -> c.configOperation() != OpType.DELETE.id())
        .map(AlterableConfig::name)
        .toList();
    if (!changed.isEmpty()) {
      throw new InvalidRequestException("Cannot update these configs dynamically: Set(" + String.join(", ", changed) + ")");
    }
    return response(resource, Errors.NONE, null);
  }

  private static List<String> parts(String value) {
    List<String> parts = new ArrayList<>();
    if (value == null) return parts;
    for (String part : value.split(",")) {
      if (!part.isEmpty()) parts.add(part);
    }
    return parts;
  }

  private static AlterConfigsResourceResponse response(AlterConfigsResource resource, Errors error, String message) {
    return new AlterConfigsResourceResponse()
        .setResourceType(resource.resourceType())
        .setResourceName(resource.resourceName())
        .setErrorCode(error.code())
        .setErrorMessage(error == Errors.NONE ? null : message == null ? error.message() : message);
  }
}
