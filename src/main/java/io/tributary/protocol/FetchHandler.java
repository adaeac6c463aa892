package io.tributary.protocol;

import akka.actor.Cancellable;
import io.tributary.concurrent.Failures;
import io.tributary.metadata.MetadataImage;
import io.tributary.partition.PartitionHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.requests.FetchRequest;
import org.apache.kafka.common.requests.FetchResponse;
import scala.concurrent.ExecutionContext;

/**
 * Fetch (v4+). Reads whole batches from each partition's log off the partition actor, bounded by
 * the partition and response byte limits (the first partition with data always returns at least
 * one batch, so a batch larger than the limits still makes progress). When less than
 * {@code min_bytes} is available the request waits, until {@code max_wait_ms} at most, for a
 * high-watermark notification from any of its partitions — it never polls.
 *
 * Fetch sessions (KIP-227): the sessions cache decides; see {@link FetchSessions}.
 *
 * <p>isolation_level=read_committed (a consumer's): reads stop at the last stable offset, and the answer lists the
 * aborted transactions overlapping the returned batches (Kafka's aborted_transactions), whose records the consumer
 * then skips. Every answer carries the partition's last stable offset.
 */
public final class FetchHandler implements ApiHandler<FetchRequest> {

  private final BrokerContext broker;
  private final FetchSessions sessions;
  private final ExecutionContext io;
  private final int readChunkBytes;

  public FetchHandler(BrokerContext broker, FetchSessions sessions, int readChunkBytes) {
    this.broker = broker;
    this.sessions = sessions;
    this.readChunkBytes = readChunkBytes;
    this.io = ExecutionContext.fromExecutor(broker.io());
  }

  /** One requested partition, resolved. */
  static final class Slot {
    final String topic;
    final Uuid topicId;
    final int partition;
    final long fetchOffset;
    final int maxBytes;
    final int currentLeaderEpoch;
    final int lastFetchedEpoch;
    Errors error = Errors.NONE;
    PartitionHandle handle;

    Slot(String topic, Uuid topicId, int partition, long fetchOffset, int maxBytes, int currentLeaderEpoch,
         int lastFetchedEpoch) {
      this.topic = topic;
      this.topicId = topicId;
      this.partition = partition;
      this.fetchOffset = fetchOffset;
      this.maxBytes = maxBytes;
      this.currentLeaderEpoch = currentLeaderEpoch;
      this.lastFetchedEpoch = lastFetchedEpoch;
    }
  }

  @Override
  public CompletionStage<FetchResponseData> handle(RequestContext ctx, FetchRequest request) {
    FetchRequestData data = request.data();
    short version = ctx.apiVersion();
    var session = sessions.open(data, version);
    if (session.error() != Errors.NONE) {
      return CompletableFuture.completedFuture(new FetchResponseData()
          .setErrorCode(session.error().code()).setSessionId(0).setThrottleTimeMs(0));
    }
    // a follower's fetch (Kafka's replica fetch): reads up to the log end and reports the follower's progress
    int replicaId = request.replicaId();
    List<Slot> slots = resolve(session.partitions(), version, replicaId >= 0);
    List<CompletableFuture<Void>> opening = new ArrayList<>();
    for (Slot slot : slots) {
      if (slot.error != Errors.NONE) continue;
      opening.add(broker.partitions().handle(new TopicPartition(slot.topic, slot.partition))
          .handle((h, e) -> {
            if (e != null) slot.error = Errors.forException(Failures.unwrap(e));
            else slot.handle = h;
            return (Void) null;
          }).toCompletableFuture());
    }
    long deadline = System.nanoTime() + Duration.ofMillis(Math.max(0, data.maxWaitMs())).toNanos();
    int maxResponseBytes = version >= 3 ? data.maxBytes() : Integer.MAX_VALUE;
    boolean readCommitted = data.isolationLevel() == 1;
    return CompletableFuture.allOf(opening.toArray(CompletableFuture[]::new))
        .thenComposeAsync(x -> readOrWait(slots, data.minBytes(), maxResponseBytes, deadline, readCommitted, replicaId), broker.io())
        .thenApply(responses -> {
          if (replicaId < 0) countFetched(responses);
          return sessions.respond(session, responses, version);
        });
  }

