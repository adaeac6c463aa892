package io.tributary.metadata;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Where new partitions' replicas go, as Kafka's {@code AdminUtils.assignReplicasToBrokers}: the first replicas
 * round-robin over the nodes from a random start, the others shifted so that replicas of consecutive partitions do
 * not pile up on the same followers; with racks on every node, the nodes are first interleaved by rack and a
 * partition's replicas go to different racks while there are racks left. Stateless.
 */
final class ReplicaPlacement {
  private ReplicaPlacement() {}

  /** A node that can take replicas: its id and rack (null: none). */
  record Node(int id, String rack) {}

  /**
   * Replicas of partitions {@code firstPartition .. firstPartition + count - 1} over {@code nodes}; the caller has
   * checked {@code 1 <= replicationFactor <= nodes.size()}.
   */
  static List<List<Integer>> assign(List<Node> nodes, int count, int replicationFactor, int firstPartition, Random random) {
    if (nodes.isEmpty() || replicationFactor < 1 || replicationFactor > nodes.size()) {
      throw new IllegalArgumentException(replicationFactor + " replicas over " + nodes.size() + " nodes");
    }
    boolean racks = nodes.stream().allMatch(n -> n.rack() != null && !n.rack().isEmpty());
    return racks ? rackAware(nodes, count, replicationFactor, firstPartition, random)
        : rackUnaware(nodes.stream().map(Node::id).sorted().toList(), count, replicationFactor, firstPartition, random);
  }

  private static List<List<Integer>> rackUnaware(List<Integer> ids, int count, int replicationFactor, int firstPartition,
                                                 Random random) {
    int n = ids.size();
    int startIndex = random.nextInt(n);
    int nextReplicaShift = random.nextInt(n);
    int partition = firstPartition;
    var out = new ArrayList<List<Integer>>(count);
    for (int i = 0; i < count; i++, partition++) {
      if (partition > 0 && partition % n == 0) nextReplicaShift++;
      int first = (partition + startIndex) % n;
      var replicas = new ArrayList<Integer>(replicationFactor);
      replicas.add(ids.get(first));
      for (int j = 0; j < replicationFactor - 1; j++) replicas.add(ids.get(replicaIndex(first, nextReplicaShift, j, n)));
      out.add(replicas);
    }
    return out;
  }

  private static List<List<Integer>> rackAware(List<Node> nodes, int count, int replicationFactor, int firstPartition,
                                               Random random) {
    List<Node> arranged = rackAlternated(nodes);
    int n = arranged.size();
    int numRacks = (int) arranged.stream().map(Node::rack).distinct().count();
    int startIndex = random.nextInt(n);
    int nextReplicaShift = random.nextInt(n);
    int partition = firstPartition;
    var out = new ArrayList<List<Integer>>(count);
    for (int i = 0; i < count; i++, partition++) {
      if (partition > 0 && partition % n == 0) nextReplicaShift++;
      int first = (partition + startIndex) % n;
      Node leader = arranged.get(first);
      var replicas = new ArrayList<Integer>(replicationFactor);
      replicas.add(leader.id());
      Set<String> racksWithReplicas = new HashSet<>(Set.of(leader.rack()));
      Set<Integer> nodesWithReplicas = new HashSet<>(Set.of(leader.id()));
      int k = 0;
      for (int j = 0; j < replicationFactor - 1; j++) {
        while (true) {
          Node candidate = arranged.get(replicaIndex(first, nextReplicaShift * numRacks, k++, n));
          boolean newRack = !racksWithReplicas.contains(candidate.rack()) || racksWithReplicas.size() == numRacks;
          boolean newNode = !nodesWithReplicas.contains(candidate.id()) || nodesWithReplicas.size() == n;
          if (newRack && newNode && !replicas.contains(candidate.id())) {
            replicas.add(candidate.id());
            racksWithReplicas.add(candidate.rack());
            nodesWithReplicas.add(candidate.id());
            break;
          }
        }
      }
      out.add(replicas);
    }
    return out;
  }

  private static int replicaIndex(int firstReplicaIndex, int secondReplicaShift, int replicaIndex, int n) {
    int shift = 1 + (secondReplicaShift + replicaIndex) % (n - 1);
    return (firstReplicaIndex + shift) % n;
  }

  /** Nodes interleaved by rack (racks and the nodes within each in order): r1n1, r2n1, r3n1, r1n2, ... */
  static List<Node> rackAlternated(List<Node> nodes) {
    Map<String, TreeSet<Integer>> byRack = new TreeMap<>();
    for (Node node : nodes) byRack.computeIfAbsent(node.rack(), r -> new TreeSet<>()).add(node.id());
    var iterators = new ArrayList<Map.Entry<String, Iterator<Integer>>>();
    byRack.forEach((rack, ids) -> iterators.add(Map.entry(rack, ids.iterator())));
    var out = new ArrayList<Node>(nodes.size());
    while (out.size() < nodes.size()) {
      for (var e : iterators) {
        if (e.getValue().hasNext()) out.add(new Node(e.getValue().next(), e.getKey()));
      }
    }
    return out;
  }
}
