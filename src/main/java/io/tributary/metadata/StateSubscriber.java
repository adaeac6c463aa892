package io.tributary.metadata;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.ddata.LWWRegister;
import akka.cluster.ddata.typed.javadsl.Replicator;
import java.util.function.Consumer;

/** Node-local actor that hands every state the local metadata Replicator sees to {@code sink}. */
final class StateSubscriber {

  private StateSubscriber() {}

  static Behavior<Replicator.SubscribeResponse<LWWRegister<MetadataState>>> create(
      ActorRef<Replicator.Command> replicator, Consumer<MetadataState> sink) {
    return Behaviors.setup(ctx -> {
      replicator.tell(new Replicator.Subscribe<>(MetadataStore.KEY, ctx.getSelf()));
      return Behaviors.receiveMessage(msg -> {
        if (msg instanceof Replicator.Changed<LWWRegister<MetadataState>> changed) {
          sink.accept(changed.get(MetadataStore.KEY).getValue());
        }
        return Behaviors.same();
      });
    });
  }
}
