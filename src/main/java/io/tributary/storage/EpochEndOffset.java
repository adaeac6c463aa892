package io.tributary.storage;

import org.apache.kafka.common.requests.OffsetsForLeaderEpochResponse;

/**
 * The answer to "where does leader epoch N end in this log" (Kafka's OffsetForLeaderEpoch result):
 * {@code leaderEpoch} is the largest epoch at or below the requested one that the log knows (or the
 * requested epoch itself when it lies below every known epoch), {@code endOffset} the offset after its last
 * record. {@link #UNDEFINED} (-1, -1) when the log cannot say (no epochs, the requested epoch is -1 or above
 * every known epoch).
 */
public record EpochEndOffset(int leaderEpoch, long endOffset) {
  /** Kafka's UNDEFINED_EPOCH / UNDEFINED_EPOCH_OFFSET pair. */
  public static final EpochEndOffset UNDEFINED = new EpochEndOffset(
      OffsetsForLeaderEpochResponse.UNDEFINED_EPOCH, OffsetsForLeaderEpochResponse.UNDEFINED_EPOCH_OFFSET);

  /** True when this is {@link #UNDEFINED}'s end offset: the log knows nothing about the requested epoch. */
  public boolean isUndefined() {
    return endOffset == OffsetsForLeaderEpochResponse.UNDEFINED_EPOCH_OFFSET;
  }
}
