package io.tributary.group.journal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where one persistence id's live events and snapshots are in its offsets partition, by sequence number, as the
 * records read so far say: deletion markers remove entries. Not thread-safe: {@link PartitionIndex} guards it.
 */
final class PersistenceIdEntries {
  /** A snapshot's timestamp and offset. */
  record SnapshotEntry(long sequenceNr, long timestamp, long offset) {}

  /** An event's sequence number and offset. */
  record EventEntry(long sequenceNr, long offset) {}

  private final TreeMap<Long, Long> events = new TreeMap<>();
  private final TreeMap<Long, SnapshotEntry> snapshots = new TreeMap<>();
  /** The highest sequence number ever written, deleted events included (Akka's asyncReadHighestSequenceNr). */
  private long highestSequenceNr;
  private long deletedTo;

  void apply(JournalRecord r, long offset) {
    switch (r.kind()) {
      case EVENT -> {
        if (r.sequenceNr() > deletedTo) events.put(r.sequenceNr(), offset);
        highestSequenceNr = Math.max(highestSequenceNr, r.sequenceNr());
      }
      case SNAPSHOT -> snapshots.put(r.sequenceNr(), new SnapshotEntry(r.sequenceNr(), r.timestamp(), offset));
      case EVENTS_DELETED -> {
        // as Akka's LevelDB journal: a deletion beyond the highest event stops there, so later events stay
        long to = Math.min(r.sequenceNr(), highestSequenceNr);
        if (to > deletedTo) {
          deletedTo = to;
          events.headMap(to, true).clear();
        }
      }
      case SNAPSHOTS_DELETED -> snapshots.values().removeIf(s -> s.sequenceNr() >= r.minSequenceNr()
          && s.sequenceNr() <= r.sequenceNr() && s.timestamp() >= r.minTimestamp() && s.timestamp() <= r.timestamp());
    }
  }

  long highestSequenceNr() {
    return highestSequenceNr;
  }

  /** Live events from {@code from} to {@code to} (inclusive), at most {@code max}, in order. */
  List<EventEntry> events(long from, long to, long max) {
    var out = new ArrayList<EventEntry>();
    if (from > to) return out;
    for (Map.Entry<Long, Long> e : events.subMap(from, true, to, true).entrySet()) {
      if (out.size() >= max) break;
      out.add(new EventEntry(e.getKey(), e.getValue()));
    }
    return out;
  }

  /** Snapshots matching the criteria, the newest (highest sequence number) first. */
  List<SnapshotEntry> snapshots(long minSequenceNr, long maxSequenceNr, long minTimestamp, long maxTimestamp) {
    var out = new ArrayList<SnapshotEntry>();
    if (minSequenceNr > maxSequenceNr) return out;
    for (SnapshotEntry s : snapshots.subMap(minSequenceNr, true, maxSequenceNr, true).descendingMap().values()) {
      if (s.timestamp() >= minTimestamp && s.timestamp() <= maxTimestamp) out.add(s);
    }
    return out;
  }
}
