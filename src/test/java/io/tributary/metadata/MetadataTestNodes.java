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

  static ActorSystem<Void> start(String name, Path ddataDir) {
    Config config = ConfigFactory.parseString("""
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
            """)
        .withValue("tributary.metadata.ddata-dir", ConfigValueFactory.fromAnyRef(ddataDir.toString()))
        .withFallback(ConfigFactory.load());
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), name, config);
    Cluster cluster = Cluster.get(system);
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    return system;
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
}