  /** Bytes and records sent, per partition: batch headers only (a v2 batch header carries its record count). */
  private void countFetched(List<FetchSessions.Answer> answers) {
    var metrics = broker.metrics();
    if (metrics == BrokerMetrics.NONE) return;
    for (var answer : answers) {
      var records = answer.data().records();
      if (records == null || records.sizeInBytes() == 0) continue;
      Iterable<? extends RecordBatch> batches;
      if (records instanceof MemoryRecords memory) batches = memory.batches();
      else if (records instanceof FetchedRecords fetched) batches = fetched.batches();
      else continue;
      int count = 0;
      for (var batch : batches) {
        Integer n = batch.countOrNull();
        count += n == null ? 1 : n;
      }
      metrics.fetched(answer.topic(), records.sizeInBytes(), count);
    }
  }

  /** Followers also fetch internal topics' partitions (the offsets topic is replicated); clients see topics only. */
  private List<Slot> resolve(List<FetchSessions.Requested> requested, short version, boolean follower) {
    MetadataImage image = broker.metadata().current();
    List<Slot> slots = new ArrayList<>(requested.size());
    for (var r : requested) {
      var topic = follower
          ? (version >= 13 ? image.anyTopicById(r.topicId()) : image.anyTopic(r.topic()))
          : (version >= 13 ? image.topicById(r.topicId()) : image.topic(r.topic()));
      String name = topic.map(t -> t.name()).orElse(r.topic());
      var slot = new Slot(name, topic.map(t -> t.topicId()).orElse(r.topicId()), r.partition(), r.fetchOffset(),
          r.maxBytes(), r.currentLeaderEpoch(), r.lastFetchedEpoch());
      if (topic.isEmpty()) {
        slot.error = version >= 13 ? Errors.UNKNOWN_TOPIC_ID : Errors.UNKNOWN_TOPIC_OR_PARTITION;
      } else if (r.partition() < 0 || r.partition() >= topic.get().partitionCount()) {
        slot.error = Errors.UNKNOWN_TOPIC_OR_PARTITION;
      }
      slots.add(slot);
    }
    return slots;
  }

  private CompletionStage<List<FetchSessions.Answer>> readOrWait(List<Slot> slots, int minBytes, int maxResponseBytes,
                                                                 long deadline, boolean readCommitted, int replicaId) {
    var answers = readAll(slots, maxResponseBytes, readCommitted, replicaId);
    long bytes = answers.stream().mapToLong(a -> a.data().records() == null ? 0 : a.data().records().sizeInBytes()).sum();
    boolean anyError = answers.stream().anyMatch(a -> a.data().errorCode() != Errors.NONE.code());
    long remainingNanos = deadline - System.nanoTime();
    if (bytes >= minBytes || anyError || remainingNanos <= 0 || broker.partitions().draining()) {
      return CompletableFuture.completedFuture(answers);
    }
    return awaitNewData(slots, answers, remainingNanos, replicaId >= 0)
        .thenComposeAsync(x -> readOrWait(slots, minBytes, maxResponseBytes, deadline, readCommitted, replicaId), broker.io());
  }

