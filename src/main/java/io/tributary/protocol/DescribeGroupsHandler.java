package io.tributary.protocol;

import io.tributary.concurrent.Failures;
import io.tributary.group.GroupEntity;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeGroupsRequest;
import org.apache.kafka.common.requests.DescribeGroupsResponse;

/**
 * DescribeGroups (v0+): one entry per requested id, in request order, from the group's {@link
 * GroupEntity}; a group that does not exist is "Dead" with no error, as Kafka 3.9. The empty id is
 * accepted. With {@code includeAuthorizedOperations} (v3+) a group answered without error carries
 * what Kafka without an authorizer reports: every operation a group supports (READ, DESCRIBE,
 * DELETE). A group that does not answer in time gets COORDINATOR_NOT_AVAILABLE.
 */
public final class DescribeGroupsHandler implements ApiHandler<DescribeGroupsRequest> {
  private static final int GROUP_OPERATIONS =
      (1 << AclOperation.READ.code()) | (1 << AclOperation.DESCRIBE.code()) | (1 << AclOperation.DELETE.code());

  private final BrokerContext broker;

  public DescribeGroupsHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<DescribeGroupsResponseData> handle(RequestContext ctx, DescribeGroupsRequest request) {
    var data = request.data();
    var groups = broker.groups();
    var answers = new ArrayList<CompletableFuture<DescribedGroup>>();
    for (String groupId : data.groups()) {
      CompletionStage<DescribedGroup> asked = groups.ask(groupId, GroupEntity.Describe::new, groups.askTimeout());
      answers.add(asked.toCompletableFuture()
          .exceptionally(e -> DescribeGroupsResponse.groupError(groupId, Errors.forException(Failures.unwrap(e)))));
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(x -> {
      var response = new DescribeGroupsResponseData().setThrottleTimeMs(0);
      for (var a : answers) {
        DescribedGroup g = a.join();
        if (data.includeAuthorizedOperations() && g.errorCode() == Errors.NONE.code()) g.setAuthorizedOperations(GROUP_OPERATIONS);
        response.groups().add(g);
      }
      return response;
    });
  }
}
