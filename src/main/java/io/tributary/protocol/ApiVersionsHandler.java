package io.tributary.protocol;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.ApiVersionsResponseData;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersion;
import org.apache.kafka.common.message.ApiVersionsResponseData.ApiVersionCollection;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiVersionsRequest;

/**
 * ApiVersions: lists exactly the registered APIs and versions. A request in a version this broker
 * does not know is answered (by {@link RequestDispatcher}) as Kafka does: a v0 response carrying
 * UNSUPPORTED_VERSION and the list, so that the client can fall back.
 */
public final class ApiVersionsHandler implements ApiHandler<ApiVersionsRequest> {
  private final ApiRegistry registry;

  public ApiVersionsHandler(ApiRegistry registry) {
    this.registry = registry;
  }

  @Override
  public CompletionStage<ApiVersionsResponseData> handle(RequestContext ctx, ApiVersionsRequest request) {
    if (ctx.apiVersion() >= 3 && !request.isValid()) {
      return CompletableFuture.completedFuture(response(Errors.INVALID_REQUEST));
    }
    return CompletableFuture.completedFuture(response(Errors.NONE));
  }

  ApiVersionsResponseData response(Errors error) {
    var keys = new ApiVersionCollection();
    registry.all().values().forEach(r -> keys.add(new ApiVersion()
        .setApiKey(r.api().id).setMinVersion(r.minVersion()).setMaxVersion(r.maxVersion())));
    return new ApiVersionsResponseData()
        .setErrorCode(error.code())
        .setApiKeys(keys)
        .setThrottleTimeMs(0)
        .setFinalizedFeaturesEpoch(-1L);
  }
}
