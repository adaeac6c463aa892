/**
 * The operator surface of a node: its HTTP server ({@link io.tributary.ops.OpsServer}, akka-http)
 * with {@code /health}, {@code /ready}, {@code /metrics} ({@link io.tributary.ops.NodeMetrics},
 * Micrometer's Prometheus registry) and the JSON records API under {@code /v1}.
 *
 * <p>The records API is built on Kafka clients (Admin, producer, consumer) connected to the node's
 * own Kafka listener, not on the partition and group internals: every HTTP call goes through exactly
 * the validation, auto-creation rules, idempotence and metrics a Kafka client gets, the API keeps
 * working unchanged when partitions live on other nodes of a cluster, and it needs no second code
 * path into the entities. The price is one loopback hop per call, which is small next to HTTP and
 * JSON. Group lag ({@link io.tributary.ops.GroupLag}) uses the Admin API the same way, so the CLI's
 * {@code groups describe} shares it and works against Apache Kafka too.
 *
 * <p>Depends on {@code partition} (open partitions for gauges) and {@code protocol} (the
 * {@link io.tributary.protocol.BrokerMetrics} hook); {@code node} wires it.
 */
package io.tributary.ops;
