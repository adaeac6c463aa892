package io.tributary.metadata;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** One-member clusters (artery on 127.0.0.1, port 0, self-join) for the metadata tests. */
final class MetadataTestNodes {

  static final Duration DEADLINE = Duration.ofSeconds(30);

  private MetadataTestNodes() {}

  /** A node that forms a new cluster by joining itself. */
  static ActorSystem<Void> start(String name, Path ddataDir) {
    ActorSystem<Void> system = create(name, ddataDir, ConfigFactory.empty());
    Cluster cluster = Cluster.get(system);
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    return system;
  }

  /** A node that joins {@code seed}'s cluster. */
  static ActorSystem<Void> join(ActorSystem<?> seed, Path ddataDir) {
    ActorSystem<Void> system = create(seed.name(), ddataDir, ConfigFactory.empty());
    Cluster.get(system).manager().tell(Join.create(Cluster.get(seed).selfMember().address()));
    return system;
  }

  /** A node that has not joined any cluster (so no singleton runs), with {@code overrides}. */
  static ActorSystem<Void> create(String name, Path ddataDir, Config overrides) {
    Config config = overrides.withFallback(ConfigFactory.parseString("""
            akka.actor.provider = cluster
            akka.actor.serialize-messages = on
            akka.remote.artery.canonical.hostname = 127.0.0.1
            akka.remote.artery.canonical.port = 0
            akka.cluster.jmx.multi-mbeans-in-same-jvm = on
            akka.coordinated-shutdown.exit-jvm = off
            akka.loglevel = INFO
            tributary.metadata.read-timeout = 2s
            tributary.metadata.write-timeout = 2s
            tributary.metadata.ask-timeout = 10s
            """))
        .withValue("tributary.metadata.ddata-dir", ConfigValueFactory.fromAnyRef(ddataDir.toString()))
        .withFallback(ConfigFactory.load());
    return ActorSystem.create(Behaviors.empty(), name, config);
  }

  static void stop(ActorSystem<?> system) {
    if (system == null) return;
    system.terminate();
    await(system.getWhenTerminated());
  }

  static <T> T await(CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new AssertionError("failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("not completed within " + DEADLINE, e);
    }
  }

  /** The exception {@code stage} failed with (fails the test if it succeeds or takes too long). */
  static Throwable failure(CompletionStage<?> stage) {
    try {
      Object value = stage.toCompletableFuture().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
      throw new AssertionError("expected a failure, got " + value);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException | TimeoutException e) {
      throw new AssertionError("not completed within " + DEADLINE, e);
    }
  }

  /** Registers {@code system}'s node as broker {@code nodeId} at its cluster address, so that topics can be placed on it. */
  static void registerSelf(ClusterMetadataService metadata, ActorSystem<?> system, int nodeId) {
    var self = new BrokerInfo(nodeId, "127.0.0.1", 9090 + nodeId, null, ClusterView.selfAddress(system));
    metadata.registerBroker(self).toCompletableFuture().orTimeout(DEADLINE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).join();
  }
}
