package io.tributary.client;

import akka.Done;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;

/**
 * The position after one consumed record, committable through the consumer that emitted it. An offset of a
 * partition that the consumer lost in a rebalance after emitting the record is not committed (the new
 * owner reads from the last committed position instead: at-least-once, never a skipped record).
 */
public final class CommittableOffset implements Committable {
  private final ConsumerEngine<?, ?> engine;
  private final TopicPartition partition;
  private final long offset;
  private final int epoch;

  CommittableOffset(ConsumerEngine<?, ?> engine, TopicPartition partition, long offset, int epoch) {
    this.engine = engine;
    this.partition = partition;
    this.offset = offset;
    this.epoch = epoch;
  }

  public TopicPartition partition() {
    return partition;
  }

  /** The consumed record's offset; the committed position will be {@code offset() + 1}. */
  public long offset() {
    return offset;
  }

  ConsumerEngine<?, ?> engine() {
    return engine;
  }

  /** Marks this record as processed; staged offsets are committed by the next flush, revoke or shutdown. */
  void stage() {
    engine.stage(partition, offset + 1, epoch);
  }

  @Override
  public CompletionStage<Done> commit() {
    stage();
    return engine.flush();
  }

  @Override
  public String toString() {
    return "CommittableOffset(" + partition + "@" + offset + ")";
  }
}
