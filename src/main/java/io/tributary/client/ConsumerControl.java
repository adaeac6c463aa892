package io.tributary.client;

import akka.Done;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** The {@link Consumer.Control} of one consumer source. */
final class ConsumerControl implements Consumer.Control {
  private final ConsumerEngine<?, ?> engine;
  /** Completed when the source stage has stopped (for whatever reason). */
  final CompletableFuture<Done> stopped = new CompletableFuture<>();
  private boolean stopRequested;
  private Runnable stopAction;

  ConsumerControl(ConsumerEngine<?, ?> engine) {
    this.engine = engine;
  }

  /** Called by the stage once started; runs {@code action} at once if stop was asked for before. */
  void attach(Runnable action) {
    boolean now;
    synchronized (this) {
      stopAction = action;
      now = stopRequested;
    }
    if (now) action.run();
  }

  synchronized boolean stopRequested() {
    return stopRequested;
  }

  @Override
  public CompletionStage<Done> stop() {
    if (stopped.isDone()) return stopped;
    Runnable action;
    synchronized (this) {
      stopRequested = true;
      action = stopAction;
    }
    if (action != null) action.run();
    return stopped;
  }

  @Override
  public CompletionStage<Done> shutdown() {
    stop();
    stopped.whenComplete((d, e) -> engine.shutdown());
    return engine.shutdownFuture;
  }

  @Override
  public CompletionStage<Done> isShutdown() {
    return engine.shutdownFuture;
  }

  @Override
  public <T> CompletionStage<T> drainAndShutdown(CompletionStage<T> streamCompletion) {
    stop();
    return streamCompletion
        .handle((value, error) -> shutdown().handle((d, e) -> {
          if (error != null) throw error instanceof CompletionException c ? c : new CompletionException(error);
          return value;
        }))
        .thenCompose(x -> x);
  }

  @Override
  public long bufferedBytes() {
    return engine.buffer.bytes();
  }

  @Override
  public long peakBufferedBytes() {
    return engine.buffer.peakBytes();
  }
}
