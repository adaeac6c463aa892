package io.tributary.metadata;

import akka.Done;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Uuid;

/**
 * The node-local face of cluster metadata: a read view that is always up to date with the
 * Controller's last acknowledged change made through this node, and asynchronous changes that go
 * through the {@link Controller} (on the oldest live node, see {@link ControllerSeat}). Thread-safe.
 *
 * Failures complete the stage exceptionally with the Kafka ApiException a Kafka broker would
 * use: TopicExistsException, UnknownTopicOrPartitionException, InvalidTopicException,
 * InvalidPartitionsException, InvalidReplicationFactorException, TimeoutException; and for
 * {@link #alterPartition} those of Kafka's AlterPartition.
 *
 * CONTRACT (skeleton): the metadata helper implements it.
 */
public interface MetadataService {

  /** The newest image this node has seen. Never null (empty topics before the first load). */
  MetadataImage current();

  /**
   * The newest image this node can show now: {@link #current()} brought up to the state this node's Replicator
   * already holds, which the subscription would deliver only at its next notification. A change acknowledged
   * through another node is held by a majority of Replicators before its answer: an answer that a topic does not
   * exist looks here first, so that a client creating a topic through one node finds it at once on the others.
   */
  CompletionStage<MetadataImage> latest();

  /**
   * Creates a topic with a fresh random topic id: {@code replicas} gives each partition's replicas, or is empty and
   * the Controller places {@code partitions} partitions of {@code replicationFactor} replicas over the live nodes.
   * Config keys/values are validated by the caller.
   */
  CompletionStage<TopicInfo> createTopic(String name, int partitions, int replicationFactor, List<List<Integer>> replicas,
                                         Map<String, String> configs, boolean validateOnly);

  /** A topic of {@code partitions} single-replica partitions spread over the live nodes. */
  default CompletionStage<TopicInfo> createTopic(String name, int partitions, Map<String, String> configs, boolean validateOnly) {
    return createTopic(name, partitions, 1, List.of(), configs, validateOnly);
  }

  CompletionStage<TopicInfo> deleteTopic(String name);

  /**
   * Grows the partition count to {@code totalCount} (InvalidPartitionsException when not larger); {@code replicas}
   * places the new partitions, or is empty and the Controller spreads them over the live nodes.
   */
  CompletionStage<TopicInfo> createPartitions(String name, int totalCount, List<List<Integer>> replicas, boolean validateOnly);

  default CompletionStage<TopicInfo> createPartitions(String name, int totalCount, boolean validateOnly) {
    return createPartitions(name, totalCount, List.of(), validateOnly);
  }

  /**
   * The offsets topic, created over the live nodes on first use with {@code replicationFactor} replicas per partition
   * (capped at the live nodes); its partition leaders coordinate groups.
   */
  CompletionStage<TopicInfo> ensureOffsetsTopic(int partitions, int replicationFactor);

  /**
   * The internal topic {@code name} ({@link MetadataImage#INTERNAL_TOPICS}), created as {@link #ensureOffsetsTopic}
   * creates the offsets topic; the transaction state topic's partition leaders coordinate transactions.
   */
  CompletionStage<TopicInfo> ensureInternalTopic(String name, int partitions, int replicationFactor);

  /** The registered nodes that are live now (Up cluster members this node reaches), by node id. */
  Map<Integer, BrokerInfo> liveBrokers();

  /**
   * Whether this node reaches a majority of the cluster's members (always, in a cluster of fewer than three, where a
   * majority cannot be told from a failure of the other side).
   */
  boolean reachesMajority();

  /** The node id of the node hosting the Controller (the oldest member) while it is live, else the lowest live node id; -1 if none. */
  int controllerId();

  /** Replaces the topic's whole override map (the caller computed it from the incremental ops). */
  CompletionStage<TopicInfo> replaceTopicConfigs(String name, Map<String, String> configs, boolean validateOnly);

  /** Reserves {@code count} producer ids that no other call, on any node, before or after a restart, gets; returns the first. */
  CompletionStage<Long> allocateProducerIds(int count);

  /**
   * Kafka's AlterPartition: the leader {@code leaderId} of {@code topic}-{@code partition} (found by {@code topicId}
   * unless it is null or zero, else by name), which knows it at {@code leaderEpoch} and {@code partitionEpoch}, asks
   * the Controller to make {@code newIsr} the ISR. Completes with the partition as the Controller now has it (a new
   * partition epoch, unless the ISR was already {@code newIsr}), once a majority stored it. Refusals, as Kafka's
   * controller answers them: UnknownTopicIdException / UnknownTopicOrPartitionException; NotControllerException
   * (epochs newer than the Controller's: retry); FencedLeaderEpochException (an older leader epoch: this leader is
   * fenced); InvalidRequestException (the sender is not the leader, or the ISR is not a set of replicas holding the
   * leader); InvalidUpdateVersionException (an older partition epoch: refresh and retry); IneligibleReplicaException
   * (an ISR member that is not a registered, live node); TimeoutException.
   */
  CompletionStage<PartitionInfo> alterPartition(String topic, Uuid topicId, int partition, int leaderId,
                                                int leaderEpoch, int partitionEpoch, List<Integer> newIsr);

  /**
   * Kafka's ElectLeaders: a PREFERRED or UNCLEAN election for each partition {@code partitions} names (topics and
   * partitions in the order given), or for every partition when it is null. Completes, once a majority stored the new
   * leaders, with each topic's results: {@code NONE} for a new leader, or Kafka's error ({@code ELECTION_NOT_NEEDED},
   * {@code PREFERRED_LEADER_NOT_AVAILABLE}, {@code ELIGIBLE_LEADERS_NOT_AVAILABLE}, {@code
   * UNKNOWN_TOPIC_OR_PARTITION}); with none named, the partitions that needed no election are left out. Fails only as
   * a whole (TimeoutException, NotControllerException).
   */
  CompletionStage<List<Controller.TopicElections>> electLeaders(ElectionType type, List<Controller.ElectionTarget> partitions);

  /**
   * Kafka's AlterPartitionReassignments: for each named partition, a reassignment to its target replicas, or the
   * cancellation of the one in progress (null target). Completes, once a majority stored the change, with each
   * partition's outcome: {@code NONE}, or Kafka's error ({@code UNKNOWN_TOPIC_OR_PARTITION}, {@code
   * INVALID_REPLICA_ASSIGNMENT}, {@code NO_REASSIGNMENT_IN_PROGRESS}). Fails only as a whole (TimeoutException,
   * NotControllerException).
   */
  CompletionStage<List<Controller.TopicOutcomes>> alterPartitionReassignments(List<Controller.ReassignmentTarget> topics);

  /** Registers (or refreshes) a live node's advertised listener. */
  CompletionStage<Done> registerBroker(BrokerInfo broker);

  /** Adds a listener called (on an arbitrary thread) with every newer image. */
  void subscribe(java.util.function.Consumer<MetadataImage> listener);
}
