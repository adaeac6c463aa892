package io.tributary.metadata;

/** A live node as clients see it: node id and advertised Kafka listener. */
public record BrokerInfo(int nodeId, String host, int port) {}
