package io.tributary.client;

import akka.Done;
import akka.NotUsed;
import akka.actor.ClassicActorSystemProvider;
import akka.japi.Pair;
import akka.stream.ActorAttributes;
import akka.stream.Materializer;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Source;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.reactivestreams.Subscriber;

/**
 * Producer flows and sinks. Each materialization creates one KafkaProducer, which sends from and is closed on
 * the producer dispatcher ({@code use-dispatcher}), when the stream ends. Elements are emitted in input order, each after the broker acknowledged
 * its record; a failed send fails the stream. Up to {@code parallelism} records are in flight.
 */
public final class Producer {
  private Producer() {}

  /** Sends each message's record and emits its result with the pass-through, in order. */
  public static <K, V, P> Flow<ProducerMessage.Envelope<K, V, P>, ProducerMessage.Results<K, V, P>, NotUsed> flow(
      ProducerSettings<K, V> settings) {
    // send() blocks while the KafkaProducer's buffer is full or a topic's metadata is missing: the stage runs on
    // the producer's own dispatcher, never on the stream's default one
    return Flow.fromGraph(new ProducerStage<K, V, P>(settings))
        .withAttributes(ActorAttributes.dispatcher(settings.dispatcher()));
  }

  /** Sends every record; completes when all were acknowledged (fails on the first failed send). */
  public static <K, V> Sink<ProducerRecord<K, V>, CompletionStage<Done>> plainSink(ProducerSettings<K, V> settings) {
    return Flow.<ProducerRecord<K, V>>create()
        .map(r -> ProducerMessage.<K, V, NotUsed>single(r, NotUsed.getInstance()))
        .via(Producer.<K, V, NotUsed>flow(settings))
        .toMat(Sink.ignore(), Keep.right());
  }

  /** Sends each record, then commits its pass-through offset through {@link Committer}: at-least-once. */
  public static <K, V, C extends Committable> Sink<ProducerMessage.Envelope<K, V, C>, CompletionStage<Done>>
      committableSink(ProducerSettings<K, V> producerSettings, CommitterSettings committerSettings) {
    return Producer.<K, V, C>flow(producerSettings)
        .map(ProducerMessage.Results::passThrough)
        .toMat(Committer.sink(committerSettings), Keep.right());
  }

  /**
   * {@link #plainSink} as a Reactive Streams {@link Subscriber}, started now on {@code system}, with the
   * sink's completion.
   */
  public static <K, V> Pair<Subscriber<ProducerRecord<K, V>>, CompletionStage<Done>> plainSubscriber(
      ProducerSettings<K, V> settings, ClassicActorSystemProvider system) {
    return Source.<ProducerRecord<K, V>>asSubscriber()
        .toMat(plainSink(settings), Keep.both())
        .run(Materializer.matFromSystem(system));
  }
}
