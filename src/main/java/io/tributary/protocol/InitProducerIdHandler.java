package io.tributary.protocol;

import io.tributary.txn.TransactionEntity;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.InitProducerIdResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.InitProducerIdRequest;

/**
 * InitProducerId (v0+), as Kafka's KafkaApis and TransactionCoordinator.handleInitProducerId: without a transactional
 * id a fresh producer id with epoch 0 each time; with one, the id's coordinator ({@link TransactionEntity}) bumps the
 * epoch (fencing older producers), aborts an ongoing transaction first (CONCURRENT_TRANSACTIONS, the client retries),
 * and with v3+'s producer id and epoch (KIP-360) continues the producer after an abortable error. An empty
 * transactional id, or only one of producer id and epoch, is INVALID_REQUEST; a timeout above
 * transaction.max.timeout.ms (or not positive) INVALID_TRANSACTION_TIMEOUT. Below v4 PRODUCER_FENCED is sent as
 * INVALID_PRODUCER_EPOCH.
 */
public final class InitProducerIdHandler implements ApiHandler<InitProducerIdRequest> {
  private final BrokerContext broker;

  public InitProducerIdHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<InitProducerIdResponseData> handle(RequestContext ctx, InitProducerIdRequest request) {
    var data = request.data();
    String transactionalId = data.transactionalId();
    if (transactionalId == null) {
      return broker.producerIds().nextId().thenApply(id -> new InitProducerIdResponseData()
          .setErrorCode(Errors.NONE.code())
          .setThrottleTimeMs(0)
          .setProducerId(id)
          .setProducerEpoch((short) 0));
    }
    long producerId = data.producerId();
    short epoch = data.producerEpoch();
    boolean noId = producerId == RecordBatch.NO_PRODUCER_ID;
    boolean noEpoch = epoch == RecordBatch.NO_PRODUCER_EPOCH;
    if (transactionalId.isEmpty() || noId != noEpoch) return error(Errors.INVALID_REQUEST, ctx.apiVersion());
    var transactions = broker.transactions();
    if (!transactions.settings().validTimeout(data.transactionTimeoutMs())) {
      return error(Errors.INVALID_TRANSACTION_TIMEOUT, ctx.apiVersion());
    }
    CompletionStage<TransactionEntity.Result> asked = transactions.askCreating(transactionalId, replyTo ->
        new TransactionEntity.InitProducerId(data.transactionTimeoutMs(), producerId, epoch, replyTo));
    return asked.handle((result, failure) -> {
      Errors error = failure != null ? TxnSupport.errorOf(failure) : result.error();
      if (error != Errors.NONE) return response(error, ctx.apiVersion());
      return new InitProducerIdResponseData().setErrorCode(Errors.NONE.code()).setThrottleTimeMs(0)
          .setProducerId(result.producerId()).setProducerEpoch(result.producerEpoch());
    });
  }

  private static CompletionStage<InitProducerIdResponseData> error(Errors error, short version) {
    return CompletableFuture.completedFuture(response(error, version));
  }

  private static InitProducerIdResponseData response(Errors error, short version) {
    return new InitProducerIdResponseData().setThrottleTimeMs(0)
        .setErrorCode(TxnSupport.forVersion(error, version, 4).code())
        .setProducerId(RecordBatch.NO_PRODUCER_ID).setProducerEpoch(RecordBatch.NO_PRODUCER_EPOCH);
  }
}
