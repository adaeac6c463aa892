package io.tributary.metadata;

import static io.tributary.metadata.MetadataTestNodes.failure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import akka.actor.typed.ActorSystem;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.Map;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Without a cluster there is no Controller: calls fail with Kafka's TimeoutException after ask-timeout. */
class MetadataTimeoutTest {

  @TempDir Path dataDir;

  private ActorSystem<Void> system;

  @AfterEach
  void stop() {
    MetadataTestNodes.stop(system);
  }

  @Test
  void callsTimeOutWhenNoControllerAnswers() {
    system = MetadataTestNodes.create("MetadataTimeoutTest", dataDir, ConfigFactory.parseString("tributary.metadata.ask-timeout = 300ms"));
    ClusterMetadataService metadata = ClusterMetadataService.start(system);

    Throwable e = failure(metadata.createTopic("orders", 1, Map.of(), false));
    assertInstanceOf(TimeoutException.class, e);
    assertInstanceOf(TimeoutException.class, failure(metadata.allocateProducerIds(10)));
    assertEquals(0, metadata.current().version(), "nothing loaded: the empty image");
    assertEquals("", metadata.current().clusterId());
    assertFalse(metadata.ready().toCompletableFuture().isDone());
  }
}
