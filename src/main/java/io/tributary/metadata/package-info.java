/**
 * Cluster metadata: topics (name, topic id, partition count, config overrides), live brokers,
 * the cluster id and producer-id blocks.
 *
 * <h2>Shape</h2>
 *
 * <ul>
 *   <li>{@link io.tributary.metadata.Controller} is the only writer. It runs on the oldest live member, hosted by
 *       that node's {@link io.tributary.metadata.ControllerSeat} (every node has one and passes requests on to
 *       it), not as a cluster singleton: a singleton moves only after its node was downed and removed, and until
 *       then nothing would shrink an ISR or elect a leader. It serialises every change and answers only after the
 *       change is stored with WriteMajority in Distributed Data and a majority read shows it still stands.
 *       Functional {@code Behaviors.*} style throughout the package.
 *   <li>The whole state is one immutable {@link io.tributary.metadata.MetadataState} in one
 *       {@code LWWRegister} whose timestamp is the state's version, so the highest version wins
 *       any merge regardless of wall clocks.
 *   <li>The register lives in a Replicator of its own ({@code /system/tributaryMetadataReplicator},
 *       settings {@code tributary.metadata.replicator} over {@code akka.cluster.distributed-data})
 *       whose only durable key is {@code tributary-metadata}, stored in LMDB in {@code
 *       tributary.metadata.ddata-dir}. A dedicated Replicator lets the directory come from our
 *       own config key at runtime and leaves Akka's default Replicator (and sharding's) alone.
 *   <li>{@link io.tributary.metadata.ClusterMetadataService} is the node-local facade (an Akka
 *       extension): a volatile image kept current by a Replicator subscription and by the state
 *       carried in each Controller reply (newer version wins).
 *   <li>{@link io.tributary.metadata.MetadataSerializer} serializes the state and every
 *       request/reply; the state has a format byte because it is on disk.
 * </ul>
 *
 * <h2>Decisions</h2>
 *
 * <ul>
 *   <li>On start the Controller reads with ReadMajority only, retrying until a majority answers (never from
 *       its local replica alone), then takes over: it writes the state with the next controller epoch to a
 *       majority before serving. States are ordered by (controller epoch, version), which is also the register's
 *       timestamp, so a write a stale Controller made alone can never win over its successor's; a Controller that
 *       sees a newer state than its own steps down and reloads.
 *   <li>A write that is not confirmed by a majority in time gets REQUEST_TIMED_OUT (it is stored locally and may
 *       still take effect once a majority reads it, as Kafka's answer says); the Controller then reloads from a
 *       majority instead of serving from it. Producer ids of such a block are never handed out again.
 *   <li>Every partition has replicas, a leader, a leader epoch, an ISR and a partition epoch ({@link
 *       io.tributary.metadata.PartitionInfo}), placed over the live nodes by {@link io.tributary.metadata.ReplicaPlacement}
 *       as Kafka does. The Controller elects leaders from the ISR and drops nodes that are not live from ISRs as soon
 *       as its membership events show it (no session timeout), in one majority write per membership change; a
 *       partition whose ISR has no live member has no leader (unless its topic allows unclean election) until one
 *       returns. Leaders change the ISR through AlterPartition, checked against the leader and partition epochs as
 *       Kafka's controller does, so a leader cut off from the Controller cannot shrink the ISR alone. A node is
 *       live while it is an Up, reachable cluster member ({@link io.tributary.metadata.ClusterView}); its
 *       registration carries its cluster address, and a node id a live node at another address holds is refused.
 *   <li>Leadership moves back to a partition's preferred replica (the first of its assignment) only by a preferred
 *       election: Kafka's ElectLeaders through the Controller, or the Controller's own periodic rebalance ({@code
 *       auto.leader.rebalance.enable}, with the ZooKeeper-era per-broker percentage), both in {@link
 *       io.tributary.metadata.LeaderElections}. A restarted node never takes leadership back on registration, so a
 *       partition is not moved to a replica that has not caught up.
 *   <li>Replicas move by Kafka's partition reassignment ({@link io.tributary.metadata.Reassignments}): the
 *       replicas become the target followed by those being removed, with the adding and removing replicas recorded
 *       in the partition, until every target replica is in the ISR; then the Controller completes it in the same
 *       AlterPartition ({@link io.tributary.metadata.PartitionChange}, Kafka's PartitionChangeBuilder order:
 *       complete, elect, bump the epochs).
 *   <li>{@link io.tributary.metadata.NodePinnedAllocation} places sharded entities whose ids end in {@code @node}
 *       on that node and never rebalances them: partitions and groups keep their data on their node's disk.
 *   <li>Producer ids start at 0 and are handed out in blocks; the block is durable before the
 *       reply.
 *   <li>Partition count {@code < 1} is rejected; resolving Kafka's "-1 = broker default" is the
 *       caller's job, as is validating config keys and values. A null config value is dropped.
 *   <li>Every registration of a node (each start) elects the partitions it leads again (their leader epochs grow)
 *       and makes it leader of the leaderless partitions whose ISR it is in; it takes none from another leader.
 *   <li>{@code subscribe} delivers the current image at once (if loaded), then every newer one in
 *       version order, under a lock: listeners must be quick and must not block on this service.
 * </ul>
 *
 * <h2>Wiring (node)</h2>
 *
 * <pre>{@code
 * Config config = ConfigFactory.parseMap(Map.of(
 *         "tributary.metadata.ddata-dir", dataDir.resolve("__metadata").toString()))
 *     .withFallback(ConfigFactory.load());
 * ActorSystem<...> system = ActorSystem.create(guardian, "tributary", config);  // provider = cluster
 * // ... join the cluster (self-join on a single node) ...
 * ClusterMetadataService metadata = ClusterMetadataService.start(system);  // idempotent
 * metadata.ready().toCompletableFuture().get(30, SECONDS);  // completes once the member is Up and the state is loaded
 * metadata.registerBroker(new BrokerInfo(nodeId, advertisedHost, advertisedPort));
 * }</pre>
 */
package io.tributary.metadata;
