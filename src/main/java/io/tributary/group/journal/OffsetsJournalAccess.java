package io.tributary.group.journal;

import akka.actor.AbstractExtensionId;
import akka.actor.ActorSystem;
import akka.actor.ExtendedActorSystem;
import akka.actor.Extension;
import akka.actor.ExtensionId;
import java.util.concurrent.CompletableFuture;

/**
 * How the journal plugins, which Akka Persistence creates by class name, reach the node's offsets topic: the node
 * {@link #connect}s its {@link OffsetsLog} once its partitions run; plugin calls made before that wait for it. One per
 * actor system, holding the {@link OffsetsJournalStore} that the journal and the snapshot store share (one index per
 * partition for both). Thread-safe.
 */
public final class OffsetsJournalAccess implements Extension {
  private static final ExtensionId<OffsetsJournalAccess> ID = new AbstractExtensionId<>() {
    @Override
    public OffsetsJournalAccess createExtension(ExtendedActorSystem system) {
      return new OffsetsJournalAccess(system);
    }
  };

  private final CompletableFuture<OffsetsLog> offsetsLog = new CompletableFuture<>();
  private final OffsetsJournalStore store;

  private OffsetsJournalAccess(ExtendedActorSystem system) {
    var settings = JournalSettings.fromConfig(system.settings().config());
    this.store = new OffsetsJournalStore(offsetsLog, settings, new PayloadCodec(system),
        system.dispatchers().lookup("tributary.io-dispatcher"));
  }

  public static OffsetsJournalAccess get(ActorSystem system) {
    return ID.get(system);
  }

  /** Gives the plugins the node's offsets topic; call once. */
  public void connect(OffsetsLog log) {
    if (!offsetsLog.complete(log)) throw new IllegalStateException("The offsets-topic journal is connected already");
  }

  OffsetsJournalStore store() {
    return store;
  }
}
