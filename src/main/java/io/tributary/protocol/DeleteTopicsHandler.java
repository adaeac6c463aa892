package io.tributary.protocol;

import io.tributary.concurrent.Failures;
import io.tributary.metadata.MetadataImage;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.DeleteTopicsRequestData;
import org.apache.kafka.common.message.DeleteTopicsResponseData;
import org.apache.kafka.common.message.DeleteTopicsResponseData.DeletableTopicResult;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteTopicsRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DeleteTopics (v0+; v6 also by topic id), answered as a KRaft-mode Kafka 3.9 controller does:
 * UNKNOWN_TOPIC_OR_PARTITION for an unknown name, UNKNOWN_TOPIC_ID for an unknown id,
 * INVALID_REQUEST for a name or id given twice, for both name and id in one entry, for neither, and
 * for a name that maps to an id also given. {@code timeoutMs <= 0} answers REQUEST_TIMED_OUT for
 * every topic and deletes nothing; a deletion not acknowledged in time answers REQUEST_TIMED_OUT
 * (it may still happen). Only the metadata changes here: the partition layer deletes the logs of
 * a topic that metadata no longer has.
 */
public final class DeleteTopicsHandler implements ApiHandler<DeleteTopicsRequest> {
  private static final Logger log = LoggerFactory.getLogger(DeleteTopicsHandler.class);

  private final BrokerContext broker;

  public DeleteTopicsHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<DeleteTopicsResponseData> handle(RequestContext ctx, DeleteTopicsRequest request) {
    DeleteTopicsRequestData data = request.data();
    if (data.timeoutMs() <= 0) {
      return CompletableFuture.failedFuture(AdminSupport.expired());
    }
    List<DeletableTopicResult> responses = new ArrayList<>();
    Set<String> names = new LinkedHashSet<>();
    Set<String> duplicateNames = new LinkedHashSet<>();
    Set<Uuid> ids = new LinkedHashSet<>();
    Set<Uuid> duplicateIds = new LinkedHashSet<>();

    for (String name : data.topicNames()) addName(name, names, duplicateNames);
    for (var topic : data.topics()) {
      if (topic.name() == null) {
        if (topic.topicId().equals(Uuid.ZERO_UUID)) {
          responses.add(result(null, Uuid.ZERO_UUID, Errors.INVALID_REQUEST, "Neither topic name nor id were specified."));
        } else if (duplicateIds.contains(topic.topicId()) || !ids.add(topic.topicId())) {
          duplicateIds.add(topic.topicId());
          ids.remove(topic.topicId());
        }
      } else if (topic.topicId().equals(Uuid.ZERO_UUID)) {
        addName(topic.name(), names, duplicateNames);
      } else {
        responses.add(result(topic.name(), topic.topicId(), Errors.INVALID_REQUEST,
            "You may not specify both topic name and topic id."));
      }
    }
    duplicateNames.forEach(n -> responses.add(result(n, Uuid.ZERO_UUID, Errors.INVALID_REQUEST, "Duplicate topic name.")));
    duplicateIds.forEach(id -> responses.add(result(null, id, Errors.INVALID_REQUEST, "Duplicate topic id.")));

    MetadataImage image = broker.metadata().current();
    Map<Uuid, String> toDelete = new LinkedHashMap<>();
    for (Uuid id : ids) {
      var topic = image.topicById(id);
      if (topic.isEmpty()) {
        responses.add(result(null, id, Errors.UNKNOWN_TOPIC_ID, Errors.UNKNOWN_TOPIC_ID.message()));
      } else {
        toDelete.put(id, topic.get().name());
      }
    }
    for (String name : names) {
      var topic = image.topic(name);
      if (topic.isEmpty()) {
        responses.add(result(name, Uuid.ZERO_UUID, Errors.UNKNOWN_TOPIC_OR_PARTITION, Errors.UNKNOWN_TOPIC_OR_PARTITION.message()));
        continue;
      }
      Uuid id = topic.get().topicId();
      if (duplicateIds.contains(id) || toDelete.put(id, name) != null) {
        duplicateIds.add(id);
        toDelete.remove(id);
        responses.add(result(name, id, Errors.INVALID_REQUEST, "The provided topic name maps to an ID that was already supplied."));
      }
    }

    List<CompletableFuture<DeletableTopicResult>> deletions = new ArrayList<>();
    toDelete.forEach((id, name) -> deletions.add(
        AdminSupport.within(broker.metadata().deleteTopic(name), data.timeoutMs()).handle((deleted, failure) -> {
          if (failure == null) return result(name, id, Errors.NONE, null);
          Throwable cause = Failures.unwrap(failure);
          Errors error = Errors.forException(cause);
          if (error == Errors.UNKNOWN_SERVER_ERROR) log.warn("Deleting topic {} failed", name, cause);
          return result(name, id, error, cause.getMessage());
        })));
    return CompletableFuture.allOf(deletions.toArray(CompletableFuture[]::new)).thenApply(x -> {
      var response = new DeleteTopicsResponseData().setThrottleTimeMs(0);
      deletions.forEach(d -> response.responses().add(d.join()));
      responses.forEach(r -> response.responses().add(r));
      return response;
    });
  }

  private static void addName(String name, Set<String> names, Set<String> duplicates) {
    if (duplicates.contains(name) || !names.add(name)) {
      duplicates.add(name);
      names.remove(name);
    }
  }

  private static DeletableTopicResult result(String name, Uuid id, Errors error, String message) {
    return new DeletableTopicResult()
        .setName(name)
        .setTopicId(id)
        .setErrorCode(error.code())
        .setErrorMessage(error == Errors.NONE ? null : message == null ? error.message() : message);
  }
}
