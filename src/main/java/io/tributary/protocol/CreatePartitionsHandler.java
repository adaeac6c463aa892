package io.tributary.protocol;

import io.tributary.concurrent.Failures;
import io.tributary.metadata.MetadataImage;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.message.CreatePartitionsRequestData;
import org.apache.kafka.common.message.CreatePartitionsRequestData.CreatePartitionsTopic;
import org.apache.kafka.common.message.CreatePartitionsResponseData;
import org.apache.kafka.common.message.CreatePartitionsResponseData.CreatePartitionsTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.CreatePartitionsRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CreatePartitions (v0+), answered as a KRaft-mode Kafka 3.9 controller does: UNKNOWN_TOPIC_OR_PARTITION,
 * INVALID_PARTITIONS ("Topic already has N partition(s)." / "... would not be an increase."),
 * INVALID_REPLICA_ASSIGNMENT when the assignments do not match the added partitions or name
 * anything but one registered broker per partition, INVALID_REQUEST for a topic named twice.
 * {@code validateOnly} checks and changes nothing. {@code timeoutMs} is the deadline, as for
 * CreateTopics.
 */
public final class CreatePartitionsHandler implements ApiHandler<CreatePartitionsRequest> {
  private static final Logger log = LoggerFactory.getLogger(CreatePartitionsHandler.class);

  private final BrokerContext broker;

  public CreatePartitionsHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<CreatePartitionsResponseData> handle(RequestContext ctx, CreatePartitionsRequest request) {
    CreatePartitionsRequestData data = request.data();
    if (data.timeoutMs() <= 0) {
      return CompletableFuture.failedFuture(AdminSupport.expired());
    }
    Set<String> names = new LinkedHashSet<>();
    Set<String> duplicates = new LinkedHashSet<>();
    for (CreatePartitionsTopic topic : data.topics()) {
      if (!names.add(topic.name())) duplicates.add(topic.name());
    }
    MetadataImage image = broker.metadata().current();
    List<CompletableFuture<CreatePartitionsTopicResult>> results = new ArrayList<>();
    for (CreatePartitionsTopic topic : data.topics()) {
      if (duplicates.contains(topic.name())) continue;
      results.add(grow(topic, image, data.validateOnly(), data.timeoutMs()));
    }
    return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).thenApply(x -> {
      var response = new CreatePartitionsResponseData().setThrottleTimeMs(0);
      for (String name : duplicates) {
        response.results().add(result(name, Errors.INVALID_REQUEST, "Duplicate topic name."));
      }
      results.forEach(r -> response.results().add(r.join()));
      return response;
    });
  }

  private CompletableFuture<CreatePartitionsTopicResult> grow(CreatePartitionsTopic topic, MetadataImage image,
                                                             boolean validateOnly, int timeoutMs) {
    String name = topic.name();
    try {
      validate(topic, image);
    } catch (ApiException e) {
      return CompletableFuture.completedFuture(result(name, Errors.forException(e), e.getMessage()));
    }
    List<List<Integer>> manual = topic.assignments() == null ? List.of()
        : topic.assignments().stream().map(a -> List.copyOf(a.brokerIds())).toList();
    return AdminSupport.within(broker.metadata().createPartitions(name, topic.count(), manual, validateOnly), timeoutMs)
        .handle((info, failure) -> {
          if (failure == null) return result(name, Errors.NONE, null);
          Throwable cause = Failures.unwrap(failure);
          Errors error = Errors.forException(cause);
          if (error == Errors.UNKNOWN_SERVER_ERROR) log.warn("Adding partitions to {} failed", name, cause);
          return result(name, error, cause.getMessage());
        });
  }

  private static void validate(CreatePartitionsTopic topic, MetadataImage image) {
    var info = image.topic(topic.name())
        .orElseThrow(() -> new UnknownTopicOrPartitionException(Errors.UNKNOWN_TOPIC_OR_PARTITION.message()));
    int current = info.partitionCount();
    if (topic.count() == current) {
      throw new InvalidPartitionsException("Topic already has " + current + " partition(s).");
    }
    if (topic.count() < current) {
      throw new InvalidPartitionsException("The topic " + topic.name() + " currently has " + current
          + " partition(s); " + topic.count() + " would not be an increase.");
    }
    int additional = topic.count() - current;
    if (topic.assignments() != null) {
      if (topic.assignments().size() != additional) {
        throw new InvalidReplicaAssignmentException("Attempted to add " + additional
            + " additional partition(s), but only " + topic.assignments().size() + " assignment(s) were specified.");
      }
      for (var assignment : topic.assignments()) {
        AdminSupport.validateAssignment(assignment.brokerIds(), info.replicationFactor());
      }
    }
  }

  private static CreatePartitionsTopicResult result(String name, Errors error, String message) {
    return new CreatePartitionsTopicResult()
        .setName(name)
        .setErrorCode(error.code())
        .setErrorMessage(error == Errors.NONE ? null : message == null ? error.message() : message);
  }
}
