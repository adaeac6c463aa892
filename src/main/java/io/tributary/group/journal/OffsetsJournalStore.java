package io.tributary.group.journal;

import akka.persistence.PersistentRepr;
import akka.persistence.SelectedSnapshot;
import akka.persistence.SnapshotMetadata;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.NotEnoughReplicasAfterAppendException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import io.tributary.metadata.MetadataImage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group journal and snapshot store over the offsets topic, shared by the two Akka Persistence plugins of a node.
 * Persistence id {@code group|G} lives in offsets partition {@code abs(hash(G)) % partitions}, the partition whose
 * leader coordinates group G; a transaction coordinator's {@code txn|T} likewise in its transaction state partition
 * ({@link #partitionFor}). Every operation runs on this node as that partition's leader, and fails (NOT_LEADER_OR_FOLLOWER)
 * elsewhere, so a group entity left on a node that lost the partition cannot write. A write appends its records as one
 * batch and completes once the high watermark passes them (acks=all, min.insync.replicas honoured). Reads go through a
 * {@link PartitionIndex} built when this node starts to lead a partition (per leader epoch) from its committed log.
 * Thread-safe.
 */
final class OffsetsJournalStore {
  private static final Logger log = LoggerFactory.getLogger(OffsetsJournalStore.class);

  /** A partition's index as loaded (or being loaded) for one leader epoch of this node. */
  private record Loading(int leaderEpoch, CompletableFuture<PartitionIndex> index) {}

  /** The partition's log as its leader, with its index for the current leader epoch. */
  private record Led(OffsetsLog.LeaderLog log, PartitionIndex index) {}

  private final CompletionStage<OffsetsLog> offsetsLog;
  private final JournalSettings settings;
  private final PayloadCodec codec;
  private final Executor io;
  private final Map<TopicPartition, Loading> indexes = new ConcurrentHashMap<>();

  OffsetsJournalStore(CompletionStage<OffsetsLog> offsetsLog, JournalSettings settings, PayloadCodec codec, Executor io) {
    this.offsetsLog = offsetsLog;
    this.settings = settings;
    this.codec = codec;
    this.io = io;
  }

  PayloadCodec codec() {
    return codec;
  }

  /**
   * Where a persistence id is stored: {@code txn|T} (a transaction coordinator's state) in partition {@code
   * abs(hash(T)) % transaction.state.log.num.partitions} of the transaction state topic, the partition whose leader
   * coordinates T; {@code group|G} (and any other id, by its whole text) in offsets partition {@code abs(hash(G)) %
   * offsets.topic.num.partitions}. Kafka's partitionFor, per internal topic.
   */
  TopicPartition partitionFor(String persistenceId) {
    int bar = persistenceId.indexOf('|');
    String key = bar >= 0 ? persistenceId.substring(bar + 1) : persistenceId;
    if (bar >= 0 && persistenceId.substring(0, bar).equals(TRANSACTION_ENTITY_TYPE)) {
      return new TopicPartition(MetadataImage.TRANSACTION_STATE_TOPIC, Utils.abs(key.hashCode()) % settings.transactionPartitions());
    }
    return new TopicPartition(MetadataImage.OFFSETS_TOPIC, Utils.abs(key.hashCode()) % settings.partitions());
  }

  /** The entity type name of transaction coordinators (io.tributary.txn.TransactionEntity.ENTITY_KEY). */
  static final String TRANSACTION_ENTITY_TYPE = "txn";

  // ------------------------------------------------------------------------------------------------ writes

  /**
   * Appends {@code records} of {@code persistenceId} as one batch; completes once committed. Events must continue the
   * persistence id's sequence: a lower one means the writer missed records another leader's writer added (it ran on
   * a stale state), and the write fails so that it recovers.
   */
  CompletionStage<Void> write(String persistenceId, List<JournalRecord> records) {
    return led(partitionFor(persistenceId)).thenCompose(led -> {
      long highest = led.index().highestSequenceNr(persistenceId);
      for (JournalRecord r : records) {
        if (r.kind() == JournalRecord.Kind.EVENT && r.sequenceNr() <= highest) {
          throw new IllegalStateException("Event " + r.sequenceNr() + " of " + persistenceId + " is not after the "
              + "journal's highest sequence number " + highest + ": the writer's state is stale");
        }
      }
      long now = System.currentTimeMillis();
      var batch = MemoryRecords.withRecords(Compression.NONE,
          records.stream().map(r -> r.toRecord(now)).toArray(SimpleRecord[]::new));
      return led.log().append(batch).thenCompose(first -> {
        // indexed at once: this node is the only writer; reads wait for the high watermark to cover what they return
        for (int i = 0; i < records.size(); i++) led.index().apply(records.get(i), first + i);
        return led.log().awaitHighWatermark(first + records.size(), settings.commitTimeout());
      }).thenApply(x -> {
        if (!led.log().hasMinInsyncReplicas()) {
          throw new NotEnoughReplicasAfterAppendException(led.log().notEnoughReplicasMessage());
        }
        return null;
      });
    });
  }

  // ------------------------------------------------------------------------------------------------ reads

  CompletionStage<Long> highestSequenceNr(String persistenceId) {
    return committed(partitionFor(persistenceId)).thenApply(led -> led.index().highestSequenceNr(persistenceId));
  }

  /** Replays live events from {@code from} to {@code to}, at most {@code max}, in order. */
  CompletionStage<Void> replay(String persistenceId, long from, long to, long max, Consumer<PersistentRepr> each) {
    return committed(partitionFor(persistenceId)).thenApplyAsync(led -> {
      var offsets = led.index().events(persistenceId, from, to, max).stream()
          .map(PersistenceIdEntries.EventEntry::offset).toList();
      read(led, offsets, (record, offset) -> each.accept(codec.toEvent(record)));
      return null;
    }, io);
  }

  /** The newest snapshot matching the criteria that can be read; an unreadable one is skipped, as Akka's local store does. */
  CompletionStage<Optional<SelectedSnapshot>> loadSnapshot(String persistenceId, long minSequenceNr, long maxSequenceNr,
                                                           long minTimestamp, long maxTimestamp) {
    return committed(partitionFor(persistenceId)).thenApplyAsync(led -> {
      for (var entry : led.index().snapshots(persistenceId, minSequenceNr, maxSequenceNr, minTimestamp, maxTimestamp)) {
        var found = new ArrayList<Object>(1);
        try {
          read(led, List.of(entry.offset()), (record, offset) -> found.add(codec.toSnapshotData(record)));
          var metadata = SnapshotMetadata.apply(persistenceId, entry.sequenceNr(), entry.timestamp());
          return Optional.of(SelectedSnapshot.create(metadata, found.get(0)));
        } catch (RuntimeException e) {
          log.warn("Snapshot {} of {} cannot be read, trying an older one: {}", entry.sequenceNr(), persistenceId, e.toString());
        }
      }
      return Optional.<SelectedSnapshot>empty();
    }, io);
  }

  private void read(Led led, List<Long> offsets, java.util.function.BiConsumer<JournalRecord, Long> each) {
    try {
      JournalLogReader.readAt(led.log(), offsets, settings.loadBufferBytes(), each);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The partition as its leader once everything in its log now is committed, so that no read returns more. */
  private CompletionStage<Led> committed(TopicPartition partition) {
    return led(partition).thenCompose(led ->
        led.log().awaitHighWatermark(led.log().logEndOffset(), settings.commitTimeout()).thenApply(x -> led));
  }

  // ------------------------------------------------------------------------------------------------ the index

  /** The partition as its leader and its index for the current leader epoch, loading it on the epoch's first use. */
  private CompletionStage<Led> led(TopicPartition partition) {
    return offsetsLog.thenCompose(l -> l.lead(partition.topic(), partition.partition())).thenCompose(leader -> {
      int epoch = leader.leaderEpoch();
      var loading = indexes.compute(partition, (p, current) ->
          current != null && current.leaderEpoch() == epoch ? current : new Loading(epoch, load(leader, p, epoch)));
      loading.index().whenComplete((index, error) -> {
        if (error != null) indexes.remove(partition, loading); // the next use tries again
      });
      return loading.index().thenApply(index -> new Led(leader, index));
    });
  }

  /**
   * Reads the partition's log into a new index, once the records the previous leader left in it are committed (its
   * high watermark reaches the log end it has now; Kafka's coordinator likewise loads the partition on election).
   */
  private CompletableFuture<PartitionIndex> load(OffsetsLog.LeaderLog leader, TopicPartition partition, int epoch) {
    long end = leader.logEndOffset();
    return leader.awaitHighWatermark(end, settings.loadTimeout()).toCompletableFuture().thenApplyAsync(x -> {
      long started = System.nanoTime();
      try {
        var index = JournalLogReader.load(leader, partition.partition(), epoch, end, settings.loadBufferBytes());
        log.info("Loaded journal partition {} (leader epoch {}, offsets {} to {}): {} entities, in {} ms", partition, epoch,
            leader.logStartOffset(), end, index.persistenceIds(), (System.nanoTime() - started) / 1_000_000);
        return index;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }, io);
  }
}
