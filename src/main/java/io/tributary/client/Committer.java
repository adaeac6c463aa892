package io.tributary.client;

import akka.Done;
import akka.NotUsed;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Commits offsets in batches: after {@code max-batch} offsets or {@code max-interval}, whichever comes first.
 *
 * <p>An offset counts as processed the moment it enters the committer: it is staged on its consumer at once,
 * so that a rebalance commits it synchronously before the partition is handed over, and a shutdown commits it
 * before closing. Offsets of a partition the consumer has lost since the record was emitted are dropped, never
 * committed over the new owner's. Emits {@link Done} per batch once the broker acknowledged the commit.
 */
public final class Committer {
  private Committer() {}

  public static <C extends Committable> Flow<C, Done, NotUsed> flow(CommitterSettings settings) {
    return Flow.<C>create()
        .map(c -> {
          offset(c).stage();
          return (Committable) c;
        })
        .groupedWithin(settings.maxBatch(), settings.maxInterval())
        .mapAsync(settings.parallelism(), Committer::flush);
  }

  public static <C extends Committable> Sink<C, CompletionStage<Done>> sink(CommitterSettings settings) {
    return Committer.<C>flow(settings).toMat(Sink.ignore(), Keep.right());
  }

  private static CommittableOffset offset(Committable c) {
    return (CommittableOffset) c; // the only kind (sealed)
  }

  private static CompletionStage<Done> flush(List<Committable> batch) {
    var engines = new LinkedHashSet<ConsumerEngine<?, ?>>();
    for (var c : batch) engines.add(offset(c).engine());
    if (engines.size() == 1) return engines.iterator().next().flush();
    var all = engines.stream().map(e -> e.flush().toCompletableFuture()).toArray(CompletableFuture[]::new);
    return CompletableFuture.allOf(all).thenApply(v -> Done.getInstance());
  }
}
