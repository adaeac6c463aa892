package io.tributary.group.journal;

import akka.persistence.SelectedSnapshot;
import akka.persistence.SnapshotMetadata;
import akka.persistence.SnapshotSelectionCriteria;
import akka.persistence.snapshot.japi.SnapshotStore;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;

/**
 * Akka Persistence snapshot store plugin over the offsets topic, the journal's companion ({@link OffsetsTopicJournal}):
 * configured as {@code akka.persistence.snapshot-store.tributary-offsets-topic}. A snapshot is one record in its
 * group's offsets partition; a deletion is a marker record naming the sequence-number and timestamp ranges it covers.
 */
public final class OffsetsTopicSnapshotStore extends SnapshotStore {
  private final OffsetsJournalStore store;

  public OffsetsTopicSnapshotStore() {
    this.store = OffsetsJournalAccess.get(context().system()).store();
  }

  @Override
  public Future<Optional<SelectedSnapshot>> doLoadAsync(String persistenceId, SnapshotSelectionCriteria criteria) {
    return FutureConverters.asScala(store.loadSnapshot(persistenceId, criteria.minSequenceNr(), criteria.maxSequenceNr(),
        criteria.minTimestamp(), criteria.maxTimestamp()));
  }

  @Override
  public Future<Void> doSaveAsync(SnapshotMetadata metadata, Object snapshot) {
    JournalRecord record;
    try {
      record = store.codec().snapshot(metadata.persistenceId(), metadata.sequenceNr(), metadata.timestamp(), snapshot);
    } catch (RuntimeException e) {
      return FutureConverters.asScala(CompletableFuture.failedFuture(e));
    }
    return FutureConverters.asScala(store.write(metadata.persistenceId(), List.of(record)));
  }

  /** One snapshot: its sequence number, and its timestamp unless that is 0 (unknown), as Akka's local store matches. */
  @Override
  public Future<Void> doDeleteAsync(SnapshotMetadata metadata) {
    long minTimestamp = metadata.timestamp() == 0 ? 0 : metadata.timestamp();
    long maxTimestamp = metadata.timestamp() == 0 ? Long.MAX_VALUE : metadata.timestamp();
    return delete(metadata.persistenceId(), metadata.sequenceNr(), metadata.sequenceNr(), minTimestamp, maxTimestamp);
  }

  @Override
  public Future<Void> doDeleteAsync(String persistenceId, SnapshotSelectionCriteria criteria) {
    return delete(persistenceId, criteria.minSequenceNr(), criteria.maxSequenceNr(), criteria.minTimestamp(),
        criteria.maxTimestamp());
  }

  private Future<Void> delete(String persistenceId, long minSequenceNr, long maxSequenceNr, long minTimestamp,
                              long maxTimestamp) {
    var marker = JournalRecord.snapshotsDeleted(persistenceId, minSequenceNr, maxSequenceNr, minTimestamp, maxTimestamp);
    return FutureConverters.asScala(store.write(persistenceId, List.of(marker)));
  }
}
