package io.tributary.protocol;

import io.tributary.concurrent.Failures;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResultCollection;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DeleteGroupsRequest;

/**
 * DeleteGroups (v0+): each distinct id once (Kafka takes them as a set), GROUP_ID_NOT_FOUND for a
 * group that does not exist, NON_EMPTY_GROUP for one with members, NONE once the deletion is
 * persisted; the id then leaves the group registry. The empty id is accepted, as in Kafka. A group
 * that does not answer in time gets COORDINATOR_NOT_AVAILABLE.
 */
public final class DeleteGroupsHandler implements ApiHandler<DeleteGroupsRequest> {
  private final BrokerContext broker;

  public DeleteGroupsHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<DeleteGroupsResponseData> handle(RequestContext ctx, DeleteGroupsRequest request) {
    var answers = new ArrayList<CompletableFuture<DeletableGroupResult>>();
    for (String groupId : new LinkedHashSet<>(request.data().groupsNames())) {
      answers.add(broker.groups().delete(groupId).toCompletableFuture().exceptionally(e -> new DeletableGroupResult()
          .setGroupId(groupId).setErrorCode(Errors.forException(Failures.unwrap(e)).code())));
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(x -> {
      var results = new DeletableGroupResultCollection();
      answers.forEach(a -> results.add(a.join()));
      return new DeleteGroupsResponseData().setThrottleTimeMs(0).setResults(results);
    });
  }
}
