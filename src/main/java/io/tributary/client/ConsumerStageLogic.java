package io.tributary.client;

import akka.Done;
import akka.stream.Shape;
import akka.stream.stage.AsyncCallback;
import akka.stream.stage.GraphStageLogic;

/**
 * What the consumer sources' stage logics share: they start the consumer's engine, fail when it fails, complete
 * when {@link Consumer.Control#stop()} is called, and shut the consumer down when they stop (unless only
 * emitting was stopped).
 */
abstract class ConsumerStageLogic<K, V> extends GraphStageLogic {
  final ConsumerEngine<K, V> engine;
  final ConsumerControl control;

  ConsumerStageLogic(Shape shape, ConsumerEngine<K, V> engine, ConsumerControl control) {
    super(shape);
    this.engine = engine;
    this.control = control;
  }

  /** Starts polling; call from {@code preStart}, after registering for what the engine hands over. */
  final void startEngine() {
    AsyncCallback<Throwable> failed = createAsyncCallback(this::failStage);
    AsyncCallback<Object> stop = createAsyncCallback(x -> completeStage());
    engine.onFailure = failed::invoke;
    engine.start(materializer().system());
    control.attach(() -> stop.invoke(Boolean.TRUE));
  }

  @Override
  public void postStop() {
    engine.buffer.closeAll();
    if (!control.stopRequested()) engine.shutdown();
    control.stopped.complete(Done.getInstance());
  }
}
