package io.tributary.protocol;

import io.tributary.group.GroupEntity;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.LeaveGroupRequest;
import org.apache.kafka.common.requests.LeaveGroupResponse;

/**
 * LeaveGroup (v0+; v3+ batched members). An empty group id gets INVALID_GROUP_ID with no member
 * results; otherwise the group's {@link GroupEntity} answers per member, and the response is
 * shaped by kafka-clients' {@link LeaveGroupResponse} as Kafka does: v0-2 carry only a top-level
 * error (the first member error), v3+ the member list.
 */
public final class LeaveGroupHandler implements ApiHandler<LeaveGroupRequest> {
  private final BrokerContext broker;

  public LeaveGroupHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<LeaveGroupResponseData> handle(RequestContext ctx, LeaveGroupRequest request) {
    short version = ctx.apiVersion();
    var data = request.normalizedData();
    if (!GroupSupport.isValidGroupId(data.groupId())) {
      return CompletableFuture.completedFuture(new LeaveGroupResponse(List.of(), Errors.INVALID_GROUP_ID, 0, version).data());
    }
    var members = new ArrayList<GroupEntity.LeavingMember>();
    data.members().forEach(m -> members.add(new GroupEntity.LeavingMember(m.memberId(), m.groupInstanceId())));
    var groups = broker.groups();
    CompletionStage<LeaveGroupResponseData> asked = groups.ask(data.groupId(),
        replyTo -> new GroupEntity.Leave(members, replyTo), groups.askTimeout());
    return asked.thenApply(r -> new LeaveGroupResponse(r.members(), Errors.forCode(r.errorCode()), 0, version).data());
  }
}
