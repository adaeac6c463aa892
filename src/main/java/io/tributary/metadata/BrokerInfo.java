package io.tributary.metadata;

/**
 * A node as clients see it: node id, advertised Kafka listener and rack (Kafka's broker.rack, null when unset),
 * plus its Akka cluster address ({@code akka://tributary@host:port}), by which the cluster tells whether it is live.
 */
public record BrokerInfo(int nodeId, String host, int port, String rack, String clusterAddress) {
  /** A node without rack, at no known cluster address (tests, format-1/2 state). */
  public BrokerInfo(int nodeId, String host, int port) {
    this(nodeId, host, port, null, "");
  }
}
