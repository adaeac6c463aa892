package io.tributary.protocol;

import io.tributary.group.GroupEntity;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.JoinGroupRequest;

/**
 * JoinGroup (v0+). An empty group id gets INVALID_GROUP_ID (Kafka's JoinGroupResult(memberId,
 * error): generation -1, no leader, the request's member id); everything else is decided by the
 * group's {@link GroupEntity}, whose answer is already version-correct. The request is parked in
 * the entity until the rebalance completes, so the ask waits the request's rebalance timeout (v0:
 * its session timeout, as Kafka) plus the initial rebalance delay; a graceful shutdown answers it
 * at once with COORDINATOR_NOT_AVAILABLE.
 */
public final class JoinGroupHandler implements ApiHandler<JoinGroupRequest> {
  private final BrokerContext broker;

  public JoinGroupHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<JoinGroupResponseData> handle(RequestContext ctx, JoinGroupRequest request) {
    var data = request.data();
    short version = ctx.apiVersion();
    if (!GroupSupport.isValidGroupId(data.groupId())) {
      return CompletableFuture.completedFuture(new JoinGroupResponseData()
          .setThrottleTimeMs(0)
          .setErrorCode(Errors.INVALID_GROUP_ID.code())
          .setGenerationId(JoinGroupRequest.UNKNOWN_GENERATION_ID)
          .setProtocolType(null)
          .setProtocolName(version >= 7 ? null : "")
          .setLeader(JoinGroupRequest.UNKNOWN_MEMBER_ID)
          .setMemberId(data.memberId()));
    }
    var protocols = new ArrayList<GroupEntity.Protocol>();
    data.protocols().forEach(p -> protocols.add(new GroupEntity.Protocol(p.name(), p.metadata())));
    String clientId = ctx.header().clientId() == null ? "" : ctx.header().clientId();
    String clientHost = GroupSupport.clientHost(ctx);
    var groups = broker.groups();
    CompletionStage<JoinGroupResponseData> asked = groups.askCreating(data.groupId(),
        replyTo -> new GroupEntity.Join(data.memberId(), data.groupInstanceId(), data.protocolType(), protocols,
            data.sessionTimeoutMs(), data.rebalanceTimeoutMs(), clientId, clientHost, version, replyTo),
        groups.joinTimeout(data.rebalanceTimeoutMs()));
    return groups.parked(asked).thenApply(r -> r.setThrottleTimeMs(0));
  }
}
