package io.tributary.client;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** What {@link Producer#flow} takes and emits: a record to send with a value passed through to the result. */
public final class ProducerMessage {
  private ProducerMessage() {}

  /** Input of {@link Producer#flow}. */
  public sealed interface Envelope<K, V, P> permits Message, PassThroughMessage {
    P passThrough();
  }

  /** Output of {@link Producer#flow}, emitted once the broker acknowledged the record. */
  public sealed interface Results<K, V, P> permits Result, PassThroughResult {
    P passThrough();
  }

  /** Send {@code record}; emit {@code passThrough} with its metadata once acknowledged. */
  public record Message<K, V, P>(ProducerRecord<K, V> record, P passThrough) implements Envelope<K, V, P> {}

  /** Send nothing; emit {@code passThrough} in order (e.g. to commit the offset of a filtered-out record). */
  public record PassThroughMessage<K, V, P>(P passThrough) implements Envelope<K, V, P> {}

  public record Result<K, V, P>(RecordMetadata metadata, ProducerRecord<K, V> record, P passThrough)
      implements Results<K, V, P> {}

  public record PassThroughResult<K, V, P>(P passThrough) implements Results<K, V, P> {}

  public static <K, V, P> Envelope<K, V, P> single(ProducerRecord<K, V> record, P passThrough) {
    return new Message<>(record, passThrough);
  }

  public static <K, V, P> Envelope<K, V, P> passThrough(P passThrough) {
    return new PassThroughMessage<>(passThrough);
  }
}
