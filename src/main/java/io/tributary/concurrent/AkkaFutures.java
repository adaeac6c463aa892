package io.tributary.concurrent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Plain {@link CompletableFuture}s from the ones Akka's Java API returns (ask, materialized values).
 *
 * <p>Those are Scala's {@code FutureConverters.CF}, which runs every non-async callback ({@code
 * thenApply}, {@code handle}, {@code whenComplete}...) as if it were {@code ...Async} on the default
 * executor. With one or two cores the common pool's parallelism is 1, and {@link CompletableFuture}
 * then starts a new thread for each such callback: under a consumer-group load that was hundreds of
 * threads a second and hundreds of milliseconds of commit latency. Converting once, where the
 * future enters our code, makes the callbacks after it run on the completing thread like any other
 * {@link CompletableFuture}.
 */
public final class DirectFutures {
  private DirectFutures() {}

  /** A future completed, on the completing thread, with {@code stage}'s outcome. */
  public static <T> CompletableFuture<T> direct(CompletionStage<T> stage) {
    if (stage.getClass() == CompletableFuture.class) return (CompletableFuture<T>) stage;
    var out = new CompletableFuture<T>();
    // the executor-taking variant: CF overrides only the executor-less ones
    stage.whenCompleteAsync((value, error) -> {
      if (error != null) out.completeExceptionally(error);
      else out.complete(value);
    }, Runnable::run);
    return out;
  }
}
