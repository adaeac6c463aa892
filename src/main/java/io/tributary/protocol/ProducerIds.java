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

  private final MetadataService metadata;
  private long next;
  private long end;
  private CompletionStage<Long> pending;

  private final int blockSize;

  /** @param blockSize producer ids taken from the metadata at a time (one metadata write per block) */
  public ProducerIds(MetadataService metadata, int blockSize) {
    this.metadata = metadata;
    this.blockSize = blockSize;
  }

  public synchronized CompletionStage<Long> nextId() {
    if (next < end) {
      return CompletableFuture.completedFuture(next++);
    }
    if (pending == null) {
      pending = metadata.allocateProducerIds(blockSize).whenComplete((first, e) -> {
        synchronized (this) {
          pending = null;
          if (e == null) {
            next = first;
            end = first + blockSize;
          }
        }
      });
    }
    return pending.thenCompose(x -> nextId());
  }
}
