package io.tributary.protocol;

import io.tributary.txn.TransactionEntity;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.AddOffsetsToTxnResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AddOffsetsToTxnRequest;

/**
 * AddOffsetsToTxn (v0+): the group's offsets take part in the transaction, so that its coordinator completes the
 * group's transactional offsets (TxnOffsetCommit) when the transaction ends. Kafka adds the group's
 * {@code __consumer_offsets} partition to the transaction and writes a marker there; here the transaction keeps the
 * group and the coordinator tells the group's entity. Errors as AddPartitionsToTxn's (PRODUCER_FENCED as
 * INVALID_PRODUCER_EPOCH below v2); an empty transactional id is INVALID_REQUEST.
 */
public final class AddOffsetsToTxnHandler implements ApiHandler<AddOffsetsToTxnRequest> {
  private final BrokerContext broker;

  public AddOffsetsToTxnHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<AddOffsetsToTxnResponseData> handle(RequestContext ctx, AddOffsetsToTxnRequest request) {
    var data = request.data();
    if (data.transactionalId() == null || data.transactionalId().isEmpty()) {
      return CompletableFuture.completedFuture(response(Errors.INVALID_REQUEST, ctx.apiVersion()));
    }
    CompletionStage<TransactionEntity.Result> asked = broker.transactions().ask(data.transactionalId(), replyTo ->
        new TransactionEntity.AddOffsets(data.producerId(), data.producerEpoch(), data.groupId(), replyTo));
    return asked.handle((result, failure) ->
        response(failure != null ? TxnSupport.errorOf(failure) : result.error(), ctx.apiVersion()));
  }

  private static AddOffsetsToTxnResponseData response(Errors error, short version) {
    return new AddOffsetsToTxnResponseData().setThrottleTimeMs(0)
        .setErrorCode(TxnSupport.forVersion(error, version, 2).code());
  }
}
