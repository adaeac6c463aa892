package io.tributary.client;

import akka.Done;
import java.util.concurrent.CompletionStage;

/** Something {@link Committer} can commit: today a {@link CommittableOffset}. */
public sealed interface Committable permits CommittableOffset {
  /** Commits this offset now (with any others staged on the same consumer); prefer {@link Committer} for batching. */
  CompletionStage<Done> commit();
}
