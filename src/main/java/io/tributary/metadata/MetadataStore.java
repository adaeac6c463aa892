package io.tributary.metadata;

import akka.actor.typed.Behavior;
import akka.cluster.ddata.Key;
import akka.cluster.ddata.LWWRegister;
import akka.cluster.ddata.LWWRegisterKey;
import akka.cluster.ddata.SelfUniqueAddress;
import akka.cluster.ddata.typed.javadsl.Replicator;
import akka.cluster.ddata.typed.javadsl.ReplicatorSettings;

/**
 * How the state lives in Distributed Data: one {@link LWWRegister} under {@link #KEY}, whose
 * timestamp is the state's stamp, controller epoch then version (so the newest state wins any merge, whatever
 * the clocks say, and a stale Controller's write never wins over its successor's), in a Replicator of its own that keeps {@link #KEY} durable (LMDB).
 */
final class MetadataStore {

  /** Listed in {@code tributary.metadata.replicator.durable.keys}. */
  static final String KEY_ID = "tributary-metadata";

  static final Key<LWWRegister<MetadataState>> KEY = LWWRegisterKey.create(KEY_ID);

  /** Actor name of the metadata Replicator: {@code /system/tributaryMetadataReplicator} on every node. */
  static final String REPLICATOR_NAME = "tributaryMetadataReplicator";

  private static final LWWRegister.Clock<MetadataState> VERSION_CLOCK = (currentTimestamp, state) -> state.stamp();

  private MetadataStore() {}

  static LWWRegister<MetadataState> register(SelfUniqueAddress self, MetadataState state) {
    return LWWRegister.create(self, state, VERSION_CLOCK);
  }

  /** The register holding {@code next}; refuses (the Update fails) when it already holds that version or a newer one. */
  static LWWRegister<MetadataState> advance(LWWRegister<MetadataState> register, SelfUniqueAddress self, MetadataState next) {
    if (!next.isNewerThan(register.getValue())) {
      throw new IllegalStateException("Metadata epoch " + register.getValue().controllerEpoch() + " version "
          + register.getValue().version() + " already stored; refusing epoch " + next.controllerEpoch() + " version " + next.version());
    }
    return register.withValue(self, next, VERSION_CLOCK);
  }

  static Behavior<Replicator.Command> replicator(MetadataSettings settings) {
    return Replicator.behavior(ReplicatorSettings.create(settings.replicatorConfig()));
  }
}
