package io.tributary.it;

import static io.tributary.it.ReadCommittedTest.A;
import static io.tributary.it.ReadCommittedTest.TOPIC;
import static io.tributary.it.ReadCommittedTest.TP;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tributary.metadata.PartitionInfo;
import io.tributary.node.BrokerNode;
import io.tributary.protocol.TwoNodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.protocol.Errors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replicated partition's transactions: the follower applies the leader's markers to its own producer state and
 * aborted-transaction index, so that after a failover the new leader serves read_committed consumers the same last
 * stable offset and hides the same aborted records. Markers go to the leader only (NOT_LEADER_OR_FOLLOWER elsewhere).
 */
class TwoNodeTransactionsTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;
  private BrokerNode one;
  private BrokerNode two;

  @AfterEach
  void stop() {
    if (two != null) two.close();
    if (one != null) one.close();
  }

  @Test
  void theFollowerKeepsTheLastStableOffsetAndAbortedTransactionsThroughAFailover() throws Exception {
    var nodes = TwoNodes.start(dir, TestBrokers.NO_TXN_VERIFICATION);
    one = nodes.get(0);
    two = nodes.get(1);
    for (BrokerNode node : List.of(one, two)) {
      Awaitility.await().atMost(WAIT).until(() -> node.metadata().liveBrokers().keySet().equals(Set.of(1, 2)));
    }
    try (var admin = Admin.create(Map.of("bootstrap.servers", one.bootstrapServers()))) {
      admin.createTopics(List.of(new NewTopic(TOPIC, Map.of(0, List.of(2, 1))))).all().get(60, TimeUnit.SECONDS);
    }
    await("both in sync, node 2 leading", p -> p.leader() == 2 && Set.copyOf(p.isr()).equals(Set.of(1, 2)));

    try (var wire = new TxnWire(two.bootstrapServers())) {
      ReadCommittedTest.writeTransactions(wire);
    }
    try (var follower = new TxnWire(one.bootstrapServers())) {
      assertEquals(Map.of(TP, Errors.NOT_LEADER_OR_FOLLOWER), follower.endAnswering(A, (short) 0, 1, true, TP));
    }
    assertEquals(7L, ReadCommittedTest.lastStableOffset(two.bootstrapServers()));

    // node 1 has every record (acks=all), then takes over
    BrokerNode closed = two;
    two = null;
    closed.close();
    await("node 1 leading alone", p -> p.leader() == 1 && p.isr().equals(List.of(1)));
    assertEquals(7L, ReadCommittedTest.lastStableOffset(one.bootstrapServers()), "C's transaction is open on the new leader");
    assertEquals(List.of("0:p0", "1:a0", "2:a1", "6:p1"), ReadCommittedTest.readUntil(one.bootstrapServers(), true, 7));
    try (var wire = new TxnWire(one.bootstrapServers())) {
      wire.end(ReadCommittedTest.C, (short) 0, 2, true, TP);                           // 9
    }
    assertEquals(List.of("0:p0", "1:a0", "2:a1", "6:p1", "7:c0", "8:p2"), ReadCommittedTest.readUntil(one.bootstrapServers(), true, 10));
    assertEquals(List.of("0:p0", "1:a0", "2:a1", "3:b0", "6:p1", "7:c0", "8:p2"),
        ReadCommittedTest.readUntil(one.bootstrapServers(), false, 10));
  }

  private void await(String what, Predicate<PartitionInfo> condition) {
    Awaitility.await(what).atMost(WAIT).until(() -> one.metadata().current().topic(TOPIC).map(t -> t.partition(0)),
        p -> p.isPresent() && condition.test(p.get()));
  }
}
