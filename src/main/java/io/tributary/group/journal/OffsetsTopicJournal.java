package io.tributary.group.journal;

import akka.persistence.AtomicWrite;
import akka.persistence.PersistentRepr;
import akka.persistence.journal.japi.AsyncWriteJournal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;
import scala.jdk.javaapi.FutureConverters;

/**
 * Akka Persistence journal plugin whose storage is the replicated offsets topic (see {@link OffsetsJournalStore}):
 * configured as {@code akka.persistence.journal.tributary-offsets-topic}, chosen by the node in a cluster. Each
 * AtomicWrite is one record batch; an event that cannot be serialized rejects its write, any storage failure
 * (this node not leading the partition, too few in-sync replicas, no commit within offsets.commit.timeout.ms) fails it,
 * and the group entity then restarts and recovers. Deleted events are marked by a record, not removed.
 */
public final class OffsetsTopicJournal extends AsyncWriteJournal {
  private final OffsetsJournalStore store;

  public OffsetsTopicJournal() {
    this.store = OffsetsJournalAccess.get(context().system()).store();
  }

  @Override
  public Future<Iterable<Optional<Exception>>> doAsyncWriteMessages(Iterable<AtomicWrite> messages) {
    var results = new ArrayList<CompletableFuture<Optional<Exception>>>();
    for (AtomicWrite write : messages) {
      List<JournalRecord> records = new ArrayList<>();
      try {
        for (PersistentRepr repr : CollectionConverters.asJava(write.payload())) records.add(store.codec().event(repr));
      } catch (Exception e) {
        results.add(CompletableFuture.completedFuture(Optional.of(e))); // rejected: nothing was written
        continue;
      }
      results.add(store.write(write.persistenceId(), records).toCompletableFuture().thenApply(x -> Optional.empty()));
    }
    CompletableFuture<Iterable<Optional<Exception>>> all = CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
        .thenApply(x -> results.stream().map(CompletableFuture::join).toList());
    return FutureConverters.asScala(all);
  }

  @Override
  public Future<Void> doAsyncDeleteMessagesTo(String persistenceId, long toSequenceNr) {
    return FutureConverters.asScala(store.write(persistenceId, List.of(JournalRecord.eventsDeleted(persistenceId, toSequenceNr))));
  }

  @Override
  public Future<Void> doAsyncReplayMessages(String persistenceId, long fromSequenceNr, long toSequenceNr, long max,
                                            Consumer<PersistentRepr> replayCallback) {
    return FutureConverters.asScala(store.replay(persistenceId, fromSequenceNr, toSequenceNr, max, replayCallback));
  }

  @Override
  public Future<Long> doAsyncReadHighestSequenceNr(String persistenceId, long fromSequenceNr) {
    return FutureConverters.asScala(store.highestSequenceNr(persistenceId));
  }
}
