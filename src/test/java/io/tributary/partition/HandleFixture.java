package io.tributary.partition;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.stream.Materializer;
import io.tributary.metadata.PartitionInfo;
import io.tributary.storage.LogConfig;
import io.tributary.storage.PartitionLog;
import java.nio.file.Path;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * A {@link PartitionHandle} of partition t-0 on node {@code nodeId}, over a real log in {@code dir}, with the
 * assignment the test controls; its own actor system and writer thread. For tests of the handle's replication rules.
 */
final class HandleFixture implements AutoCloseable {
  final PartitionHandle handle;
  private final ActorTestKit testKit;
  private final ExecutorService io;

  HandleFixture(String name, Path dir, int nodeId, Supplier<PartitionInfo> assignment) throws Exception {
    testKit = ActorTestKit.create(name);
    io = Executors.newSingleThreadExecutor();
    Materializer materializer = Materializer.matFromSystem(testKit.system());
    PartitionLog log = PartitionLog.open(dir.resolve("t-0"), LogConfig.defaults());
    handle = new PartitionHandle(new TopicPartition("t", 0), Uuid.randomUuid(), nodeId, assignment, log,
        (l, onWritten, onOffline) -> new AppendPipeline(l, 16, 8, io, materializer, onWritten, onOffline), (h, e) -> {});
    handle.assignmentChanged();
  }

  @Override
  public void close() throws Exception {
    handle.close().toCompletableFuture().get(10, TimeUnit.SECONDS);
    io.shutdown();
    testKit.shutdownTestKit();
  }
}