  /**
   * Completes when any partition's high watermark (a follower: its log end) moves past what was just read, or after
   * {@code nanos}.
   */
  private CompletableFuture<Void> awaitNewData(List<Slot> slots, List<FetchSessions.Answer> answers, long nanos,
                                               boolean follower) {
    var wake = new CompletableFuture<Void>();
    Runnable waiter = () -> wake.complete(null);
    for (Slot slot : slots) {
      if (slot.handle == null) continue;
      if (follower) slot.handle.addLogEndWaiter(waiter);
      else slot.handle.addWaiter(waiter);
    }
    // data that arrived between the read and the registration must not be slept through
    for (int i = 0; i < slots.size(); i++) {
      Slot slot = slots.get(i);
      if (slot.handle == null) continue;
      boolean moved = follower ? slot.handle.logEndOffset() > slot.fetchOffset
          : slot.handle.highWatermark() > answers.get(i).data().highWatermark();
      if (moved) wake.complete(null);
    }
    Cancellable timeout = broker.system().scheduler().scheduleOnce(Duration.ofNanos(nanos), waiter, io);
    return wake.whenComplete((x, e) -> {
      timeout.cancel();
      for (Slot slot : slots) {
        if (slot.handle == null) continue;
        slot.handle.removeWaiter(waiter);
        slot.handle.removeLogEndWaiter(waiter);
      }
    });
  }

  private List<FetchSessions.Answer> readAll(List<Slot> slots, int maxResponseBytes, boolean readCommitted, int replicaId) {
    List<FetchSessions.Answer> answers = new ArrayList<>(slots.size());
    int budget = maxResponseBytes;
    boolean first = true;
    for (Slot slot : slots) {
      PartitionData out = new PartitionData().setPartitionIndex(slot.partition);
      if (slot.error == Errors.NONE && slot.currentLeaderEpoch >= 0 && slot.currentLeaderEpoch != slot.handle.leaderEpoch()) {
        slot.error = slot.currentLeaderEpoch > slot.handle.leaderEpoch() ? Errors.UNKNOWN_LEADER_EPOCH : Errors.FENCED_LEADER_EPOCH;
      }
      if (slot.error != Errors.NONE) {
        answers.add(new FetchSessions.Answer(slot.topic, slot.topicId, error(out, slot.error)));
        continue;
      }
      try {
        if (replicaId >= 0) {
          var info = slot.handle.assignment();
          if (info == null || !info.replicas().contains(replicaId)) {
            answers.add(new FetchSessions.Answer(slot.topic, slot.topicId, error(out, Errors.NOT_LEADER_OR_FOLLOWER)));
            continue;
          }
          if (slot.lastFetchedEpoch >= 0 && diverged(slot, out)) {
            answers.add(new FetchSessions.Answer(slot.topic, slot.topicId, out));
            continue;
          }
        }
        int limit = Math.max(0, Math.min(slot.maxBytes, budget));
        long leaderEnd = slot.handle.logEndOffset();
        boolean committedOnly = readCommitted && replicaId < 0;
        var read = readPieces(slot, limit, first, replicaId >= 0, committedOnly);
        if (replicaId >= 0) broker.partitions().followerFetched(slot.handle, replicaId, slot.fetchOffset, leaderEnd);
        BaseRecords records = read.records();
        long hw = slot.handle.highWatermark();
        out.setErrorCode(Errors.NONE.code())
            .setHighWatermark(hw)
            .setLastStableOffset(slot.handle.lastStableOffset())
            .setLogStartOffset(read.logStartOffset())
            .setAbortedTransactions(committedOnly ? abortedTransactions(slot, read) : null)
            .setPreferredReadReplica(-1)
            .setRecords(records);
        if (records.sizeInBytes() > 0) {
          budget -= records.sizeInBytes();
          first = false;
        }
      } catch (java.io.IOException e) {
        // a handle closed under us (passivation, deletion): the client refreshes metadata and retries
        error(out, slot.handle.isOpen() ? Errors.KAFKA_STORAGE_ERROR : Errors.NOT_LEADER_OR_FOLLOWER);
      } catch (RuntimeException e) {
        error(out, Errors.forException(e));
      }
      answers.add(new FetchSessions.Answer(slot.topic, slot.topicId, out));
    }
    return answers;
  }

  /** What one partition's read gave: its batches (one or several pieces), the log start offset, the offset after them. */
  private record Read(BaseRecords records, long logStartOffset, long nextOffset) {}

