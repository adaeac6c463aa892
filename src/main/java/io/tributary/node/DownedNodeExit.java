package io.tributary.node;

import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.Props;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.ClusterEvent;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Subscribe;
import java.time.Duration;

/**
 * Stops a node that was downed. Akka stops a downed node once it sees itself removed, but a node that was frozen
 * (a long GC, SIGSTOP) or cut off while the others downed and removed it comes back quarantined by all of them and
 * never hears of its removal: it would stay up, serving nothing, forever. So a node that sees itself Down runs
 * CoordinatedShutdown with the downing reason after the removal margin (if Akka has not by then), and exits non-zero
 * for its supervisor to start it again.
 */
final class DownedNodeExit {
  private DownedNodeExit() {}

  static void start(ActorSystem<?> system, Duration removalMargin) {
    system.systemActorOf(behavior(removalMargin), "downed-node-exit", Props.empty());
  }

  private static Behavior<ClusterEvent.MemberDowned> behavior(Duration removalMargin) {
    return Behaviors.setup(ctx -> {
      var cluster = Cluster.get(ctx.getSystem());
      cluster.subscriptions().tell(Subscribe.create(ctx.getSelf(), ClusterEvent.MemberDowned.class));
      return Behaviors.receive(ClusterEvent.MemberDowned.class)
          .onMessage(ClusterEvent.MemberDowned.class, downed -> {
            if (downed.member().uniqueAddress().equals(cluster.selfMember().uniqueAddress())) {
              ctx.getLog().warn("This node was downed; it stops in {} unless the cluster removes it first", removalMargin);
              var system = ctx.getSystem();
              system.scheduler().scheduleOnce(removalMargin,
                  () -> CoordinatedShutdown.get(system).run(CoordinatedShutdown.clusterDowningReason()),
                  system.executionContext());
            }
            return Behaviors.same();
          })
          .build();
    });
  }
}
