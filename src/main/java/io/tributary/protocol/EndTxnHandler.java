package io.tributary.protocol;

import io.tributary.txn.TransactionEntity;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.EndTxnResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.EndTxnRequest;

/**
 * EndTxn (v0+): the coordinator writes PrepareCommit or PrepareAbort and answers; the markers follow, then the
 * transaction completes (as in Kafka with transaction version 0, the producer does not wait for the markers: its next
 * AddPartitionsToTxn gets CONCURRENT_TRANSACTIONS until they are written). PRODUCER_FENCED is sent as
 * INVALID_PRODUCER_EPOCH below v2; an empty transactional id is INVALID_REQUEST.
 */
public final class EndTxnHandler implements ApiHandler<EndTxnRequest> {
  private final BrokerContext broker;

  public EndTxnHandler(BrokerContext broker) {
    this.broker = broker;
  }

  @Override
  public CompletionStage<EndTxnResponseData> handle(RequestContext ctx, EndTxnRequest request) {
    var data = request.data();
    if (data.transactionalId() == null || data.transactionalId().isEmpty()) {
      return CompletableFuture.completedFuture(response(Errors.INVALID_REQUEST, ctx.apiVersion()));
    }
    CompletionStage<TransactionEntity.Result> asked = broker.transactions().ask(data.transactionalId(), replyTo ->
        new TransactionEntity.EndTransaction(data.producerId(), data.producerEpoch(), data.committed(), replyTo));
    return asked.handle((result, failure) ->
        response(failure != null ? TxnSupport.errorOf(failure) : result.error(), ctx.apiVersion()));
  }

  private static EndTxnResponseData response(Errors error, short version) {
    return new EndTxnResponseData().setThrottleTimeMs(0).setErrorCode(TxnSupport.forVersion(error, version, 2).code());
  }
}
