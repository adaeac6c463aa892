package io.tributary.storage;

import org.apache.kafka.common.KafkaException;

/**
 * A replicated append ({@link PartitionLog#appendAsFollower}) whose batches do not continue the log: the
 * first batch does not start at the log end offset, or a later batch does not start right after the one
 * before it (after Kafka's {@code UnexpectedAppendOffsetException}/{@code OffsetsOutOfOrderException}).
 * Nothing was written. It means the follower fetched from the wrong offset or the leader's log changed under
 * the fetch (truncation, retention): the fetcher should re-establish its position (OffsetForLeaderEpoch,
 * truncation, or a reset to the leader's log start) rather than retry the same data.
 *
 * <p>Not a storage failure: the log stays usable (it is neither an {@link java.io.IOException} nor a
 * {@link org.apache.kafka.common.errors.KafkaStorageException}, so the append pipeline does not take the
 * partition offline), and not a client error code: it never reaches a client.
 */
public final class UnexpectedAppendOffsetException extends KafkaException {
  private final long expectedOffset;
  private final long firstOffset;
  private final long lastOffset;

  public UnexpectedAppendOffsetException(String message, long expectedOffset, long firstOffset, long lastOffset) {
    super(message);
    this.expectedOffset = expectedOffset;
    this.firstOffset = firstOffset;
    this.lastOffset = lastOffset;
  }

  /** The offset the offending batch had to start at (the log end offset for the first batch). */
  public long expectedOffset() {
    return expectedOffset;
  }

  /** Base offset of the first batch of the refused append. */
  public long firstOffset() {
    return firstOffset;
  }

  /** Last offset of the last batch of the refused append. */
  public long lastOffset() {
    return lastOffset;
  }
}
