package io.tributary.node;

import akka.Done;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import io.tributary.group.CommittedOffsetsView;
import io.tributary.group.GroupCoordinator;
import io.tributary.txn.TransactionCoordinator;
import io.tributary.group.GroupSettings;
import io.tributary.group.journal.OffsetsJournalAccess;
import akka.actor.typed.javadsl.Adapter;
import io.tributary.metadata.BrokerInfo;
import io.tributary.metadata.ClusterMetadataService;
import io.tributary.metadata.ClusterView;
import io.tributary.ops.NodeMetrics;
import io.tributary.ops.OpsServer;
import io.tributary.ops.OpsSettings;
import io.tributary.partition.Partitions;
import io.tributary.partition.ReplicaFetchers;
import io.tributary.protocol.ApiRegistry;
import io.tributary.protocol.BrokerMetrics;
import io.tributary.protocol.BrokerContext;
import io.tributary.protocol.KafkaApis;
import io.tributary.protocol.KafkaServer;
import io.tributary.protocol.ProducerIds;
import io.tributary.protocol.RequestDispatcher;
import io.tributary.storage.FileChannelOpener;
import io.tributary.storage.LogConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Tributary node: an Akka cluster member (a cluster of one when no seed nodes are set),
 * cluster metadata, sharded partitions on the segment store, and the Kafka listener.
 *
 * Shutdown (CoordinatedShutdown, also run by {@link #close()} and on SIGTERM): stop accepting
 * connections, let requests in flight finish, close the connections, then flush and close every
 * open log, which writes their clean-shutdown markers.
 */
public final class BrokerNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BrokerNode.class);

  private final ActorSystem<Void> system;
  private final NodeSettings settings;
  private final KafkaServer server;
  private final Partitions partitions;
  private final ClusterMetadataService metadata;
  private final GroupCoordinator groups;
  private final FileLock dataDirLock;
  private final OpsServer ops;
  private final NodeMetrics metrics;

  private BrokerNode(ActorSystem<Void> system, NodeSettings settings, KafkaServer server, Partitions partitions,
                     ClusterMetadataService metadata, GroupCoordinator groups, FileLock dataDirLock,
                     OpsServer ops, NodeMetrics metrics) {
    this.system = system;
    this.settings = settings;
    this.server = server;
    this.partitions = partitions;
    this.metadata = metadata;
    this.groups = groups;
    this.dataDirLock = dataDirLock;
    this.ops = ops;
    this.metrics = metrics;
  }

  /**
   * Starts a node; returns once it accepts Kafka connections.
   *
   * @param config the operator's settings, not yet resolved (e.g. {@code ConfigFactory.parseFile}); reference.conf,
   *               system properties and environment variables are layered in here, and paths derived from the data
   *               directory (metadata store, group journal) are filled in before resolving.
   */
  public static BrokerNode start(Config config) {
    return start(config, FileChannelOpener.DEFAULT);
  }

  /**
   * As {@link #start(Config)}, opening partition segment files through {@code channels}: tests inject
   * channels whose writes or fsyncs fail, to see a partition go offline as it would on a failing disk.
   */
  public static BrokerNode start(Config config, FileChannelOpener channels) {
    Config unresolved = ConfigFactory.defaultOverrides().withFallback(config)
        .withFallback(ConfigFactory.parseResources(BrokerNode.class.getClassLoader(), "tributary-akka.conf"))
        .withFallback(ConfigFactory.defaultReferenceUnresolved());
    Path dataDir = NodeSettings.from(unresolved.resolve()).dataDir();
    Config paths = dataDirPaths(dataDir).withFallback(unresolved).resolve();
    Config full = GroupSettings.journalPlugins(paths).withFallback(ClusterJoin.akkaSettings(paths)).withFallback(paths);
    NodeSettings settings = NodeSettings.from(full);
    FileLock lock = lockDataDir(settings.dataDir());
    ActorSystem<Void> system = null;
    try {
      system = ActorSystem.create(Behaviors.empty(), ClusterJoin.SYSTEM_NAME, full);
      return boot(system, settings, lock, channels);
    } catch (RuntimeException e) {
      if (system != null) {
        system.terminate();
        awaitTermination(system, settings.terminationTimeout());
      }
      release(lock);
      throw e;
    }
  }

  private static BrokerNode boot(ActorSystem<Void> system, NodeSettings settings, FileLock lock,
                                 FileChannelOpener channels) {
    var cluster = Cluster.get(system);
    if (system.settings().config().getStringList("akka.cluster.seed-nodes").isEmpty()) {
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
    long timeoutMs = settings.startupTimeout().toMillis();
    // HTTP first: /health answers during a long startup, /ready only once the Kafka listener is up
    var opsSettings = OpsSettings.from(system.settings().config());
    var metrics = opsSettings.httpEnabled() && opsSettings.metricsEnabled()
        ? new NodeMetrics(system, settings.nodeId(), opsSettings.jvmMetrics()) : null;
    var ops = opsSettings.httpEnabled() ? join(OpsServer.start(system, opsSettings, metrics), timeoutMs, "HTTP server") : null;
    DownedNodeExit.start(system, system.settings().config().getDuration("tributary.cluster.down-removal-margin"));
    var metadata = ClusterMetadataService.start(system);
    join(metadata.ready(), timeoutMs, "cluster metadata");

    var io = system.dispatchers().lookup(DispatcherSelector.fromConfig("tributary.io-dispatcher"));
    var logDefaults = LogConfig.fromConfig(system.settings().config().getConfig("tributary.log"));
    var partitions = new Partitions(system, settings.nodeId(), metadata, settings.dataDir(), logDefaults, io, settings.partition(), channels);
    partitions.start();
    if (ops != null) ops.reportOfflinePartitions(partitions::offlinePartitions);
    if (GroupSettings.usesOffsetsTopicJournal(system.settings().config())) {
      // before the groups start: their recovery reads the offsets topic through this
      OffsetsJournalAccess.get(Adapter.toClassic(system)).connect(new PartitionOffsetsLog(partitions));
    }
    var groups = GroupCoordinator.start(system, metadata, settings.nodeId());

    var registry = new ApiRegistry();
    BrokerMetrics brokerMetrics = metrics == null ? BrokerMetrics.NONE : metrics;
    var dispatcher = new RequestDispatcher(registry, brokerMetrics);
    var producerIds = new ProducerIds(metadata, settings.producerIdBlockSize());
    var transactions = TransactionCoordinator.start(system, metadata, settings.nodeId(), producerIds::nextId,
        groups::completeTransaction);
    var context = new BrokerContext(system, settings.nodeId(), metadata, partitions, logDefaults,
        producerIds, settings.autoCreateTopics(), settings.defaultPartitions(), io, groups, brokerMetrics, transactions);
    KafkaApis.registerAll(registry, context, settings.fetchSessions(), settings.fetchReadChunkBytes());
    registry.freeze();

    var server = join(KafkaServer.bind(system, settings.kafka(), dispatcher).toCompletableFuture(), timeoutMs, "Kafka listener");
    String host = settings.advertisedHost().isEmpty() ? server.localAddress().getHostString() : settings.advertisedHost();
    int port = settings.advertisedPort() == 0 ? server.localAddress().getPort() : settings.advertisedPort();
    // refused (DUPLICATE_BROKER_REGISTRATION) while a live node at another cluster address has this node id
    var self = new BrokerInfo(settings.nodeId(), host, port, settings.rack(), ClusterView.selfAddress(system));
    join(metadata.registerBroker(self).toCompletableFuture(), timeoutMs, "broker registration");

    // followers fetch only once this node's listener runs and it is registered: leaders are other nodes' listeners
    var replicaFetchers = new ReplicaFetchers(system, settings.nodeId(), metadata, partitions, settings.replication());
    replicaFetchers.start();
    var node = new BrokerNode(system, settings, server, partitions, metadata, groups, lock, ops, metrics);
    node.registerShutdownTasks(replicaFetchers);
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseServiceStop(), "transaction-markers-close", () -> {
      transactions.stop();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
    if (metrics != null) {
      metrics.bind(partitions, server::openConnections, CommittedOffsetsView.get(system), metadata);
      metrics.bindReplication(partitions, replicaFetchers.lags(), metadata);
    }
    if (ops != null) ops.ready(server.localAddress().getHostString() + ":" + server.localAddress().getPort());
    log.info("Tributary node {} ready: Kafka listener on {}:{} (advertised {}:{}), data in {}",
        settings.nodeId(), server.localAddress().getHostString(), server.localAddress().getPort(), host, port, settings.dataDir());
    return node;
  }

  private void registerShutdownTasks(ReplicaFetchers replicaFetchers) {
    var shutdown = CoordinatedShutdown.get(system);
    shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "replica-fetchers-stop", () -> {
      replicaFetchers.stop();
      return CompletableFuture.completedFuture(Done.getInstance());
    });
    if (ops != null) {
      shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "http-not-ready", () -> {
        ops.notReady();
        return CompletableFuture.completedFuture(Done.getInstance());
      });
      shutdown.addTask(CoordinatedShutdown.PhaseServiceStop(), "http-stop", ops::stop);
    }
    if (metrics != null) {
      shutdown.addTask(CoordinatedShutdown.PhaseActorSystemTerminate(), "metrics-close", () -> {
        metrics.close();
        return CompletableFuture.completedFuture(Done.getInstance());
      });
    }
    shutdown.addTask(CoordinatedShutdown.PhaseServiceUnbind(), "kafka-unbind", () -> server.unbind());
    shutdown.addTask(CoordinatedShutdown.PhaseServiceRequestsDone(), "kafka-drain", () -> {
      partitions.drain();
      groups.drain();
      return server.awaitNoRequestsInFlight(settings.shutdownDrainTimeout()).thenApply(d -> {
          server.closeConnections();
          return d;
        });
    });
    shutdown.addTask(CoordinatedShutdown.PhaseServiceStop(), "close-logs", partitions::closeAll);
    shutdown.addTask(CoordinatedShutdown.PhaseActorSystemTerminate(), "release-data-dir", () -> {
      release(dataDirLock);
      return CompletableFuture.completedFuture(Done.getInstance());
    });
  }

  /** The Kafka listener's bound port. */
  public int port() {
    return server.localAddress().getPort();
  }

  /** {@code host:port} for a Kafka client's bootstrap.servers. */
  public String bootstrapServers() {
    return server.localAddress().getHostString() + ":" + port();
  }

  /** The HTTP server's bound port (/metrics, /health, /ready, records API); -1 when it is off. */
  public int httpPort() {
    return ops == null ? -1 : ops.localAddress().getPort();
  }

  /** The node's metrics; null when they are off. */
  public NodeMetrics metrics() {
    return metrics;
  }

  public ActorSystem<Void> system() {
    return system;
  }

  public NodeSettings settings() {
    return settings;
  }

  public Partitions partitions() {
    return partitions;
  }

  public ClusterMetadataService metadata() {
    return metadata;
  }

  public GroupCoordinator groups() {
    return groups;
  }

  /** Graceful shutdown; returns when the node has stopped. */
  @Override
  public void close() {
    CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason());
    awaitTermination(system, settings.terminationTimeout());
  }

  /** Blocks until the node has stopped (e.g. after SIGTERM), however long that takes. */
  public void awaitTermination() {
    try {
      system.getWhenTerminated().toCompletableFuture().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      log.warn("Node terminated with an error: {}", e.getCause().toString());
    }
  }

  private static void awaitTermination(ActorSystem<?> system, java.time.Duration timeout) {
    try {
      system.getWhenTerminated().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("Node did not terminate cleanly: {}", e.toString());
    }
  }

  /** Points the metadata store and the group journal into the node's data directory. */
  private static Config dataDirPaths(Path dataDir) {
    return ConfigFactory.empty()
        .withValue("tributary.node.data-dir", ConfigValueFactory.fromAnyRef(dataDir.toString()))
        .withValue("tributary.metadata.ddata-dir", ConfigValueFactory.fromAnyRef(dataDir.resolve("__metadata").toString()))
        .withValue("tributary.group.journal-dir", ConfigValueFactory.fromAnyRef(dataDir.resolve("__journal").toString()))
        .withValue("tributary.group.snapshot-dir", ConfigValueFactory.fromAnyRef(dataDir.resolve("__snapshots").toString()))
        .withValue("tributary.group.registry.dir", ConfigValueFactory.fromAnyRef(dataDir.resolve("__groups").toString()))
        .withValue("tributary.transaction.registry.dir", ConfigValueFactory.fromAnyRef(dataDir.resolve("__transactional_ids").toString()));
  }

  /** One node per data directory: a second one on the same directory would corrupt it. */
  private static FileLock lockDataDir(Path dataDir) {
    try {
      Files.createDirectories(dataDir);
      FileChannel channel = FileChannel.open(dataDir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock = channel.tryLock();
      if (lock == null) {
        channel.close();
        throw new IllegalStateException("Data directory " + dataDir + " is in use by another Tributary node");
      }
      return lock;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot use data directory " + dataDir, e);
    }
  }

  private static void release(FileLock lock) {
    try {
      lock.release();
      lock.channel().close();
    } catch (IOException ignored) {
      // the process is going away; the OS releases the lock anyway
    }
  }

  private static <T> T join(java.util.concurrent.CompletionStage<T> stage, long timeoutMs, String what) {
    try {
      return stage.toCompletableFuture().get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("Timed out starting the " + what);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted starting the " + what);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("Could not start the " + what + ": " + e.getCause().getMessage(), e.getCause());
    }
  }
}