  /**
   * read_committed: the aborted transactions overlapping what is returned (Kafka's addAbortedTransactions), with which
   * the consumer drops their records; an empty list when nothing is returned.
   */
  private static List<FetchResponseData.AbortedTransaction> abortedTransactions(Slot slot, Read read) {
    List<FetchResponseData.AbortedTransaction> out = new ArrayList<>();
    if (read.records().sizeInBytes() == 0) return out;
    for (var txn : slot.handle.abortedTransactions(slot.fetchOffset, read.nextOffset())) {
      out.add(new FetchResponseData.AbortedTransaction().setProducerId(txn.producerId()).setFirstOffset(txn.firstOffset()));
    }
    return out;
  }

  /**
   * Reads up to {@code limit} bytes of whole batches (at least one batch when {@code minOneBatch}) in pieces of at
   * most {@code readChunkBytes}, each of whole batches (a batch larger than a piece is one piece): see
   * {@link FetchedRecords}. A follower reads up to the log end, a consumer up to the high watermark.
   */
  private Read readPieces(Slot slot, int limit, boolean minOneBatch, boolean follower, boolean readCommitted)
      throws java.io.IOException {
    List<MemoryRecords> pieces = new ArrayList<>(2);
    long offset = slot.fetchOffset;
    int left = limit;
    long logStart = -1;
    while (true) {
      int want = Math.min(left, readChunkBytes);
      // a batch larger than a piece but within what is left comes whole, as one piece
      boolean whole = pieces.isEmpty() ? minOneBatch || left > readChunkBytes : left > readChunkBytes;
      var read = follower ? slot.handle.readForReplica(offset, want, whole)
          : slot.handle.read(offset, want, whole, readCommitted);
      if (logStart < 0) logStart = read.logStartOffset();
      MemoryRecords piece = read.records();
      int size = piece.sizeInBytes();
      if (size == 0 || (size > left && !(pieces.isEmpty() && minOneBatch))) break;
      pieces.add(piece);
      left -= size;
      long last = -1;
      for (var batch : piece.batches()) last = batch.lastOffset();
      offset = last + 1;
      long readable = follower ? slot.handle.logEndOffset()
          : readCommitted ? slot.handle.lastStableOffset() : slot.handle.highWatermark();
      if (left <= 0 || offset >= readable) break; // the budget is used up, or the data
    }
    BaseRecords records = pieces.isEmpty() ? MemoryRecords.EMPTY
        : pieces.size() == 1 ? pieces.get(0) : new FetchedRecords(pieces);
    return new Read(records, logStart, offset);
  }

  /**
   * Kafka's check of a follower's fetch (KIP-595): when this log's end of the follower's last fetched epoch is below
   * that epoch or below the fetch offset, the follower's log diverged; the answer names this log's epoch and end
   * offset instead of records, and the follower truncates before fetching again.
   */
  private static boolean diverged(Slot slot, PartitionData out) {
    var end = slot.handle.endOffsetForEpoch(slot.lastFetchedEpoch);
    if (end.leaderEpoch() >= slot.lastFetchedEpoch && end.endOffset() >= slot.fetchOffset) return false;
    long hw = slot.handle.highWatermark();
    out.setErrorCode(Errors.NONE.code())
        .setHighWatermark(hw)
        .setLastStableOffset(slot.handle.lastStableOffset())
        .setLogStartOffset(slot.handle.logStartOffset())
        .setPreferredReadReplica(-1)
        .setRecords(MemoryRecords.EMPTY)
        .setDivergingEpoch(new FetchResponseData.EpochEndOffset().setEpoch(end.leaderEpoch()).setEndOffset(end.endOffset()));
    return true;
  }

  private static PartitionData error(PartitionData out, Errors error) {
    return out.setErrorCode(error.code())
        .setHighWatermark(FetchResponse.INVALID_HIGH_WATERMARK)
        .setLastStableOffset(FetchResponse.INVALID_LAST_STABLE_OFFSET)
        .setLogStartOffset(FetchResponse.INVALID_LOG_START_OFFSET)
        .setPreferredReadReplica(-1)
        .setRecords(MemoryRecords.EMPTY);
  }
}
