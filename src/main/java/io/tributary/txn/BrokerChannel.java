package io.tributary.txn;

import io.tributary.partition.BrokerConnection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;

/**
 * A channel to one node's Kafka listener (Kafka's inter-broker channel, as its TransactionMarkerChannel and
 * AddPartitionsToTxnManager use): one {@link BrokerConnection}, opened when first needed and again after a failure,
 * with requests queued one after the other as the connection requires. Thread-safe.
 */
final class BrokerChannel {
  /** WriteTxnMarkers v1, the flexible version every Kafka 2.8+ broker and this node answer. */
  static final short MARKERS_VERSION = 1;

  private final BrokerConnection.Factory connections;
  private String address;
  private BrokerConnection connection;
  private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);

  BrokerChannel(BrokerConnection.Factory connections) {
    this.connections = connections;
  }

  /** Sends WriteTxnMarkers to the node at {@code hostPort} after the requests queued before it. */
  CompletionStage<WriteTxnMarkersResponseData> send(String hostPort, WriteTxnMarkersRequestData request) {
    return send(hostPort, ApiKeys.WRITE_TXN_MARKERS, request, MARKERS_VERSION).thenApply(WriteTxnMarkersResponseData.class::cast);
  }

  /** Sends {@code request} of {@code api} in {@code version} to the node at {@code hostPort}, after those queued before it. */
  synchronized CompletionStage<ApiMessage> send(String hostPort, ApiKeys api, ApiMessage request, short version) {
    var next = tail.handle((x, e) -> null).thenCompose(x -> sendNow(hostPort, api, request, version)).toCompletableFuture();
    tail = next;
    return next;
  }

  private CompletionStage<ApiMessage> sendNow(String hostPort, ApiKeys api, ApiMessage request, short version) {
    BrokerConnection c;
    synchronized (this) {
      if (connection != null && !hostPort.equals(address)) close();
      if (connection == null) {
        connection = connections.connect(hostPort);
        address = hostPort;
      }
      c = connection;
    }
    return c.send(api, request, version)
        .whenComplete((r, e) -> {
          if (e != null) {
            synchronized (this) {
              if (connection == c) close(); // a failed connection is not used again
            }
          }
        });
  }

  synchronized void close() {
    if (connection != null) connection.close();
    connection = null;
    address = null;
  }
}
