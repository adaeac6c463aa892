package io.tributary.metadata;

import akka.actor.Address;
import akka.actor.NoSerializationVerificationNeeded;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.ClusterEvent;
import akka.cluster.Member;
import akka.cluster.MemberStatus;
import akka.cluster.ddata.typed.javadsl.Replicator;
import akka.cluster.typed.Cluster;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.protocol.Errors;

/**
 * Runs on every node and hosts the metadata {@link Controller} while this node is the oldest reachable member (Up, or
 * leaving gracefully: {@link LiveMembers#controllerHost}) as this node's own membership events show it, and reaches a
 * majority of the members; elsewhere it forwards requests to the seat of that member, and holds them while it knows
 * of no such member (a node that is still joining, or one that has just resumed from a pause and sees every other
 * node unreachable).
 *
 * <p>Why not a cluster singleton: a singleton moves only once its node has been downed and removed, about 30 s after
 * a crash with the Split Brain Resolver's margins, and until then no ISR shrinks and no leader is elected, so every
 * acks=all producer of the cluster stalls. Here the next oldest node takes over as soon as it sees the old one
 * unreachable. Two Controllers may then run for a moment (the old one paused, or cut off). That is safe because a
 * Controller serves only what a majority read gave it, writes each change to a majority, answers it only once a
 * majority read shows that change still stands, and orders its states by controller epoch: the one that took over
 * last wins, and the other steps down (see {@link Controller}).
 */
public final class ControllerSeat {
  /** Actor name of the seat: {@code /system/tributaryControllerSeat} on every node. */
  public static final String NAME = "tributaryControllerSeat";

  /** A request another node's seat passed on because this node hosts the Controller as that node sees it. */
  public record Forwarded(Controller.Request request) implements MetadataSerializable {}

  private record MembershipChanged(Object event) implements NoSerializationVerificationNeeded {}

  private final ActorContext<Object> ctx;
  private final ActorRef<Replicator.Command> replicator;
  private final MetadataSettings settings;
  private final Address self;
  private final ActorRefResolver resolver;
  private final Map<Address, ActorRef<Object>> remoteSeats = new HashMap<>();
  private LiveMembers members;
  private final LocalWrites localWrites;
  /** The Controller this seat hosts, or null. */
  private ActorRef<Controller.Command> controller;
  private int incarnation;
  /** Requests held while this node knows of no member to host the Controller. */
  private final List<Controller.Request> waiting = new ArrayList<>();

  private ControllerSeat(ActorContext<Object> ctx, ActorRef<Replicator.Command> replicator, MetadataSettings settings,
                         LocalWrites localWrites) {
    this.ctx = ctx;
    this.localWrites = localWrites;
    this.replicator = replicator;
    this.settings = settings;
    Cluster cluster = Cluster.get(ctx.getSystem());
    this.self = cluster.selfMember().address();
    this.resolver = ActorRefResolver.get(ctx.getSystem());
    this.members = LiveMembers.of(cluster.state());
  }

  /** The seat's behaviour; {@code replicator} is the node-local metadata Replicator. */
  static Behavior<Object> create(ActorRef<Replicator.Command> replicator, MetadataSettings settings, LocalWrites localWrites) {
    return Behaviors.setup(ctx -> {
      ctx.spawnAnonymous(MembershipFeed.create(ctx.getSelf(), MembershipChanged::new));
      var seat = new ControllerSeat(ctx, replicator, settings, localWrites);
      seat.takeOrLeave();
      return seat.behavior();
    });
  }

  private Behavior<Object> behavior() {
    return Behaviors.receive(Object.class)
        .onMessage(MembershipChanged.class, changed -> {
          members = members.after(changed.event());
          takeOrLeave();
          if (!waiting.isEmpty() && host().filter(m -> m.status() != MemberStatus.exiting()).isPresent()) {
            var held = new ArrayList<>(waiting);
            waiting.clear();
            held.forEach(this::onRequest);
          }
          return Behaviors.same();
        })
        .onMessage(Controller.Request.class, this::onRequest)
        .onMessage(Forwarded.class, this::onForwarded)
        .build();
  }

  /** Starts the Controller when this node became the oldest live member; stops it when another one is. */
  private void takeOrLeave() {
    boolean seatHere = host().map(m -> m.address().equals(self)).orElse(false);
    if (seatHere && controller == null) {
      ctx.getLog().info("This node is the oldest reachable member: it hosts the metadata Controller");
      controller = ctx.spawn(Controller.create(replicator, settings, localWrites), "controller-" + (++incarnation));
    } else if (!seatHere && controller != null) {
      ctx.getLog().info("The metadata Controller moves to {}, now the oldest reachable member",
          host().map(m -> m.address().toString()).orElse("no member this node can name (it reaches no majority)"));
      ctx.stop(controller);
      controller = null;
    }
  }

  /** The member that hosts the Controller in this node's view; none while this node does not reach a majority. */
  private Optional<Member> host() {
    return members.reachesMajority() ? members.controllerHost() : Optional.empty();
  }

  private Behavior<Object> onRequest(Controller.Request request) {
    if (controller != null) {
      controller.tell(request);
      return Behaviors.same();
    }
    Optional<Member> hostMember = host();
    Optional<Address> host = hostMember.map(Member::address);
    if (host.isEmpty() || hostMember.get().status() == MemberStatus.exiting()) {
      // this node has not joined yet or reaches no majority, or the host is shutting down and would drop the
      // request: it waits for the
      // next membership change (or its asker's timeout)
      if (waiting.size() < settings.stashCapacity()) {
        waiting.add(request);
      } else {
        request.replyTo().tell(Controller.Rejected.of(Errors.REQUEST_TIMED_OUT, "No node hosts the metadata controller yet; retry."));
      }
    } else {
      remoteSeat(host.get()).tell(new Forwarded(request));
    }
    return Behaviors.same();
  }

  /** Passed on at most once: a seat that does not host the Controller (views differ for a moment) refuses. */
  private Behavior<Object> onForwarded(Forwarded forwarded) {
    if (controller != null) {
      controller.tell(forwarded.request());
    } else {
      forwarded.request().replyTo().tell(Controller.Rejected.of(Errors.NOT_CONTROLLER,
          "Node " + self + " does not host the metadata controller (membership is changing); retry."));
    }
    return Behaviors.same();
  }

  private ActorRef<Object> remoteSeat(Address address) {
    return remoteSeats.computeIfAbsent(address, a -> resolver.resolveActorRef(a + "/system/" + NAME));
  }
}
