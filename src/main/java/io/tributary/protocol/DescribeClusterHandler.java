package io.tributary.protocol;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.admin.EndpointType;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.message.DescribeClusterResponseData;
import org.apache.kafka.common.message.DescribeClusterResponseData.DescribeClusterBroker;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.utils.Utils;

/**
 * DescribeCluster (v0+), answered as Kafka 3.9's broker does: cluster id, controller id (the
 * lowest registered node id, as Metadata answers), the registered brokers, the endpoint type
 * (v1). Only the broker endpoint type is served: an unknown type is UNSUPPORTED_ENDPOINT_TYPE and
 * the controller type MISMATCHED_ENDPOINT_TYPE (INVALID_REQUEST in v0). Without an authorizer,
 * Kafka reports every cluster operation as authorized when they are asked for, and
 * {@code Integer.MIN_VALUE} ("not requested") otherwise; so does this broker.
 */
public final class DescribeClusterHandler implements ApiHandler<DescribeClusterRequest> {
  private static final int AUTHORIZED_OPERATIONS_OMITTED = Integer.MIN_VALUE;

  /** Kafka's operations on the CLUSTER resource (AclEntry.supportedOperations(CLUSTER)). */
  private static final int CLUSTER_OPERATIONS = Utils.to32BitField(java.util.Set.of(
      AclOperation.CREATE.code(), AclOperation.CLUSTER_ACTION.code(), AclOperation.DESCRIBE_CONFIGS.code(),
      AclOperation.ALTER_CONFIGS.code(), AclOperation.IDEMPOTENT_WRITE.code(), AclOperation.ALTER.code(),
      AclOperation.DESCRIBE.code(), AclOperation.CREATE_TOKENS.code(), AclOperation.DESCRIBE_TOKENS.code()));

  private final BrokerContext broker;

  public DescribeClusterHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<DescribeClusterResponseData> handle(RequestContext ctx, DescribeClusterRequest request) {
    var data = request.data();
    short version = ctx.apiVersion();
    EndpointType requested = EndpointType.fromId(data.endpointType());
    if (requested == EndpointType.UNKNOWN) {
      return done(new DescribeClusterResponseData()
          .setErrorCode(version == 0 ? Errors.INVALID_REQUEST.code() : Errors.UNSUPPORTED_ENDPOINT_TYPE.code())
          .setErrorMessage("Unsupported endpoint type " + data.endpointType()));
    }
    if (requested != EndpointType.BROKER) {
      return done(new DescribeClusterResponseData()
          .setErrorCode(version == 0 ? Errors.INVALID_REQUEST.code() : Errors.MISMATCHED_ENDPOINT_TYPE.code())
          .setErrorMessage("The request was sent to an endpoint of type " + EndpointType.BROKER
              + ", but we wanted an endpoint of type " + requested));
    }
    var image = broker.metadata().current();
    var brokers = new DescribeClusterResponseData.DescribeClusterBrokerCollection();
    // the live nodes only: one that left or was downed drops out, as a fenced broker does in Kafka
    broker.metadata().liveBrokers().values().stream()
        .sorted((a, b) -> Integer.compare(a.nodeId(), b.nodeId()))
        .forEach(b -> brokers.add(new DescribeClusterBroker()
            .setBrokerId(b.nodeId()).setHost(b.host()).setPort(b.port()).setRack(b.rack())));
    int controllerId = broker.metadata().controllerId();
    return done(new DescribeClusterResponseData()
        .setThrottleTimeMs(0)
        .setErrorCode(Errors.NONE.code())
        .setErrorMessage(null)
        .setEndpointType(requested.id())
        .setClusterId(image.clusterId())
        .setControllerId(controllerId)
        .setBrokers(brokers)
        .setClusterAuthorizedOperations(data.includeClusterAuthorizedOperations()
            ? CLUSTER_OPERATIONS : AUTHORIZED_OPERATIONS_OMITTED));
  }

  private static CompletionStage<DescribeClusterResponseData> done(DescribeClusterResponseData response) {
    return CompletableFuture.completedFuture(response);
  }
}
