package io.tributary.metadata;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.javadsl.Adapter;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.ClusterEvent;
import java.util.function.Function;

/**
 * Feeds an actor (as a child of it) its node's cluster membership: a snapshot of the state first, then every member
 * and reachability event after it, in order. Akka Typed's {@code Subscribe} sends the initial state as events, and
 * there is no "reachable" event for a member that is reachable now: a view seeded from {@code Cluster.state()}, which
 * another subscriber updates and which may lag, then kept a member unreachable for good when it had come back just
 * before the subscription (a Controller taking over right after a pause saw a live node as gone and refused every ISR
 * expansion to it). The snapshot and the events here come from one subscription, so they agree.
 */
final class MembershipFeed {
  private MembershipFeed() {}

  /** Sends {@code target} the snapshot ({@link ClusterEvent.CurrentClusterState}) and the events, each wrapped. */
  static <T> Behavior<Object> create(ActorRef<T> target, Function<Object, T> wrap) {
    return Behaviors.setup(ctx -> {
      var cluster = akka.cluster.Cluster.get(Adapter.toClassic(ctx.getSystem()));
      var self = Adapter.toClassic(ctx.getSelf());
      cluster.subscribe(self, ClusterEvent.initialStateAsSnapshot(),
          ClusterEvent.MemberEvent.class, ClusterEvent.ReachabilityEvent.class);
      return Behaviors.receive(Object.class)
          .onMessage(ClusterEvent.CurrentClusterState.class, state -> {
            target.tell(wrap.apply(state));
            return Behaviors.same();
          })
          .onMessage(ClusterEvent.ClusterDomainEvent.class, event -> {
            target.tell(wrap.apply(event));
            return Behaviors.same();
          })
          .onSignal(PostStop.class, stop -> {
            cluster.unsubscribe(self);
            return Behaviors.same();
          })
          .build();
    });
  }
}
