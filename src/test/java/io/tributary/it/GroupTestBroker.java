package io.tributary.it;

import io.tributary.node.BrokerNode;
import java.nio.file.Path;

/**
 * A broker in a child JVM, for tests that kill -9 it: {@code GroupTestBroker <data dir>}. Prints
 * {@code BOOTSTRAP host:port} once it accepts connections, then runs until killed.
 */
public final class GroupTestBroker {
  public static void main(String[] args) throws Exception {
    BrokerNode node = TestBrokers.start(Path.of(args[0]), ConsumerGroupTest.NO_DELAY);
    System.out.println("BOOTSTRAP " + node.bootstrapServers());
    System.out.flush();
    node.awaitTermination();
    Thread.sleep(Long.MAX_VALUE);
  }
}
