package io.tributary.txn;

import akka.actor.typed.ActorSystem;
import io.tributary.partition.BrokerConnection;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's {@link BrokerChannel}s to the other nodes (and to itself: a local leader is reached through its own
 * listener like any other), one per node id, for the coordinator's requests: WriteTxnMarkers to partition leaders,
 * verify-only AddPartitionsToTxn to other coordinators. Thread-safe.
 */
public final class BrokerChannels {
  /** The largest answer read (markers and verification answers are small). */
  private static final int MAX_RESPONSE_BYTES = 1024 * 1024;

  private final BrokerConnection.Factory connections;
  private final Map<Integer, BrokerChannel> channels = new ConcurrentHashMap<>();

  BrokerChannels(ActorSystem<?> system, int nodeId, Duration connectTimeout, Duration requestTimeout) {
    this.connections = BrokerConnection.factory(system, "tributary-txn-coordinator-" + nodeId, connectTimeout,
        requestTimeout, MAX_RESPONSE_BYTES);
  }

  BrokerChannel to(int nodeId) {
    return channels.computeIfAbsent(nodeId, id -> new BrokerChannel(connections));
  }

  /** Closes every channel (node shutdown). */
  void close() {
    channels.values().forEach(BrokerChannel::close);
  }
}
