package io.tributary.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.tributary.metadata.ReplicaPlacement.Node;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Kafka's placement: leaders round-robin from a random start, followers shifted, racks interleaved. */
class ReplicaPlacementTest {
  private static final List<Node> THREE = List.of(new Node(3, null), new Node(1, null), new Node(2, null));

  private static Map<Integer, Integer> leaders(List<List<Integer>> replicas) {
    var count = new HashMap<Integer, Integer>();
    replicas.forEach(r -> count.merge(r.get(0), 1, Integer::sum));
    return count;
  }

  @Test
  void twelvePartitionsOverThreeNodesLeadFourEach() {
    for (int seed = 0; seed < 20; seed++) {
      var replicas = ReplicaPlacement.assign(THREE, 12, 1, 0, new Random(seed));
      assertEquals(Map.of(1, 4, 2, 4, 3, 4), leaders(replicas), "seed " + seed);
      replicas.forEach(r -> assertEquals(1, r.size()));
    }
  }

  @Test
  void consecutivePartitionsGoToConsecutiveNodesFromARandomStart() {
    var starts = new HashSet<Integer>();
    for (int seed = 0; seed < 30; seed++) {
      var replicas = ReplicaPlacement.assign(THREE, 3, 1, 0, new Random(seed));
      int first = replicas.get(0).get(0);
      starts.add(first);
      assertEquals(first % 3 + 1, replicas.get(1).get(0));
      assertEquals((first + 1) % 3 + 1, replicas.get(2).get(0));
    }
    assertEquals(Set.of(1, 2, 3), starts, "the start is random");
  }

  @Test
  void replicasOfAPartitionAreDistinctAndFollowersSpread() {
    var replicas = ReplicaPlacement.assign(THREE, 6, 3, 0, new Random(1));
    var followerOfLeader = new HashMap<Integer, Set<Integer>>();
    for (var r : replicas) {
      assertEquals(3, new HashSet<>(r).size());
      followerOfLeader.computeIfAbsent(r.get(0), k -> new HashSet<>()).add(r.get(1));
    }
    followerOfLeader.values().forEach(f -> assertEquals(2, f.size(), "a leader's first followers vary: " + replicas));
  }

  @Test
  void racksAreInterleavedAndAPartitionsReplicasSpanRacks() {
    var nodes = List.of(new Node(1, "a"), new Node(2, "a"), new Node(3, "b"), new Node(4, "b"), new Node(5, "c"), new Node(6, "c"));
    assertEquals(List.of(1, 3, 5, 2, 4, 6), ReplicaPlacement.rackAlternated(nodes).stream().map(Node::id).toList());
    var rackOf = Map.of(1, "a", 2, "a", 3, "b", 4, "b", 5, "c", 6, "c");
    var replicas = ReplicaPlacement.assign(nodes, 12, 3, 0, new Random(3));
    for (var r : replicas) {
      assertEquals(3, r.stream().map(rackOf::get).distinct().count(), "one replica per rack: " + r);
    }
    assertEquals(Map.of(1, 2, 2, 2, 3, 2, 4, 2, 5, 2, 6, 2), leaders(replicas));
  }

  @Test
  void addedPartitionsContinueTheRoundRobin() {
    var random = new Random(5);
    var first = ReplicaPlacement.assign(THREE, 2, 1, 0, random);
    var more = ReplicaPlacement.assign(THREE, 4, 1, 2, random);
    var all = new java.util.ArrayList<>(first);
    all.addAll(more);
    assertNotEquals(0, more.size());
    assertEquals(6, all.size());
    assertEquals(3, leaders(more).size(), "the new partitions spread over every node: " + more);
  }
}
