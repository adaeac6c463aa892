package io.tributary.storage;

import java.nio.ByteBuffer;

/**
 * One entry of a segment's aborted-transaction index, Kafka's {@code AbortedTxn} (34 bytes on disk: version 0,
 * producer id, first offset of the transaction, offset of its abort marker, and the last stable offset once it was
 * aborted). {@code lastStableOffset} lets a search stop early: no aborted transaction that a fetch below it needs
 * can sit in a later segment.
 */
public record AbortedTxn(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {
  static final short VERSION = 0;
  static final int SIZE = 34;

  void writeTo(ByteBuffer b) {
    b.putShort(VERSION).putLong(producerId).putLong(firstOffset).putLong(lastOffset).putLong(lastStableOffset);
  }

  /** Reads the entry at the buffer's position; null for an unknown version (the index is then rebuilt). */
  static AbortedTxn readFrom(ByteBuffer b) {
    short version = b.getShort();
    AbortedTxn txn = new AbortedTxn(b.getLong(), b.getLong(), b.getLong(), b.getLong());
    return version == VERSION ? txn : null;
  }
}
