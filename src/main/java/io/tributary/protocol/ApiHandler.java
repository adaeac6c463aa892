package io.tributary.protocol;

import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.requests.AbstractRequest;

/**
 * Handles one Kafka API. The request arrives parsed by kafka-clients (e.g. a
 * {@code CreateTopicsRequest}; its generated data is {@code request.data()}); the handler answers
 * with the generated response data (e.g. {@code CreateTopicsResponseData}) in the version of
 * {@code ctx.header().apiVersion()}. A stage completed exceptionally is turned into the API's
 * standard error response ({@code request.getErrorResponse}) by the server, with the Kafka error
 * code of the exception ({@code Errors.forException}). Returning {@code null} sends no response
 * (only produce with acks=0 does that).
 */
@FunctionalInterface
public interface ApiHandler<R extends AbstractRequest> {
  CompletionStage<? extends ApiMessage> handle(RequestContext ctx, R request);
}
