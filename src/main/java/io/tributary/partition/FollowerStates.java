package io.tributary.partition;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The leader's view of its followers (Kafka's {@code Replica} state on the leader): each follower's log end offset,
 * as its last fetch named it, and when it was last caught up. A follower is caught up at a fetch that reached the
 * leader's log end, and also (Kafka's rule) at the time of its previous fetch when this fetch reached the log end the
 * leader had then: a follower that keeps fetching behind a steady stream of writes is not lagging. Thread-safe.
 */
final class FollowerStates {
  /** Log end offset of a follower whose fetch has not been seen since this node became leader. */
  static final long UNKNOWN = -1L;

  /** One follower as of its last fetch. */
  record Follower(long logEndOffset, long lastCaughtUpMs, long lastFetchMs, long leaderEndAtLastFetch) {}

  private final Map<Integer, Follower> followers = new ConcurrentHashMap<>();

  /** Becoming leader: every follower's offset is unknown until it fetches, and it counts as caught up now. */
  void reset(Collection<Integer> replicas, int self, long nowMs) {
    followers.clear();
    for (int r : replicas) {
      if (r != self) followers.put(r, new Follower(UNKNOWN, nowMs, nowMs, UNKNOWN));
    }
  }

  /** A fetch from {@code replica} at {@code fetchOffset} when the leader's log ended at {@code leaderEnd}. */
  Follower update(int replica, long fetchOffset, long leaderEnd, long nowMs) {
    return followers.compute(replica, (id, old) -> {
      long caughtUp = old == null ? nowMs : old.lastCaughtUpMs();
      if (fetchOffset >= leaderEnd) {
        caughtUp = nowMs;
      } else if (old != null && old.leaderEndAtLastFetch() != UNKNOWN && fetchOffset >= old.leaderEndAtLastFetch()) {
        caughtUp = Math.max(caughtUp, old.lastFetchMs());
      }
      return new Follower(fetchOffset, caughtUp, nowMs, leaderEnd);
    });
  }

  /** The follower's log end offset, {@link #UNKNOWN} if it has not fetched since this node became leader. */
  long logEndOffset(int replica) {
    Follower f = followers.get(replica);
    return f == null ? UNKNOWN : f.logEndOffset();
  }

  /** Members of {@code isr} (other than {@code self}) not caught up since {@code cutoffMs}. */
  List<Integer> laggingSince(Collection<Integer> isr, int self, long cutoffMs) {
    return isr.stream()
        .filter(r -> r != self)
        .filter(r -> {
          Follower f = followers.get(r);
          return f == null || f.lastCaughtUpMs() < cutoffMs;
        })
        .toList();
  }
}
