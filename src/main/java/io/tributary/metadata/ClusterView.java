package io.tributary.metadata;

import akka.actor.Address;
import akka.actor.typed.ActorSystem;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.stream.StreamSupport;

/**
 * This node's view of cluster membership, as Kafka's notion of a live broker needs it: a node is live while it is
 * an Up member that this node can reach. Reads Akka's current cluster state; thread-safe.
 */
public final class ClusterView {
  private ClusterView() {}

  /** Cluster addresses ({@code akka://tributary@host:port}) of the live members. */
  public static Set<String> liveAddresses(ActorSystem<?> system) {
    var state = Cluster.get(system).state();
    Set<Member> unreachable = state.getUnreachable();
    var live = new HashSet<String>();
    for (Member m : state.getMembers()) {
      if (isUp(m) && !unreachable.contains(m)) live.add(m.address().toString());
    }
    return live;
  }

  /**
   * Whether this node reaches more than half of the Up members, itself included. A cluster of one or two always
   * does: there, a node cannot tell a failure of the other from being cut off, and the Split Brain Resolver decides.
   */
  public static boolean reachesMajority(ActorSystem<?> system) {
    var state = Cluster.get(system).state();
    Set<Member> unreachable = state.getUnreachable();
    int members = 0;
    int reachable = 0;
    for (Member m : state.getMembers()) {
      if (!isUp(m)) continue;
      members++;
      if (!unreachable.contains(m)) reachable++;
    }
    return members < 3 || 2 * reachable > members;
  }

  /** This node's cluster address. */
  public static String selfAddress(ActorSystem<?> system) {
    return Cluster.get(system).selfMember().address().toString();
  }

  /** Whether this node is an Up member (it serves clients only then). */
  public static boolean selfUp(ActorSystem<?> system) {
    return isUp(Cluster.get(system).selfMember());
  }

  /**
   * The member that hosts the metadata Controller as this node sees it: the oldest reachable one that is Up or leaving
   * gracefully (see {@link ControllerSeat}).
   */
  public static Optional<Address> controllerHost(ActorSystem<?> system) {
    var state = Cluster.get(system).state();
    Set<Member> unreachable = state.getUnreachable();
    return StreamSupport.stream(state.getMembers().spliterator(), false)
        .filter(m -> !unreachable.contains(m))
        .filter(m -> m.status() == MemberStatus.up() || m.status() == MemberStatus.leaving() || m.status() == MemberStatus.exiting())
        .reduce((a, b) -> a.isOlderThan(b) ? a : b)
        .map(Member::address);
  }

  private static boolean isUp(Member m) {
    return m.status() == MemberStatus.up() || m.status() == MemberStatus.weaklyUp();
  }
}
