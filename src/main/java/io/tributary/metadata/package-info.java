/**
 * Cluster metadata: topics (name, topic id, partition count, config overrides), live brokers,
 * the cluster id and producer-id blocks.
 *
 * <h2>Shape</h2>
 *
 * <ul>
 *   <li>{@link io.tributary.metadata.Controller} is a cluster singleton and the only writer. It
 *       serialises every change and answers only after the change is stored with WriteMajority
 *       in Distributed Data. Functional {@code Behaviors.*} style throughout the package.
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
 *   <li>On start the Controller reads with ReadMajority and, when a majority does not answer
 *       within {@code read-timeout}, from its local (durable) replica. A singleton hand-over
 *       therefore usually costs one {@code read-timeout}: the leaving node still counts towards
 *       the majority until it is removed. Every acknowledged change was written to a majority, so
 *       the new oldest node has it.
 *   <li>A write that is not confirmed by a majority in time is kept (it is stored locally and
 *       spreads by gossip) and the caller gets REQUEST_TIMED_OUT, as Kafka does for a request
 *       that may still complete. Producer ids of such a block are never handed out again.
 *   <li>Producer ids start at 0 and are handed out in blocks; the block is durable before the
 *       reply.
 *   <li>Partition count {@code < 1} is rejected; resolving Kafka's "-1 = broker default" is the
 *       caller's job, as is validating config keys and values. A null config value is dropped.
 *   <li>Registering an identical broker again is a no-op (no new version).
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
