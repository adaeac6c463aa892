package io.tributary.group.journal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The journal index of one offsets partition for one leader epoch of this node: for each persistence id, where its
 * live events and snapshots are. Built by reading the whole partition when this node starts to lead it (as Kafka's
 * group coordinator loads its offsets partition on election), then kept up to date by this node's own writes, which
 * as the leader are the only ones. Thread-safe.
 */
final class PartitionIndex {
  private final int partition;
  private final int leaderEpoch;
  private final Map<String, PersistenceIdEntries> byPersistenceId = new HashMap<>();

  PartitionIndex(int partition, int leaderEpoch) {
    this.partition = partition;
    this.leaderEpoch = leaderEpoch;
  }

  int partition() {
    return partition;
  }

  int leaderEpoch() {
    return leaderEpoch;
  }

  synchronized void apply(JournalRecord record, long offset) {
    byPersistenceId.computeIfAbsent(record.persistenceId(), id -> new PersistenceIdEntries()).apply(record, offset);
  }

  synchronized long highestSequenceNr(String persistenceId) {
    var entries = byPersistenceId.get(persistenceId);
    return entries == null ? 0L : entries.highestSequenceNr();
  }

  synchronized List<PersistenceIdEntries.EventEntry> events(String persistenceId, long from, long to, long max) {
    var entries = byPersistenceId.get(persistenceId);
    return entries == null ? List.of() : entries.events(from, to, max);
  }

  synchronized List<PersistenceIdEntries.SnapshotEntry> snapshots(String persistenceId, long minSequenceNr,
                                                                  long maxSequenceNr, long minTimestamp,
                                                                  long maxTimestamp) {
    var entries = byPersistenceId.get(persistenceId);
    return entries == null ? List.of() : entries.snapshots(minSequenceNr, maxSequenceNr, minTimestamp, maxTimestamp);
  }

  /** How many persistence ids have records in the partition (for the load's log line). */
  synchronized int persistenceIds() {
    return byPersistenceId.size();
  }
}
