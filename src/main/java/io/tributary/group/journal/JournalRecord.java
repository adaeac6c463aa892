package io.tributary.group.journal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.SimpleRecord;

/**
 * One record of the group journal in an offsets-topic partition: its key is the persistence id, its value the
 * Akka-serialized payload (a PersistentRepr or a snapshot; none for a deletion marker) and its headers say what it is:
 * {@code k} the kind, {@code s} the sequence number (the highest one a deletion covers), {@code t} the snapshot's
 * timestamp (the latest one a snapshot deletion covers), {@code s0}/{@code t0} the lowest sequence number and
 * timestamp a snapshot deletion covers, {@code i} and {@code m} the payload's serializer id and manifest. Immutable.
 */
record JournalRecord(Kind kind, String persistenceId, long sequenceNr, long timestamp, long minSequenceNr,
                     long minTimestamp, int serializerId, String manifest, byte[] payload) {

  enum Kind {
    /** A persisted event (a PersistentRepr). */
    EVENT((byte) 'E'),
    /** A snapshot. */
    SNAPSHOT((byte) 'S'),
    /** deleteMessagesTo: events up to {@code sequenceNr} are deleted. */
    EVENTS_DELETED((byte) 'D'),
    /** Snapshots with sequence numbers and timestamps in the recorded ranges are deleted. */
    SNAPSHOTS_DELETED((byte) 'X');

    final byte code;

    Kind(byte code) {
      this.code = code;
    }

    static Kind of(byte code) {
      for (Kind k : values()) if (k.code == code) return k;
      throw new IllegalArgumentException("unknown journal record kind " + code);
    }
  }

  static JournalRecord event(String persistenceId, long sequenceNr, int serializerId, String manifest, byte[] payload) {
    return new JournalRecord(Kind.EVENT, persistenceId, sequenceNr, 0, 0, 0, serializerId, manifest, payload);
  }

  static JournalRecord snapshot(String persistenceId, long sequenceNr, long timestamp, int serializerId, String manifest,
                                byte[] payload) {
    return new JournalRecord(Kind.SNAPSHOT, persistenceId, sequenceNr, timestamp, 0, 0, serializerId, manifest, payload);
  }

  static JournalRecord eventsDeleted(String persistenceId, long toSequenceNr) {
    return new JournalRecord(Kind.EVENTS_DELETED, persistenceId, toSequenceNr, 0, 0, 0, 0, "", null);
  }

  static JournalRecord snapshotsDeleted(String persistenceId, long minSequenceNr, long maxSequenceNr, long minTimestamp,
                                        long maxTimestamp) {
    return new JournalRecord(Kind.SNAPSHOTS_DELETED, persistenceId, maxSequenceNr, maxTimestamp, minSequenceNr,
        minTimestamp, 0, "", null);
  }

  SimpleRecord toRecord(long now) {
    var headers = new ArrayList<Header>();
    headers.add(new RecordHeader("k", new byte[] {kind.code}));
    headers.add(new RecordHeader("s", longBytes(sequenceNr)));
    switch (kind) {
      case EVENT -> addPayloadHeaders(headers);
      case SNAPSHOT -> {
        headers.add(new RecordHeader("t", longBytes(timestamp)));
        addPayloadHeaders(headers);
      }
      case SNAPSHOTS_DELETED -> {
        headers.add(new RecordHeader("t", longBytes(timestamp)));
        headers.add(new RecordHeader("s0", longBytes(minSequenceNr)));
        headers.add(new RecordHeader("t0", longBytes(minTimestamp)));
      }
      case EVENTS_DELETED -> { }
    }
    return new SimpleRecord(now, persistenceId.getBytes(StandardCharsets.UTF_8), payload, headers.toArray(Header[]::new));
  }

  private void addPayloadHeaders(List<Header> headers) {
    headers.add(new RecordHeader("i", ByteBuffer.allocate(4).putInt(serializerId).array()));
    headers.add(new RecordHeader("m", manifest.getBytes(StandardCharsets.UTF_8)));
  }

  /** The journal record {@code record} holds; IllegalArgumentException when it is not one. */
  static JournalRecord of(Record record) {
    if (!record.hasKey()) throw new IllegalArgumentException("a journal record has a key");
    String persistenceId = StandardCharsets.UTF_8.decode(record.key()).toString();
    byte[] payload = null;
    if (record.hasValue()) {
      payload = new byte[record.valueSize()];
      record.value().get(payload);
    }
    Kind kind = Kind.of(header(record, "k")[0]);
    long seq = longHeader(record, "s");
    return switch (kind) {
      case EVENT -> event(persistenceId, seq, intHeader(record, "i"), stringHeader(record, "m"), payload);
      case SNAPSHOT -> snapshot(persistenceId, seq, longHeader(record, "t"), intHeader(record, "i"), stringHeader(record, "m"), payload);
      case EVENTS_DELETED -> eventsDeleted(persistenceId, seq);
      case SNAPSHOTS_DELETED -> snapshotsDeleted(persistenceId, longHeader(record, "s0"), seq, longHeader(record, "t0"),
          longHeader(record, "t"));
    };
  }

  private static byte[] header(Record record, String key) {
    for (Header h : record.headers()) {
      if (h.key().equals(key) && h.value() != null) return h.value();
    }
    throw new IllegalArgumentException("a journal record has a header " + key);
  }

  private static long longHeader(Record record, String key) {
    return ByteBuffer.wrap(header(record, key)).getLong();
  }

  private static int intHeader(Record record, String key) {
    return ByteBuffer.wrap(header(record, key)).getInt();
  }

  private static String stringHeader(Record record, String key) {
    return new String(header(record, key), StandardCharsets.UTF_8);
  }

  private static byte[] longBytes(long value) {
    return ByteBuffer.allocate(8).putLong(value).array();
  }
}
