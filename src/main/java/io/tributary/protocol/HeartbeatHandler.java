package io.tributary.protocol;

import io.tributary.group.GroupEntity;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.HeartbeatRequest;

/** Heartbeat (v0+): INVALID_GROUP_ID for an empty group id, else the group's {@link GroupEntity} answers. */
public final class HeartbeatHandler implements ApiHandler<HeartbeatRequest> {
  private final BrokerContext broker;

  public HeartbeatHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<HeartbeatResponseData> handle(RequestContext ctx, HeartbeatRequest request) {
    var data = request.data();
    if (!GroupSupport.isValidGroupId(data.groupId())) {
      return CompletableFuture.completedFuture(new HeartbeatResponseData().setThrottleTimeMs(0).setErrorCode(Errors.INVALID_GROUP_ID.code()));
    }
    var groups = broker.groups();
    CompletionStage<HeartbeatResponseData> asked = groups.ask(data.groupId(),
        replyTo -> new GroupEntity.Heartbeat(data.generationId(), data.memberId(), data.groupInstanceId(), replyTo),
        groups.askTimeout());
    return asked.thenApply(r -> r.setThrottleTimeMs(0));
  }
}
