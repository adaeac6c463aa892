package io.tributary.protocol;

import akka.util.ByteString;
import io.tributary.concurrent.Failures;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.errors.UnknownServerException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.RequestHeader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns one request frame into (at most) one response frame: parse the header and body with
 * kafka-clients, route to the registered handler, encode its answer. Thread-safe.
 *
 * A frame that cannot be parsed, or names an API this broker does not serve, throws
 * {@link InvalidRequestException}: the connection flow fails and only that connection closes,
 * which is what Apache Kafka does. A parseable request in a version outside the registered
 * range gets the API's error response with UNSUPPORTED_VERSION (ApiVersions: a v0 answer with the
 * version list, so the client can fall back).
 */
public final class RequestDispatcher {
  private static final Logger log = LoggerFactory.getLogger(RequestDispatcher.class);
  /** One DEBUG line per request (API, version, client), like Kafka's kafka.request.logger; off by default. */
  private static final Logger requestLog = LoggerFactory.getLogger("io.tributary.requests");

  private final ApiRegistry registry;
  private final ApiVersionsHandler apiVersions;
  private final BrokerMetrics metrics;
  /** API-version pairs whose response could not be written, each logged once. */
  private final Set<String> encodeFailures = ConcurrentHashMap.newKeySet();

  public RequestDispatcher(ApiRegistry registry) {
    this(registry, BrokerMetrics.NONE);
  }

  public RequestDispatcher(ApiRegistry registry, BrokerMetrics metrics) {
    this.registry = registry;
    this.metrics = metrics;
    this.apiVersions = new ApiVersionsHandler(registry);
    registry.register(ApiKeys.API_VERSIONS, 0, apiVersions);
  }

  /** Handles one frame (the 4-byte size prefix already removed). */
  public CompletionStage<Optional<ByteString>> dispatch(ByteString frame, ConnectionInfo connection) {
    long started = System.nanoTime();
    // A private, writable copy: produce batches are parsed as slices of it and patched in place on append.
    ByteBuffer buffer = ByteBuffer.wrap(frame.toArray());
    RequestHeader header;
    try {
      header = RequestHeader.parse(buffer);
    } catch (RuntimeException e) {
      throw new InvalidRequestException("Malformed request header from " + connection + ": " + e.getMessage());
    }
    ApiKeys api = header.apiKey();
    short version = header.apiVersion();
    if (api == ApiKeys.API_VERSIONS && !api.isVersionSupported(version)) {
      // Kafka answers an ApiVersions it cannot parse with v0 + UNSUPPORTED_VERSION + its own versions.
      return completed(Frames.encodeResponse(api, (short) 0, header.correlationId(),
          apiVersions.response(Errors.UNSUPPORTED_VERSION)));
    }
    var registration = registry.get(api)
        .orElseThrow(() -> new InvalidRequestException("Unsupported API " + api + " from " + connection));
    if (!api.isVersionSupported(version)) {
      throw new InvalidRequestException("Unsupported version " + version + " of " + api + " from " + connection);
    }
    AbstractRequest request;
    try {
      request = AbstractRequest.parseRequest(api, version, buffer).request;
    } catch (RuntimeException e) {
      throw new InvalidRequestException("Error parsing " + api + " v" + version + " from " + connection + ": " + e.getMessage());
    }
    if (!registration.supports(version)) {
      var error = new UnsupportedVersionException("Version " + version + " of " + api + " is not supported; supported: "
          + registration.minVersion() + ".." + registration.maxVersion());
      return completed(Frames.encodeResponse(api, version, header.correlationId(), request.getErrorResponse(0, error).data()));
    }
    var ctx = new RequestContext(header, connection);
    CompletionStage<? extends ApiMessage> response;
    try {
      response = registration.handler().handle(ctx, request);
    } catch (RuntimeException e) {
      response = CompletableFuture.failedFuture(e);
    }
    return response.handle((body, error) -> {
      metrics.requestCompleted(api, System.nanoTime() - started, error != null);
      if (requestLog.isDebugEnabled()) {
        requestLog.debug("{} v{} client_id={} from {}{}", api.name, version, header.clientId(), connection,
            error == null ? "" : " failed: " + Failures.unwrap(error));
      }
      ApiMessage out = body;
      if (error != null) {
        Throwable cause = Failures.unwrap(error);
        if (cause instanceof CloseConnectionException close) {
          throw close;
        }
        if (Errors.forException(cause) == Errors.UNKNOWN_SERVER_ERROR) {
          log.warn("{} v{} from {} failed", api, version, connection, cause);
        }
        out = request.getErrorResponse(0, cause).data();
      }
      return out == null ? Optional.<ByteString>empty() : Optional.of(encode(header, request, out));
    });
  }

  /**
   * The response frame. A body that cannot be written in the request's version is a bug of this broker: it is
   * logged once per API and version at ERROR, and the client gets the API's UNKNOWN_SERVER_ERROR answer, as
   * Kafka sends for an unexpected server error, instead of a silently closed connection.
   */
  private ByteString encode(RequestHeader header, AbstractRequest request, ApiMessage body) {
    ApiKeys api = header.apiKey();
    short version = header.apiVersion();
    try {
      return Frames.encodeResponse(api, version, header.correlationId(), body);
    } catch (RuntimeException e) {
      if (encodeFailures.add(api.name + " v" + version)) {
        log.error("Cannot write the {} v{} response: a field this version lacks was set; answering UNKNOWN_SERVER_ERROR",
            api, version, e);
      }
      var fallback = request.getErrorResponse(0, new UnknownServerException("the response could not be written")).data();
      return Frames.encodeResponse(api, version, header.correlationId(), fallback);
    }
  }

  private static CompletionStage<Optional<ByteString>> completed(ByteString frame) {
    return CompletableFuture.completedFuture(Optional.of(frame));
  }
}
