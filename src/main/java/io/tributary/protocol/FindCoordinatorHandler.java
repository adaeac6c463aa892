package io.tributary.protocol;

import io.tributary.group.GroupCoordinator;
import io.tributary.metadata.MetadataImage;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.FindCoordinatorResponseData.Coordinator;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest;

/**
 * FindCoordinator (v0+; v4+ batched {@code coordinatorKeys}), answered as Kafka 3.9 does:
 *
 * <ul>
 *   <li>key type GROUP (0; v0 has no key type): the node {@link GroupCoordinator#coordinatorFor}
 *       names, i.e. the node leading partition {@code abs(hash(group)) % 50} of the offsets topic,
 *       which the first lookup creates over the live nodes. COORDINATOR_NOT_AVAILABLE while that
 *       leader is not live.
 *   <li>TRANSACTION (1): the node {@link io.tributary.txn.TransactionCoordinator#coordinatorFor} names, i.e. the
 *       node leading partition {@code abs(hash(id)) % transaction.state.log.num.partitions} of
 *       {@code __transaction_state}, which the first lookup creates over the live nodes. COORDINATOR_NOT_AVAILABLE
 *       while that leader is not live.
 *   <li>SHARE (2): INVALID_REQUEST, as Kafka 3.9 with share groups disabled.
 *   <li>any other key type: the whole request fails with INVALID_REQUEST ("Unknown coordinator
 *       type received"), as Kafka's {@code CoordinatorType.forId}.
 * </ul>
 *
 * Below v4 the error message is {@code Errors.message()} ("NONE" on success), as Kafka sends; the
 * v4+ entries leave the error message unset (the generated default, ""), as Kafka 3.9 does. Node.noNode() (-1, "", -1) comes with every error.
 */
public final class FindCoordinatorHandler implements ApiHandler<FindCoordinatorRequest> {
  private static final byte GROUP = 0;
  private static final byte TRANSACTION = 1;
  private static final byte SHARE = 2;

  private final BrokerContext broker;

  public FindCoordinatorHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<FindCoordinatorResponseData> handle(RequestContext ctx, FindCoordinatorRequest request) {
    var data = request.data();
    short version = ctx.apiVersion();
    byte keyType = version >= 1 ? data.keyType() : GROUP;
    if (keyType != GROUP && keyType != TRANSACTION && keyType != SHARE) {
      throw new InvalidRequestException("Unknown coordinator type received: " + keyType);
    }
    // the internal topic is created on its first lookup, as Kafka does; the answer waits for it
    CompletionStage<?> ready = keyType == GROUP ? broker.groups().offsetsTopic()
        : keyType == TRANSACTION ? broker.transactions().transactionTopic() : CompletableFuture.completedFuture(null);
    return ready.handle((topic, error) -> {
      MetadataImage image = broker.metadata().current();
      var response = new FindCoordinatorResponseData().setThrottleTimeMs(0);
      if (version < 4) {
        var answer = coordinator(image, keyType, data.key());
        response.setErrorCode(answer.error().code())
            .setErrorMessage(answer.error().message())
            .setNodeId(answer.node().id())
            .setHost(answer.node().host())
            .setPort(answer.node().port());
      } else {
        for (String key : data.coordinatorKeys()) {
          var answer = coordinator(image, keyType, key);
          response.coordinators().add(new Coordinator()
              .setKey(key)
              .setErrorCode(answer.error().code())
              .setHost(answer.node().host())
              .setNodeId(answer.node().id())
              .setPort(answer.node().port()));
        }
      }
      return response;
    });
  }

  private record Answer(Errors error, Node node) {}

  /** COORDINATOR_NOT_AVAILABLE while the internal topic does not exist or the key's partition's leader is not live. */
  private Answer coordinator(MetadataImage image, byte keyType, String key) {
    if (keyType == SHARE) return new Answer(Errors.INVALID_REQUEST, Node.noNode());
    var coordinator = keyType == TRANSACTION
        ? broker.transactions().coordinatorFor(key == null ? "" : key, image)
        : broker.groups().coordinatorFor(key == null ? "" : key, image);
    return coordinator
        .map(b -> new Answer(Errors.NONE, new Node(b.nodeId(), b.host(), b.port())))
        .orElseGet(() -> new Answer(Errors.COORDINATOR_NOT_AVAILABLE, Node.noNode()));
  }
}
