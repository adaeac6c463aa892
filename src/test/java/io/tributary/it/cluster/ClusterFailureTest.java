package io.tributary.it.cluster;

import static io.tributary.it.cluster.ClusterClients.awaitTopicOnEveryNode;
import static io.tributary.it.cluster.ClusterClients.createTopic;
import static io.tributary.it.cluster.ClusterClients.describeCluster;
import static io.tributary.it.cluster.ClusterClients.expectedBrokers;
import static io.tributary.it.cluster.ClusterClients.metadataBrokers;
import static io.tributary.it.cluster.ClusterClients.partitionsByLeader;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.it.RobustSupport;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Under a steady produce load on all 12 partitions (one idempotent acks=all producer per leader's 4 partitions,
 * bootstrapped to that leader), one node fails: {@code kill -9}, or SIGSTOP for 10 s then SIGCONT. The producers of the
 * other nodes' partitions keep getting acknowledgements and see no error at all; the failed node's partitions come
 * back, once it runs again, with every record they acknowledged; and the cluster is whole again (every node lists 3
 * brokers) with no step but the supervisor's restart of a process that exited.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ClusterFailureTest {
  private static final String TOPIC = "under-load";
  private static final int PARTITIONS = 12;
  /** Upper bound of one producer's load: far above what a test sends at its pace (about 400 records/s). */
  private static final long MAX_RECORDS_PER_LOAD = 200_000;
  /** Acknowledgements per partition that show a producer is making progress. */
  private static final long PROGRESS = 50;
  private static final Duration PAUSE = Duration.ofSeconds(10);
  /** Acknowledgements per surviving partition before the killed node is restarted: several seconds of load. */
  private static final long OUTAGE_PROGRESS = 500;

  @RegisterExtension
  final TestCluster cluster = new TestCluster();

  private final List<PartitionLoad> loads = new ArrayList<>();
  private final long startNanos = System.nanoTime();

  @AfterEach
  void closeLoads() {
    loads.forEach(PartitionLoad::close);
  }

  /**
   * The first seed node is killed and restarted by its supervisor within seconds, before the cluster downs it: its
   * new incarnation must replace the old one and find the running cluster.
   */
  @Test
  void killMinus9OfANode() throws Exception {
    var loadsByLeader = startLoad();
    ClusterNode victim = cluster.node(1); // the first seed node: its restart must still find the running cluster
    var victimLoad = loadsByLeader.get(victim.nodeId);
    var survivors = survivorLoads(loadsByLeader, victim);

    log("kill -9 " + victim + "; controller before: " + controllerSeenBy(2));
    var atKill = acked(survivors);
    victim.kill();
    log("killed; " + victim);
    // the supervisor restarts it; give the other partitions a while to show they are not disturbed first
    awaitProgress(survivors, atKill, OUTAGE_PROGRESS, "while node " + victim.nodeId + " is dead");
    log("survivors progressed while the node was dead: " + survivors);

    var atRestart = victimLoad.ackedPerPartition();
    cluster.restart(victim);
    awaitWholeAgain(victim, victimLoad, atRestart);
    finishAndVerify(survivors, victim);
  }

  /**
   * As above, but the supervisor restarts the node only after the cluster has downed and removed it (a restart
   * with back-off): meanwhile the survivors list only themselves in Metadata and DescribeCluster, and their producers
   * still see no error.
   */
  @Test
  void killMinus9OfANodeThatStaysDeadUntilDowned() throws Exception {
    var loadsByLeader = startLoad();
    ClusterNode victim = cluster.node(2);
    var victimLoad = loadsByLeader.get(victim.nodeId);
    var survivors = survivorLoads(loadsByLeader, victim);
    var survivorNodes = cluster.nodes().stream().filter(n -> n != victim).toList();
    var survivorBrokers = new TreeSet<>(expectedBrokers(cluster));
    survivorBrokers.removeIf(b -> b.startsWith(victim.nodeId + "@"));

    log("kill -9 " + victim + "; controller before: " + controllerSeenBy(1));
    victim.kill();
    await("the surviving nodes list only themselves once node " + victim.nodeId + " is downed")
        .atMost(TestCluster.DEADLINE).pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> assertTrue(listExactly(survivorNodes, survivorBrokers),
            () -> "brokers listed per node " + brokersPerNode()));
    try (var admin = cluster.admin(1)) {
      log("node " + victim.nodeId + " dropped out: " + brokersPerNode() + "; leaders as node 1 describes them "
          + ClusterClients.leaders(admin, TOPIC) + "; " + survivors);
    }
    await("the Split Brain Resolver downs node " + victim.nodeId + " and the leader removes it (from the logs)")
        .atMost(TestCluster.DEADLINE).pollInterval(Duration.ofSeconds(1))
        .until(() -> cluster.logsShowRemoved(victim));
    assertTrue(listExactly(survivorNodes, survivorBrokers), () -> "after node " + victim.nodeId
        + " was downed, brokers listed per node " + brokersPerNode());
    log("node " + victim.nodeId + " downed and removed; " + survivors);
    assertTrue(survivors.stream().allMatch(l -> l.errors().isEmpty()),
        () -> "the surviving partitions' producers saw errors while node " + victim.nodeId + " was downed: " + survivors);

    var atRestart = victimLoad.ackedPerPartition();
    cluster.restart(victim);
    awaitWholeAgain(victim, victimLoad, atRestart);
    finishAndVerify(survivors, victim);
  }

  @Test
  void sigstopOfANodeFor10Seconds() throws Exception {
    var loadsByLeader = startLoad();
    ClusterNode victim = cluster.node(3);
    var victimLoad = loadsByLeader.get(victim.nodeId);
    var survivors = survivorLoads(loadsByLeader, victim);

    log("SIGSTOP " + victim + " (pid " + victim.pid() + "); controller before: " + controllerSeenBy(1));
    var atStop = acked(survivors);
    victim.pause();
    Thread.sleep(PAUSE.toMillis()); // the deliberate pause: a frozen JVM, sockets open
    for (var load : survivors) {
      assertTrue(load.progressedSince(atStop.get(load.name), PROGRESS),
          load.name + " kept getting acknowledgements during the 10 s SIGSTOP of node " + victim.nodeId
              + ": before " + atStop.get(load.name) + ", after " + load.ackedPerPartition());
    }
    var atResume = victimLoad.ackedPerPartition();
    victim.resume();
    log("SIGCONT " + victim + "; survivors during the pause: " + survivors);

    // either it carries on as a member, or it learns it was downed and must exit non-zero for its supervisor
    await("node " + victim.nodeId + " either serves its partitions again with 3 brokers listed everywhere, or exits")
        .atMost(TestCluster.DEADLINE).pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> assertTrue(
            !victim.isAlive() || (victimLoad.progressedSince(atResume, PROGRESS) && listsAllBrokers()),
            () -> "after SIGCONT " + victim + " neither exited nor came back: its partitions' acknowledgements before "
                + atResume + ", now " + victimLoad + "; brokers listed per node " + brokersPerNode()));
    if (!victim.isAlive()) {
      Integer exit = victim.awaitExit(Duration.ofSeconds(10));
      log("node " + victim.nodeId + " was downed after SIGCONT and exited with " + exit + "; restarting it");
      assertNotEquals(0, exit, "a downed node exits non-zero so that its supervisor restarts it");
      cluster.restart(victim);
    } else {
      log("node " + victim.nodeId + " carried on after SIGCONT without being downed");
    }
    awaitWholeAgain(victim, victimLoad, atResume);
    finishAndVerify(survivors, victim);
  }

  /** Creates the topic, checks 4/4/4 leaders, starts one load per leader; returns them by leader once all flow. */
  private Map<Integer, PartitionLoad> startLoad() throws Exception {
    try (var admin = cluster.admin(2)) {
      createTopic(admin, TOPIC, PARTITIONS);
    }
    log("created " + TOPIC);
    var leaders = awaitTopicOnEveryNode(cluster, TOPIC, PARTITIONS);
    var byLeader = partitionsByLeader(leaders);
    log("every node describes " + TOPIC + " with leaders " + byLeader);
    assertEquals(Set.of(1, 2, 3), byLeader.keySet(), "leaders " + leaders);
    var loadsByLeader = new TreeMap<Integer, PartitionLoad>();
    byLeader.forEach((leader, partitions) -> {
      var load = new PartitionLoad("led-by-" + leader, TOPIC, partitions, cluster.node(leader).bootstrap(),
          MAX_RECORDS_PER_LOAD);
      loads.add(load);
      loadsByLeader.put(leader, load);
    });
    awaitProgress(loads, Map.of(), PROGRESS, "before the failure");
    log("load flowing: " + loads);
    return loadsByLeader;
  }

  private static List<PartitionLoad> survivorLoads(Map<Integer, PartitionLoad> byLeader, ClusterNode victim) {
    var survivors = new ArrayList<>(byLeader.values());
    survivors.remove(byLeader.get(victim.nodeId));
    return survivors;
  }

  /** Back to a whole cluster: every node lists 3 brokers, and the victim's partitions accept writes again. */
  private void awaitWholeAgain(ClusterNode victim, PartitionLoad victimLoad, Map<Integer, Long> before) {
    await("every node lists the 3 brokers again").atMost(TestCluster.DEADLINE).pollInterval(Duration.ofSeconds(1))
        .untilAsserted(() -> assertTrue(listsAllBrokers(), () -> "brokers listed per node " + brokersPerNode()));
    log("every node lists 3 brokers");
    await("node " + victim.nodeId + "'s partitions accept writes again").atMost(TestCluster.DEADLINE)
        .pollInterval(Duration.ofMillis(200)).untilAsserted(() -> assertTrue(victimLoad.progressedSince(before, PROGRESS),
            "acknowledgements of node " + victim.nodeId + "'s partitions: before " + before + ", now " + victimLoad
                + "; e.g. errors " + victimLoad.errors().stream().limit(3).toList()));
    log("node " + victim.nodeId + "'s partitions accept writes again: " + victimLoad);
  }

  /**
   * Lets the surviving producers run a little past the rejoin, stops the load, then checks: no surviving producer saw
   * an error, and every acknowledged record of every partition is where its leader said it put it, once.
   */
  private void finishAndVerify(List<PartitionLoad> survivors, ClusterNode victim) throws Exception {
    awaitProgress(survivors, acked(survivors), PROGRESS, "after node " + victim.nodeId + " rejoined");
    for (var load : loads) load.stop(Duration.ofSeconds(90));
    log("load stopped: " + loads);
    for (var load : survivors) {
      var errors = load.errors();
      assertTrue(errors.isEmpty(), load.name + " (partitions of a node that did not fail) saw " + errors.size()
          + " failed sends, e.g. " + errors.subList(0, Math.min(10, errors.size())));
    }
    var victimErrors = loads.stream().filter(l -> !survivors.contains(l)).flatMap(l -> l.errors().stream()).toList();
    log("the failed node's producer had " + victimErrors.size() + " failed sends (allowed), e.g. "
        + victimErrors.subList(0, Math.min(3, victimErrors.size())));

    var read = RobustSupport.readAll(cluster.allBootstrap(), ClusterClients.topicPartitions(TOPIC, PARTITIONS),
        TestCluster.DEADLINE);
    var atOffset = new HashMap<TopicPartition, Map<Long, String>>();
    var counts = new HashMap<String, Integer>();
    read.forEach((tp, records) -> {
      var byOffset = new HashMap<Long, String>();
      records.forEach(r -> {
        byOffset.put(r.offset(), r.value());
        counts.merge(r.value(), 1, Integer::sum);
      });
      atOffset.put(tp, byOffset);
    });
    var missing = new TreeMap<Integer, List<String>>();
    long checked = 0;
    for (var load : loads) {
      for (var a : load.acknowledged()) {
        checked++;
        String there = atOffset.get(new TopicPartition(TOPIC, a.partition())).get(a.offset());
        if (!a.value().equals(there)) {
          missing.computeIfAbsent(a.partition(), p -> new ArrayList<>())
              .add(a.value() + "@" + a.offset() + " (found " + there + ")");
        }
      }
    }
    var missingSummary = new TreeMap<Integer, String>();
    missing.forEach((p, list) -> missingSummary.put(p, list.size() + " e.g. " + list.subList(0, Math.min(3, list.size()))));
    assertTrue(missing.isEmpty(), "acknowledged records not at their offset after node " + victim.nodeId
        + " came back, per partition: " + missingSummary);
    var duplicates = counts.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).limit(10).toList();
    assertTrue(duplicates.isEmpty(), "records stored twice despite the idempotent producers: " + duplicates);
    log("verified " + checked + " acknowledged records in " + PARTITIONS + " partitions");
  }

  private boolean listsAllBrokers() {
    return listExactly(cluster.nodes(), expectedBrokers(cluster));
  }

  /** True when each of {@code nodes} lists exactly {@code brokers} in DescribeCluster and in Metadata. */
  private boolean listExactly(List<ClusterNode> nodes, Set<String> brokers) {
    for (var node : nodes) {
      try (var admin = cluster.admin(node.nodeId)) {
        if (!describeCluster(admin).brokers().equals(brokers)) return false;
        if (!metadataBrokers(node.bootstrap()).brokers().equals(brokers)) return false;
      } catch (Exception e) {
        return false;
      }
    }
    return true;
  }

  /** What each live node lists in DescribeCluster and Metadata, for failure messages. */
  private Map<Integer, String> brokersPerNode() {
    var out = new TreeMap<Integer, String>();
    for (var node : cluster.nodes()) {
      if (!node.isAlive()) {
        out.put(node.nodeId, "not running");
        continue;
      }
      try (var admin = cluster.admin(node.nodeId)) {
        out.put(node.nodeId, "DescribeCluster " + describeCluster(admin) + ", Metadata " + metadataBrokers(node.bootstrap()));
      } catch (Exception e) {
        out.put(node.nodeId, "unanswered: " + e);
      }
    }
    return out;
  }

  private String controllerSeenBy(int nodeId) {
    try (var admin = cluster.admin(nodeId)) {
      return String.valueOf(describeCluster(admin).controllerId());
    } catch (Exception e) {
      return "unknown (" + e + ")";
    }
  }

  private static Map<String, Map<Integer, Long>> acked(List<PartitionLoad> loads) {
    var out = new TreeMap<String, Map<Integer, Long>>();
    loads.forEach(l -> out.put(l.name, l.ackedPerPartition()));
    return out;
  }

  private static void awaitProgress(List<PartitionLoad> loads, Map<String, Map<Integer, Long>> before, long extra,
                                    String when) {
    await("every partition gets " + extra + " more acknowledgements " + when).atMost(TestCluster.DEADLINE)
        .pollInterval(Duration.ofMillis(200)).untilAsserted(() -> assertTrue(
            loads.stream().allMatch(l -> l.progressedSince(before.getOrDefault(l.name, Map.of()), extra)),
            "acknowledgements per partition " + when + ": before " + before + ", now " + loads));
  }

  private void log(String event) {
    System.out.printf("%s [+%.1fs] %s%n", LocalTime.now(), (System.nanoTime() - startNanos) / 1e9, event);
  }
}
