package io.tributary.protocol;

import io.tributary.metadata.MetadataService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Hands out producer ids for InitProducerId from blocks reserved through the Controller, so ids
 * are unique across nodes and restarts while most requests need no cluster round trip.
 * Thread-safe.
 */
public final class ProducerIds {
  private static final int BLOCK_SIZE = 1000;

  private final MetadataService metadata;
  private long next;
  private long end;
  private CompletionStage<Long> pending;

  public ProducerIds(MetadataService metadata) {
    this.metadata = metadata;
  }

  public synchronized CompletionStage<Long> nextId() {
    if (next < end) {
      return CompletableFuture.completedFuture(next++);
    }
    if (pending == null) {
      pending = metadata.allocateProducerIds(BLOCK_SIZE).whenComplete((first, e) -> {
        synchronized (this) {
          pending = null;
          if (e == null) {
            next = first;
            end = first + BLOCK_SIZE;
          }
        }
      });
    }
    return pending.thenCompose(x -> nextId());
  }
}
