package io.tributary.metadata;

import akka.cluster.ClusterEvent;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.UniqueAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The cluster members as the Controller has seen them in its own membership events, in order: Akka's shared view
 * ({@code Cluster.state()}) is updated by another subscriber of the same events and may not have seen the event
 * that woke the Controller yet. A member is live while it is Up (or WeaklyUp) and reachable, as {@link ClusterView}
 * says. Each unreachable member carries the time ({@link System#nanoTime}) this view first saw it unreachable.
 * Immutable.
 */
record LiveMembers(Map<UniqueAddress, Member> members, Map<UniqueAddress, Long> unreachableSince) {
  LiveMembers {
    members = Map.copyOf(members);
    unreachableSince = Map.copyOf(unreachableSince);
  }

  /** The members as {@code state} shows them; those already unreachable count as unreachable since now. */
  static LiveMembers of(ClusterEvent.CurrentClusterState state) {
    var members = new HashMap<UniqueAddress, Member>();
    state.getMembers().forEach(m -> members.put(m.uniqueAddress(), m));
    var unreachable = new HashMap<UniqueAddress, Long>();
    long now = System.nanoTime();
    state.getUnreachable().forEach(m -> unreachable.put(m.uniqueAddress(), now));
    return new LiveMembers(members, unreachable);
  }

  /**
   * This view after {@code event}, a cluster event or a snapshot of the state ({@link MembershipFeed}); the same
   * instance for events that do not concern membership or reachability. A snapshot replaces the view; a member that
   * stays unreachable keeps the time it was first seen unreachable.
   */
  LiveMembers after(Object event) {
    if (event instanceof ClusterEvent.CurrentClusterState state) {
      var snapshot = of(state);
      var since = new HashMap<UniqueAddress, Long>();
      snapshot.unreachableSince.forEach((member, now) -> since.put(member, unreachableSince.getOrDefault(member, now)));
      return new LiveMembers(snapshot.members, since);
    }
    if (event instanceof ClusterEvent.MemberRemoved removed) {
      var m = new HashMap<>(members);
      m.remove(removed.member().uniqueAddress());
      var u = new HashMap<>(unreachableSince);
      u.remove(removed.member().uniqueAddress());
      return new LiveMembers(m, u);
    }
    if (event instanceof ClusterEvent.MemberEvent changed) {
      var m = new HashMap<>(members);
      m.put(changed.member().uniqueAddress(), changed.member());
      return new LiveMembers(m, unreachableSince);
    }
    if (event instanceof ClusterEvent.UnreachableMember u) {
      if (unreachableSince.containsKey(u.member().uniqueAddress())) return this;
      var next = new HashMap<>(unreachableSince);
      next.put(u.member().uniqueAddress(), System.nanoTime());
      return new LiveMembers(members, next);
    }
    if (event instanceof ClusterEvent.ReachableMember r) {
      var next = new HashMap<>(unreachableSince);
      next.remove(r.member().uniqueAddress());
      return new LiveMembers(members, next);
    }
    return this;
  }

  private boolean unreachable(UniqueAddress member) {
    return unreachableSince.containsKey(member);
  }

  /**
   * Where the metadata Controller runs ({@link ControllerSeat}): the oldest reachable member that is Up, or that was
   * Up and is leaving gracefully. A leaving node keeps it until it is removed, because until then the majorities the
   * Controller reads and writes still count that node. Weakly up members never qualify: their age is not settled
   * until they are Up.
   */
  Optional<Member> controllerHost() {
    return members.values().stream()
        .filter(m -> HOLDS_SEAT.contains(m.status()) && !unreachable(m.uniqueAddress()))
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
        .filter(m -> COUNTED.contains(m.status()) && !unreachable(m.uniqueAddress())).count();
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
      if (up && !unreachable(m.uniqueAddress())) live.add(m.address().toString());
    });
    return live;
  }

  /**
   * The live members' addresses ({@link #addresses}) and those of the Up members unreachable for less than {@code
   * grace} at {@code nowNanos}: the nodes that keep leading their partitions. A node that misses heartbeats for a
   * moment (a GC pause, a starved CPU) leaves the ISRs at once, which costs nothing, but its partitions get a new
   * leader only if it stays silent longer, which would cost every client of them a metadata refresh.
   */
  Set<String> leadingAddresses(long nowNanos, Duration grace) {
    var leading = addresses();
    unreachableSince.forEach((member, since) -> {
      Member m = members.get(member);
      boolean up = m != null && (m.status() == MemberStatus.up() || m.status() == MemberStatus.weaklyUp());
      if (up && nowNanos - since < grace.toNanos()) leading.add(m.address().toString());
    });
    return leading;
  }
}
