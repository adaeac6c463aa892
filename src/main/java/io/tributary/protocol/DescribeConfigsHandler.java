package io.tributary.protocol;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DescribeConfigs (v0+), answered as Kafka 3.9's broker does.
 *
 * <ul>
 *   <li>TOPIC: every topic config this broker knows with its effective value, read-only false,
 *       source TOPIC_CONFIG / STATIC_BROKER_CONFIG / DEFAULT_CONFIG (see {@link AdminConfigs}),
 *       synonyms (v1+, on request), type and documentation (v3+, on request); an invalid name is
 *       INVALID_TOPIC_EXCEPTION, an unknown topic UNKNOWN_TOPIC_OR_PARTITION.
 *   <li>BROKER with this node's id: this node's configs (all static, so read-only). With the empty
 *       name (cluster-wide dynamic defaults): none, since Tributary has no dynamic broker configs.
 *       Another id or a non-integer name is INVALID_REQUEST with Kafka's message.
 *   <li>Any other resource type (BROKER_LOGGER, CLIENT_METRICS, GROUP, unknown): INVALID_REQUEST
 *       "Unsupported resource type: ...". Kafka does serve BROKER_LOGGER and CLIENT_METRICS;
 *       Tributary does not have them.
 * </ul>
 * A null or empty key list means all keys; v0 reports {@code isDefault} instead of the source.
 */
public final class DescribeConfigsHandler implements ApiHandler<DescribeConfigsRequest> {
  private static final Logger log = LoggerFactory.getLogger(DescribeConfigsHandler.class);

  private final BrokerContext broker;
  private final AdminConfigs configs;

  public DescribeConfigsHandler(BrokerContext broker) {
    this.broker = broker;
    this.configs = new AdminConfigs(broker);
  }

  @Override
  public CompletionStage<DescribeConfigsResponseData> handle(RequestContext ctx, DescribeConfigsRequest request) {
    short version = ctx.apiVersion();
    var data = request.data();
    boolean synonyms = version >= 1 && data.includeSynonyms();
    boolean documentation = version >= 3 && data.includeDocumentation();
    var response = new DescribeConfigsResponseData().setThrottleTimeMs(0);
    for (DescribeConfigsResource resource : data.resources()) {
      DescribeConfigsResult result;
      try {
        result = new DescribeConfigsResult()
            .setErrorCode(Errors.NONE.code())
            .setErrorMessage(null)
            .setConfigs(render(describe(resource), resource.configurationKeys(), version, synonyms, documentation));
      } catch (ApiException e) {
        result = new DescribeConfigsResult()
            .setErrorCode(Errors.forException(e).code())
            .setErrorMessage(e.getMessage())
            .setConfigs(new ArrayList<>());
      } catch (RuntimeException e) {
        log.warn("Describing the configs of {} failed", resource, e);
        result = new DescribeConfigsResult()
            .setErrorCode(Errors.UNKNOWN_SERVER_ERROR.code())
            .setErrorMessage(null)
            .setConfigs(new ArrayList<>());
      }
      response.results().add(result.setResourceType(resource.resourceType()).setResourceName(resource.resourceName()));
    }
    return CompletableFuture.completedFuture(response);
  }

  private List<AdminConfigs.Entry> describe(DescribeConfigsResource resource) {
    ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
    switch (type) {
      case TOPIC -> {
        String name = resource.resourceName();
        Topic.validate(name);
        var topic = broker.metadata().current().topic(name)
            .orElseThrow(() -> new UnknownTopicOrPartitionException(Errors.UNKNOWN_TOPIC_OR_PARTITION.message()));
        return configs.topic(topic.configs());
      }
      case BROKER -> {
        String name = resource.resourceName();
        if (name == null || name.isEmpty()) {
          return List.of(); // no dynamic cluster-wide defaults exist
        }
        int id;
        try {
          id = Integer.parseInt(name);
        } catch (NumberFormatException e) {
          throw new InvalidRequestException("Broker id must be an integer, but it is: " + name);
        }
        if (id != broker.nodeId()) {
          throw new InvalidRequestException("Unexpected broker id, expected " + broker.nodeId()
              + " or empty string, but received " + name);
        }
        return configs.broker();
      }
      default -> throw new InvalidRequestException("Unsupported resource type: " + type);
    }
  }

  private static List<DescribeConfigsResourceResult> render(List<AdminConfigs.Entry> entries, List<String> keys,
                                                            short version, boolean withSynonyms, boolean withDocs) {
    var out = new ArrayList<DescribeConfigsResourceResult>();
    for (AdminConfigs.Entry e : entries) {
      if (keys != null && !keys.isEmpty() && !keys.contains(e.name())) continue;
      var result = new DescribeConfigsResourceResult()
          .setName(e.name())
          .setValue(e.value())
          .setReadOnly(e.readOnly())
          .setIsSensitive(false);
      if (version == 0) {
        result.setIsDefault(e.source() == ConfigSource.DEFAULT_CONFIG);
      } else {
        result.setConfigSource(e.source().id());
      }
      if (withSynonyms) {
        e.synonyms().forEach(s -> result.synonyms().add(new DescribeConfigsSynonym()
            .setName(s.name()).setValue(s.value()).setSource(s.source().id())));
      }
      if (version >= 3) {
        result.setConfigType(e.type().id()).setDocumentation(withDocs ? e.doc() : null);
      }
      out.add(result);
    }
    return out;
  }
}
