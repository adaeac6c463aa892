package io.tributary.group.journal;

import akka.actor.ActorSystem;
import akka.persistence.PersistentRepr;
import akka.persistence.serialization.Snapshot;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import akka.serialization.Serializer;
import akka.serialization.Serializers;

/**
 * Turns persistent events and snapshots into journal records and back with Akka's serialization: a PersistentRepr
 * through Akka's own PersistentRepr serializer (which serializes the event with the group serializer), a snapshot in
 * Akka's {@link Snapshot} wrapper, as Akka's file snapshot store writes it. Thread-safe.
 */
final class PayloadCodec {
  private final Serialization serialization;

  PayloadCodec(ActorSystem system) {
    this.serialization = SerializationExtension.get(system);
  }

  JournalRecord event(PersistentRepr repr) {
    Serializer serializer = serialization.findSerializerFor(repr);
    byte[] bytes = serializer.toBinary(repr);
    return JournalRecord.event(repr.persistenceId(), repr.sequenceNr(), serializer.identifier(),
        Serializers.manifestFor(serializer, repr), bytes);
  }

  JournalRecord snapshot(String persistenceId, long sequenceNr, long timestamp, Object data) {
    var wrapped = new Snapshot(data);
    Serializer serializer = serialization.findSerializerFor(wrapped);
    return JournalRecord.snapshot(persistenceId, sequenceNr, timestamp, serializer.identifier(),
        Serializers.manifestFor(serializer, wrapped), serializer.toBinary(wrapped));
  }

  PersistentRepr toEvent(JournalRecord r) {
    return (PersistentRepr) serialization.deserialize(r.payload(), r.serializerId(), r.manifest()).get();
  }

  Object toSnapshotData(JournalRecord r) {
    return ((Snapshot) serialization.deserialize(r.payload(), r.serializerId(), r.manifest()).get()).data();
  }
}
