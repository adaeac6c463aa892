package io.tributary.protocol;

import io.tributary.group.GroupEntity;
import java.util.LinkedHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.SyncGroupRequest;

/**
 * SyncGroup (v0+), in Kafka's order of checks: v5+ without protocol type and name gets
 * INCONSISTENT_GROUP_PROTOCOL, an empty group id INVALID_GROUP_ID, the rest the group's {@link
 * GroupEntity} decides (assignments sent by a follower are ignored, as Kafka does). A follower's
 * SyncGroup is parked until the leader's arrives; graceful shutdown answers it at once with
 * COORDINATOR_NOT_AVAILABLE.
 */
public final class SyncGroupHandler implements ApiHandler<SyncGroupRequest> {
  private final BrokerContext broker;

  public SyncGroupHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<SyncGroupResponseData> handle(RequestContext ctx, SyncGroupRequest request) {
    var data = request.data();
    short version = ctx.apiVersion();
    if (!request.areMandatoryProtocolTypeAndNamePresent()) return error(Errors.INCONSISTENT_GROUP_PROTOCOL);
    if (!GroupSupport.isValidGroupId(data.groupId())) return error(Errors.INVALID_GROUP_ID);
    var assignments = new LinkedHashMap<String, byte[]>();
    data.assignments().forEach(a -> assignments.put(a.memberId(), a.assignment()));
    var groups = broker.groups();
    CompletionStage<SyncGroupResponseData> asked = groups.ask(data.groupId(),
        replyTo -> new GroupEntity.Sync(data.generationId(), data.memberId(), data.groupInstanceId(),
            version >= 5 ? data.protocolType() : null, version >= 5 ? data.protocolName() : null, assignments, replyTo),
        groups.syncTimeout());
    return groups.parked(asked).thenApply(r -> r.setThrottleTimeMs(0));
  }

  private static CompletionStage<SyncGroupResponseData> error(Errors error) {
    return CompletableFuture.completedFuture(new SyncGroupResponseData()
        .setThrottleTimeMs(0).setErrorCode(error.code()).setAssignment(new byte[0]));
  }
}
