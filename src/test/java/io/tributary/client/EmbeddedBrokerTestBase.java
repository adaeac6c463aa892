package io.tributary.client;

import akka.actor.ActorSystem;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** One EmbeddedBroker and one ActorSystem per test class, for the client tests. */
public abstract class EmbeddedBrokerTestBase {
  protected static EmbeddedBroker broker;
  protected static ActorSystem system;

  @BeforeAll
  static void startBrokerAndSystem() {
    broker = EmbeddedBroker.start();
    system = ActorSystem.create("client-test");
  }

  @AfterAll
  static void stopBrokerAndSystem() throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    broker.close();
  }
}
