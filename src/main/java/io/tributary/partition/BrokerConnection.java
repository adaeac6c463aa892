package io.tributary.partition;

import akka.actor.typed.ActorSystem;
import akka.japi.Pair;
import akka.stream.OverflowStrategy;
import akka.stream.QueueOfferResult;
import akka.stream.javadsl.Framing;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.SinkQueueWithCancel;
import akka.stream.javadsl.Source;
import akka.stream.javadsl.SourceQueueWithComplete;
import akka.stream.javadsl.Tcp;
import akka.util.ByteString;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.message.RequestHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.ResponseHeader;

/**
 * A node's connection to another node's Kafka listener (the inter-broker client): an Akka Streams TCP flow that
 * carries Kafka requests out (a follower's Fetch and ListOffsets, a transaction coordinator's WriteTxnMarkers) and
 * their size-prefixed answers back, one request at a time (the queue holds one; the next is offered only after the
 * previous answer came). Kafka's wire format, written and read with kafka-clients' generated classes. Not
 * thread-safe: one user sends one request after the other.
 */
public final class BrokerConnection {

  /** Opens connections to {@code host:port}. */
  public interface Factory {
    BrokerConnection connect(String hostPort);
  }

  /**
   * Where another node reaches {@code broker}'s Kafka listener: the host its cluster (Artery) address names, which the
   * other nodes reach by definition, and its Kafka port. The advertised host is for clients and may not resolve
   * between nodes (in docker/docker-compose.yml it is the Docker host's localhost).
   */
  public static String addressOf(io.tributary.metadata.BrokerInfo broker) {
    String host = broker.host();
    if (broker.clusterAddress() != null && !broker.clusterAddress().isEmpty()) {
      var address = akka.actor.AddressFromURIString.parse(broker.clusterAddress());
      if (address.getHost().isPresent()) host = address.getHost().get();
    }
    return host + ":" + broker.port();
  }

  /** Connections over Akka Streams TCP in {@code system}. */
  public static Factory factory(ActorSystem<?> system, String clientId, Duration connectTimeout, Duration requestTimeout,
                         int maxResponseBytes) {
    return hostPort -> {
      int colon = hostPort.lastIndexOf(':');
      var address = InetSocketAddress.createUnresolved(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
      var tcp = Tcp.get(system).outgoingConnection(address, Optional.empty(), List.of(), true,
          Optional.of(connectTimeout), Optional.empty());
      Pair<SourceQueueWithComplete<ByteString>, SinkQueueWithCancel<ByteString>> queues =
          Source.<ByteString>queue(1, OverflowStrategy.backpressure())
              .via(tcp)
              .via(Framing.lengthField(4, 0, maxResponseBytes + 4, ByteOrder.BIG_ENDIAN))
              .toMat(Sink.queue(), Keep.both())
              .run(system);
      return new BrokerConnection(queues.first(), queues.second(), clientId, requestTimeout);
    };
  }

  private final SourceQueueWithComplete<ByteString> requests;
  private final SinkQueueWithCancel<ByteString> responses;
  private final String clientId;
  private final Duration requestTimeout;
  private int correlationId;

  private BrokerConnection(SourceQueueWithComplete<ByteString> requests, SinkQueueWithCancel<ByteString> responses,
                            String clientId, Duration requestTimeout) {
    this.requests = requests;
    this.responses = responses;
    this.clientId = clientId;
    this.requestTimeout = requestTimeout;
  }

  /** Sends a Fetch request in {@code version} and completes with its answer; fails if the connection does. */
  CompletionStage<FetchResponseData> fetch(FetchRequestData request, short version) {
    return send(ApiKeys.FETCH, request, version).thenApply(FetchResponseData.class::cast);
  }

  /** Sends a ListOffsets request in {@code version} (a follower asking for its leader's log start or end). */
  CompletionStage<ListOffsetsResponseData> listOffsets(ListOffsetsRequestData request, short version) {
    return send(ApiKeys.LIST_OFFSETS, request, version).thenApply(ListOffsetsResponseData.class::cast);
  }

  /**
   * Sends {@code request} of {@code api} in {@code version}; completes with the answer, or fails when the connection
   * does or no answer comes within the request timeout (then the connection is unusable: close it).
   */
  public CompletionStage<ApiMessage> send(ApiKeys api, ApiMessage request, short version) {
    int id = ++correlationId;
    ByteString frame = encode(api, request, version, id);
    return requests.offer(frame)
        .thenCompose(offered -> {
          if (offered != QueueOfferResult.enqueued()) {
            throw new java.util.concurrent.CompletionException(new IOException("Connection to the leader is closed: " + offered));
          }
          return responses.pull();
        })
        .toCompletableFuture()
        .orTimeout(requestTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .thenApply(answer -> decode(api, answer.orElseThrow(() -> new java.util.concurrent.CompletionException(
            new IOException("The leader closed the connection"))), version, id));
  }

  public void close() {
    requests.complete();
    responses.cancel();
  }

  private ByteString encode(ApiKeys api, ApiMessage request, short version, int id) {
    short headerVersion = api.requestHeaderVersion(version);
    var header = new RequestHeaderData().setRequestApiKey(api.id).setRequestApiVersion(version)
        .setCorrelationId(id).setClientId(clientId);
    var cache = new ObjectSerializationCache();
    int size = header.size(cache, headerVersion) + request.size(cache, version);
    ByteBuffer buffer = ByteBuffer.allocate(4 + size);
    buffer.putInt(size);
    var accessor = new ByteBufferAccessor(buffer);
    header.write(accessor, cache, headerVersion);
    request.write(accessor, cache, version);
    return ByteString.fromArrayUnsafe(buffer.array());
  }

  private static ApiMessage decode(ApiKeys api, ByteString frame, short version, int expectedId) {
    ByteBuffer buffer = frame.drop(4).toByteBuffer();
    var header = ResponseHeader.parse(buffer, api.responseHeaderVersion(version));
    if (header.correlationId() != expectedId) {
      throw new IllegalStateException("Answer " + header.correlationId() + " to request " + expectedId);
    }
    ApiMessage response = api.messageType.newResponse();
    response.read(new ByteBufferAccessor(buffer), version);
    return response;
  }
}
