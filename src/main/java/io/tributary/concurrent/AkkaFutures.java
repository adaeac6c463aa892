package io.tributary.concurrent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Plain {@link CompletableFuture}s from the ones Akka's Java API returns (ask, materialized values).
 *
 * <p>Those are Scala's {@code FutureConverters.CF}, which runs every non-async callback ({@code
 * thenApply}, {@code handle}, {@code whenComplete}...) as if it were {@code ...Async} on the default
 * executor. With one or two cores the common pool's parallelism is 1, and {@link CompletableFuture}
 * then starts a new thread for each such callback: under a consumer-group load that was hundreds of
 * threads a second and hundreds of milliseconds of commit latency. Converting once, where the
 * future enters our code, makes the callbacks after it run on {@code executor} (an Akka dispatcher),
 * not on the thread that completed the ask: that may be the replying actor's, or on a timeout
 * Akka's scheduler thread, which must not run our handlers.
 */
public final class AkkaFutures {
  private AkkaFutures() {}

  /** A future completed on {@code executor} with {@code stage}'s outcome. */
  public static <T> CompletableFuture<T> plain(CompletionStage<T> stage, Executor executor) {
    var out = new CompletableFuture<T>();
    // the executor-taking variant: CF overrides only the executor-less ones
    stage.whenCompleteAsync((value, error) -> {
      if (error != null) out.completeExceptionally(error);
      else out.complete(value);
    }, executor);
    return out;
  }
}
