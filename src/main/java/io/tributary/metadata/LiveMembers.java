package io.tributary.metadata;

import akka.cluster.ClusterEvent;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.UniqueAddress;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The cluster members as the Controller has seen them in its own membership events, in order: Akka's shared view
 * ({@code Cluster.state()}) is updated by another subscriber of the same events and may not have seen the event
 * that woke the Controller yet. A member is live while it is Up (or WeaklyUp) and reachable, as {@link ClusterView}
 * says. Immutable.
 */
record LiveMembers(Map<UniqueAddress, Member> members, Set<UniqueAddress> unreachable) {
  LiveMembers {
    members = Map.copyOf(members);
    unreachable = Set.copyOf(unreachable);
  }

  static LiveMembers of(ClusterEvent.CurrentClusterState state) {
    var members = new HashMap<UniqueAddress, Member>();
    state.getMembers().forEach(m -> members.put(m.uniqueAddress(), m));
    var unreachable = new HashSet<UniqueAddress>();
    state.getUnreachable().forEach(m -> unreachable.add(m.uniqueAddress()));
    return new LiveMembers(members, unreachable);
  }

  /** This view after {@code event}; the same instance for events that do not concern membership or reachability. */
  LiveMembers after(ClusterEvent.ClusterDomainEvent event) {
    if (event instanceof ClusterEvent.MemberRemoved removed) {
      var m = new HashMap<>(members);
      m.remove(removed.member().uniqueAddress());
      var u = new HashSet<>(unreachable);
      u.remove(removed.member().uniqueAddress());
      return new LiveMembers(m, u);
    }
    if (event instanceof ClusterEvent.MemberEvent changed) {
      var m = new HashMap<>(members);
      m.put(changed.member().uniqueAddress(), changed.member());
      return new LiveMembers(m, unreachable);
    }
    if (event instanceof ClusterEvent.UnreachableMember u) {
      var next = new HashSet<>(unreachable);
      next.add(u.member().uniqueAddress());
      return new LiveMembers(members, next);
    }
    if (event instanceof ClusterEvent.ReachableMember r) {
      var next = new HashSet<>(unreachable);
      next.remove(r.member().uniqueAddress());
      return new LiveMembers(members, next);
    }
    return this;
  }

  /**
   * Where the metadata Controller runs ({@link ControllerSeat}): the oldest reachable member that is Up, or that was
   * Up and is leaving gracefully. A leaving node keeps it until it is removed, because until then the majorities the
   * Controller reads and writes still count that node. Weakly up members never qualify: their age is not settled
   * until they are Up.
   */
  Optional<Member> controllerHost() {
    return members.values().stream()
        .filter(m -> HOLDS_SEAT.contains(m.status()) && !unreachable.contains(m.uniqueAddress()))
        .reduce((a, b) -> a.isOlderThan(b) ? a : b);
  }

  /**
   * Whether this view reaches a majority of the members (those Up, leaving or weakly up). A node that does not, for
   * instance one that has just resumed from a pause and has not heard anyone yet, must not host the Controller: it
   * would elect leaders as if it were alone.
   */
  boolean reachesMajority() {
    long counted = members.values().stream().filter(m -> COUNTED.contains(m.status())).count();
    long reachable = members.values().stream()
        .filter(m -> COUNTED.contains(m.status()) && !unreachable.contains(m.uniqueAddress())).count();
    return reachable * 2 > counted;
  }

  private static final Set<MemberStatus> COUNTED =
      Set.of(MemberStatus.up(), MemberStatus.weaklyUp(), MemberStatus.leaving(), MemberStatus.exiting());

  private static final Set<MemberStatus> HOLDS_SEAT = Set.of(MemberStatus.up(), MemberStatus.leaving(), MemberStatus.exiting());

  /** Whether {@code member} is an Up member in this view (not joining, leaving, exiting or removed). */
  boolean isUp(UniqueAddress member) {
    Member m = members.get(member);
    return m != null && m.status() == MemberStatus.up();
  }

  /** Cluster addresses ({@code akka://tributary@host:port}) of the live members. */
  Set<String> addresses() {
    var live = new HashSet<String>();
    members.values().forEach(m -> {
      boolean up = m.status() == MemberStatus.up() || m.status() == MemberStatus.weaklyUp();
      if (up && !unreachable.contains(m.uniqueAddress())) live.add(m.address().toString());
    });
    return live;
  }
}
