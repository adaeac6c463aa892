package io.tributary.metadata;

import akka.actor.ActorRef;
import akka.actor.Address;
import akka.actor.typed.ActorSystem;
import akka.cluster.Member;
import akka.cluster.sharding.ShardCoordinator;
import akka.cluster.typed.Cluster;
import akka.dispatch.Futures;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import scala.collection.immutable.IndexedSeq;
import scala.concurrent.Future;

/**
 * A shard allocation strategy that places each shard on the node its id names, and never moves it: shard ids end
 * in {@code @<nodeId>} ({@code orders/3@2}: partition 3 of orders, on node 2). Partitions and groups keep their data
 * on their node's disk, so a shard started anywhere else would start empty; Akka's default strategy would do that
 * (and rebalance shards away from their files). The node is found by its role ({@link NodeRoles}) among the members
 * whose shard regions are registered; while that node has no region (it is down), allocation fails and sharding
 * retries it, buffering the messages meanwhile.
 */
public final class NodePinnedAllocation extends ShardCoordinator.AbstractShardAllocationStrategy {
  private final ActorSystem<?> system;

  public NodePinnedAllocation(ActorSystem<?> system) {
    this.system = system;
  }

  /** The shard id of {@code key} on node {@code nodeId}. */
  public static String shardId(String key, int nodeId) {
    return key + "@" + nodeId;
  }

  /** The node id a shard (or entity) id ends with. */
  public static int nodeOf(String id) {
    int at = id.lastIndexOf('@');
    if (at < 0) throw new IllegalArgumentException("No node in shard id " + id);
    return Integer.parseInt(id.substring(at + 1));
  }

  /** What comes before the node in a shard (or entity) id. */
  public static String keyOf(String id) {
    int at = id.lastIndexOf('@');
    if (at < 0) throw new IllegalArgumentException("No node in id " + id);
    return id.substring(0, at);
  }

  @Override
  public Future<ActorRef> allocateShard(ActorRef requester, String shardId, Map<ActorRef, IndexedSeq<String>> current) {
    int nodeId;
    try {
      nodeId = nodeOf(shardId);
    } catch (RuntimeException e) {
      return Futures.failed(e);
    }
    Optional<Address> address = addressOf(nodeId);
    if (address.isPresent()) {
      for (ActorRef region : current.keySet()) {
        if (addressOf(region).equals(address.get())) return Futures.successful(region);
      }
    }
    return Futures.failed(new IllegalStateException("Node " + nodeId + " of shard " + shardId + " has no shard region now"));
  }

  /** Shards never move: a partition's or group's data stays on its node. */
  @Override
  public Future<Set<String>> rebalance(Map<ActorRef, IndexedSeq<String>> current, Set<String> rebalanceInProgress) {
    return Futures.successful(Set.of());
  }

  private Optional<Address> addressOf(int nodeId) {
    for (Member m : Cluster.get(system).state().getMembers()) {
      if (NodeRoles.nodeIdOf(m).orElse(-1) == nodeId) return Optional.of(m.address());
    }
    return Optional.empty();
  }

  /** A region's address; a region on this node has a local path, whose address is this node's. */
  private Address addressOf(ActorRef region) {
    Address a = region.path().address();
    return a.hasLocalScope() ? Cluster.get(system).selfMember().address() : a;
  }
}
