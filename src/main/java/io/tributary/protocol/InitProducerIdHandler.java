package io.tributary.protocol;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.InitProducerIdRequest;

/**
 * InitProducerId for idempotent producers: a fresh producer id with epoch 0 each time (as Kafka
 * does without a transactional id). Transactions are not supported yet: a transactional id is
 * refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED, which the Java producer reports as fatal
 * instead of retrying forever.
 */
public final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequest> {
  private final BrokerContext broker;

  public InitProducerIdHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<InitProducerIdResponseData> handle(RequestContext ctx, InitProducerIdRequest request) {
    if (request.data().transactionalId() != null) {
      return CompletableFuture.completedFuture(new InitProducerIdResponseData()
          .setErrorCode(Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED.code())
          .setProducerId(-1).setProducerEpoch((short) -1));
    }
    return broker.producerIds().nextId().thenApply(id -> new InitProducerIdResponseData()
        .setErrorCode(Errors.NONE.code())
        .setThrottleTimeMs(0)
        .setProducerId(id)
        .setProducerEpoch((short) 0));
  }
}
