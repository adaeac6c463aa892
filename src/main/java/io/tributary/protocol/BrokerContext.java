package io.tributary.protocol;

import akka.actor.typed.ActorSystem;
import io.tributary.group.GroupCoordinator;
import io.tributary.metadata.MetadataService;
import io.tributary.partition.Partitions;
import io.tributary.storage.LogConfig;
import io.tributary.txn.TransactionCoordinator;
import java.util.concurrent.Executor;

/**
 * What the API handlers of one node work with.
 *
 * @param nodeId          this node's broker id
 * @param autoCreateTopics Kafka's auto.create.topics.enable
 * @param defaultPartitions Kafka's num.partitions
 * @param io              executor for blocking file reads
 * @param groups          the consumer groups of this node (group entities, registry)
 * @param metrics         where produce and fetch report bytes and records per topic
 * @param transactions    the transaction coordinators of this node (null where a test does without them)
 */
public record BrokerContext(ActorSystem<?> system, int nodeId, MetadataService metadata, Partitions partitions,
                            LogConfig logDefaults, ProducerIds producerIds, boolean autoCreateTopics,
                            int defaultPartitions, Executor io, GroupCoordinator groups, BrokerMetrics metrics,
                            TransactionCoordinator transactions) {

  public BrokerContext(ActorSystem<?> system, int nodeId, MetadataService metadata, Partitions partitions,
                       LogConfig logDefaults, ProducerIds producerIds, boolean autoCreateTopics,
                       int defaultPartitions, Executor io, GroupCoordinator groups, BrokerMetrics metrics) {
    this(system, nodeId, metadata, partitions, logDefaults, producerIds, autoCreateTopics, defaultPartitions, io,
        groups, metrics, null);
  }

  public BrokerContext(ActorSystem<?> system, int nodeId, MetadataService metadata, Partitions partitions,
                       LogConfig logDefaults, ProducerIds producerIds, boolean autoCreateTopics,
                       int defaultPartitions, Executor io, GroupCoordinator groups) {
    this(system, nodeId, metadata, partitions, logDefaults, producerIds, autoCreateTopics, defaultPartitions, io,
        groups, BrokerMetrics.NONE);
  }
}
