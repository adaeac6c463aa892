package io.tributary.partition;

import io.tributary.concurrent.Failures;
import io.tributary.storage.EpochEndOffset;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.requests.FetchMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches, as a follower, every partition this node follows from one leader node (Kafka's replica fetcher thread):
 * Kafka's own Fetch request with this node's replica id, over one connection to the leader's Kafka listener
 * ({@link BrokerConnection}). One fetch at a time: the next is sent only once the previous answer is appended, so
 * a slow disk back-pressures the leader's reads. A log that diverged from the leader's (the answer names a
 * diverging epoch, KIP-320/595) is truncated to the epoch boundary before it fetches on; a fetch offset outside
 * the leader's log (OFFSET_OUT_OF_RANGE) is resolved as Kafka's follower does, from the leader's log start and end. Steps run one after the
 * other, each after the previous completed; {@link #assign} and {@link #stop} may be called from any thread.
 */
public final class ReplicaFetcher {
  private static final Logger log = LoggerFactory.getLogger(ReplicaFetcher.class);
  /** Fetch v13: replica id in the request, topic ids, last fetched epoch and diverging epoch. */
  static final short FETCH_VERSION = 13;
  /** ListOffsets v7: current leader epoch (v4+), as Kafka's follower asks for its leader's log start or end. */
  static final short LIST_OFFSETS_VERSION = 7;

  /** A partition to follow, as metadata names it. */
  record Target(Uuid topicId, int leaderEpoch) {}

  /** Settings from {@code tributary.replication}. */
  public record Settings(Duration maxWait, int minBytes, int maxBytes, int partitionMaxBytes, Duration backoff,
                         Duration connectTimeout, Duration requestTimeout, int maxResponseBytes,
                         Duration replicaLagTimeMax) {}

  private final int nodeId;
  private final int leaderId;
  private final Partitions partitions;
  private final BrokerConnection.Factory connections;
  private final Settings settings;
  private final Scheduler scheduler;
  private final FetcherLags lags;
  private volatile Map<TopicPartition, Target> targets = Map.of();
  private volatile String address;
  private volatile boolean stopped;
  private final java.util.concurrent.atomic.AtomicBoolean started = new java.util.concurrent.atomic.AtomicBoolean();
  /** Completed by {@link #assign} to end an idle wait. */
  private volatile CompletableFuture<Void> wakeUp = new CompletableFuture<>();
  /** Partitions answered with an error: skipped until a time (nanos) or an assignment in another leader epoch. */
  private final Map<TopicPartition, Delay> delayed = new ConcurrentHashMap<>();

  private record Delay(long untilNanos, int leaderEpoch) {}

  private record IdPartition(Uuid topicId, int partition) {}
  private BrokerConnection connection;

  /** Runs a task after a delay (the actor system's scheduler). */
  interface Scheduler {
    CompletionStage<Void> after(Duration delay);
  }

  ReplicaFetcher(int nodeId, int leaderId, Partitions partitions, BrokerConnection.Factory connections,
                 Settings settings, Scheduler scheduler, FetcherLags lags) {
    this.nodeId = nodeId;
    this.lags = lags;
    this.leaderId = leaderId;
    this.partitions = partitions;
    this.connections = connections;
    this.settings = settings;
    this.scheduler = scheduler;
  }

  /** Follows exactly {@code followed} from the leader at {@code hostPort} from now on. */
  void assign(Map<TopicPartition, Target> followed, String hostPort) {
    targets = Map.copyOf(followed);
    address = hostPort;
    wakeUp.complete(null);
  }

  /** Starts fetching (once; later calls do nothing). */
  void start() {
    if (started.compareAndSet(false, true)) loop();
  }

  void stop() {
    stopped = true;
    wakeUp.complete(null);
  }

  private void loop() {
    if (stopped) {
      closeConnection();
      return;
    }
    round().whenComplete((x, e) -> {
      if (e != null && !stopped) {
        log.info("Fetching from node {} failed ({}); retrying in {}", leaderId, Failures.unwrap(e).toString(), settings.backoff());
        closeConnection();
        scheduler.after(settings.backoff()).whenComplete((y, f) -> loop());
      } else {
        loop();
      }
    });
  }

  /** One fetch and its appends; completes at once with nothing to fetch and waits for an assignment instead. */
  private CompletionStage<Void> round() {
    var current = targets;
    String leaderAddress = address;
    long now = System.nanoTime();
    delayed.entrySet().removeIf(e -> e.getValue().untilNanos() - now <= 0 || current.get(e.getKey()) == null
        || current.get(e.getKey()).leaderEpoch() != e.getValue().leaderEpoch());
    var handles = new ArrayList<CompletableFuture<Map.Entry<TopicPartition, PartitionHandle>>>();
    for (var e : current.entrySet()) {
      if (delayed.containsKey(e.getKey())) continue;
      handles.add(partitions.replicaHandle(e.getKey()).toCompletableFuture()
          .thenApply(h -> Map.entry(e.getKey(), h))
          .exceptionally(err -> {
            log.debug("Cannot follow {}: {}", e.getKey(), Failures.unwrap(err).getMessage());
            delay(e.getKey(), e.getValue());
            return null;
          }));
    }
    if (handles.isEmpty()) {
      var wake = new CompletableFuture<Void>();
      wakeUp = wake;
      if (targets != current || stopped) wake.complete(null); // assigned between the read and the registration
      // partitions that were delayed are tried again after the back-off even without a new assignment
      CompletionStage<Void> retry = current.isEmpty() ? new CompletableFuture<>() : scheduler.after(settings.backoff());
      return CompletableFuture.anyOf(wake, retry.toCompletableFuture()).thenApply(x -> null);
    }
    return CompletableFuture.allOf(handles.toArray(CompletableFuture[]::new)).thenCompose(x -> {
      Map<TopicPartition, PartitionHandle> open = new HashMap<>();
      for (var h : handles) {
        var entry = h.join();
        if (entry != null) open.put(entry.getKey(), entry.getValue());
      }
      if (open.isEmpty()) return scheduler.after(settings.backoff());
      return fetch(open, current, leaderAddress);
    });
  }

  private CompletionStage<Void> fetch(Map<TopicPartition, PartitionHandle> open, Map<TopicPartition, Target> current,
                                      String leaderAddress) {
    var request = request(open, current);
    if (connection == null) connection = connections.connect(leaderAddress);
    return connection.fetch(request, FETCH_VERSION).thenCompose(response -> {
      if (response.errorCode() != Errors.NONE.code()) {
        throw Errors.forCode(response.errorCode()).exception("Fetch from node " + leaderId + " failed");
      }
      List<CompletableFuture<Void>> applied = new ArrayList<>();
      // out-of-range partitions ask the leader for its offsets over this connection, which carries one request at a
      // time: one after the other
      CompletableFuture<Void> outOfRange = CompletableFuture.completedFuture(null);
      Map<IdPartition, TopicPartition> byId = new HashMap<>();
      current.forEach((tp, t) -> byId.put(new IdPartition(t.topicId(), tp.partition()), tp));
      for (var topic : response.responses()) {
        for (var p : topic.partitions()) {
          var tp = byId.get(new IdPartition(topic.topicId(), p.partitionIndex()));
          if (tp == null) continue;
          PartitionHandle handle = open.get(tp);
          Target target = current.get(tp);
          // only while the assignment this fetch was made for still holds
          if (handle == null || targets.get(tp) == null || targets.get(tp).leaderEpoch() != target.leaderEpoch()) continue;
          if (p.errorCode() == Errors.OFFSET_OUT_OF_RANGE.code()) {
            outOfRange = outOfRange.thenCompose(x -> resolveOutOfRange(tp, handle, target).toCompletableFuture()
                .exceptionally(e -> {
                  log.warn("{}: could not learn leader {}'s offsets after OFFSET_OUT_OF_RANGE: {}", tp, leaderId,
                      Failures.unwrap(e).toString());
                  delay(tp, target);
                  return null;
                }));
            continue;
          }
          applied.add(apply(tp, handle, target, p).toCompletableFuture().exceptionally(e -> {
            if (Failures.unwrap(e) instanceof PartitionHandle.StaleFetchException stale) {
              log.debug("Dropped a fetch answer of {} from node {}: {}", tp, leaderId, stale.getMessage());
              return null;
            }
            log.warn("Replicating {} from node {} failed: {}", tp, leaderId, Failures.unwrap(e).toString());
            delay(tp, target);
            return null;
          }));
        }
      }
      applied.add(outOfRange);
      return CompletableFuture.allOf(applied.toArray(CompletableFuture[]::new));
    });
  }

  /**
   * The leader refused the fetch offset as out of its range (Kafka's AbstractFetcherThread.fetchOffsetAndTruncate):
   * when the leader's log ends below this log's end (an unclean election made a replica with less the leader), this
   * log is truncated to the leader's end; when the leader's log starts above this log's end (records deleted by
   * DeleteRecords or retention while this replica was away), this log is emptied and restarts at the leader's log
   * start. Otherwise the next fetch simply tries again from this log's end.
   */
  private CompletionStage<Void> resolveOutOfRange(TopicPartition tp, PartitionHandle handle, Target target) {
    long replicaEnd = handle.logEndOffset();
    return leaderOffset(tp, target, ListOffsetsRequest.LATEST_TIMESTAMP).thenCompose(leaderEnd -> {
      if (leaderEnd < replicaEnd) {
        log.warn("{}: reset fetch offset from {} to leader {}'s end offset {}: its log ends below this replica's",
            tp, replicaEnd, leaderId, leaderEnd);
        return handle.truncateTo(leaderEnd, target.leaderEpoch()).thenApply(x -> (Void) null);
      }
      return leaderOffset(tp, target, ListOffsetsRequest.EARLIEST_TIMESTAMP).thenCompose(leaderStart -> {
        if (leaderStart <= replicaEnd) return CompletableFuture.<Void>completedFuture(null);
        log.warn("{}: this replica's log ends at {}, below leader {}'s log start offset {}; restarting it there",
            tp, replicaEnd, leaderId, leaderStart);
        return handle.truncateFullyAndStartAt(leaderStart, target.leaderEpoch()).thenApply(x -> (Void) null);
      });
    });
  }

  /** The leader's earliest or latest offset of {@code tp} (ListOffsets with this node's replica id: the log end). */
  private CompletionStage<Long> leaderOffset(TopicPartition tp, Target target, long timestamp) {
    var request = new ListOffsetsRequestData()
        .setReplicaId(nodeId)
        .setIsolationLevel((byte) 0)
        .setTopics(List.of(new ListOffsetsRequestData.ListOffsetsTopic().setName(tp.topic()).setPartitions(List.of(
            new ListOffsetsRequestData.ListOffsetsPartition().setPartitionIndex(tp.partition())
                .setCurrentLeaderEpoch(target.leaderEpoch()).setTimestamp(timestamp)))));
    return connection.listOffsets(request, LIST_OFFSETS_VERSION).thenApply(response -> {
      var answer = response.topics().get(0).partitions().get(0);
      if (answer.errorCode() != Errors.NONE.code()) {
        throw Errors.forCode(answer.errorCode()).exception("ListOffsets of " + tp + " from node " + leaderId + " failed");
      }
      return answer.offset();
    });
  }

  private FetchRequestData request(Map<TopicPartition, PartitionHandle> open, Map<TopicPartition, Target> current) {
    Map<Uuid, FetchRequestData.FetchTopic> topics = new HashMap<>();
    for (var e : open.entrySet()) {
      TopicPartition tp = e.getKey();
      PartitionHandle h = e.getValue();
      Target target = current.get(tp);
      topics.computeIfAbsent(target.topicId(), id -> new FetchRequestData.FetchTopic().setTopic(tp.topic()).setTopicId(id))
          .partitions().add(new FetchRequestData.FetchPartition()
              .setPartition(tp.partition())
              .setCurrentLeaderEpoch(target.leaderEpoch())
              .setFetchOffset(h.logEndOffset())
              .setLastFetchedEpoch(h.latestEpoch())
              .setLogStartOffset(h.logStartOffset())
              .setPartitionMaxBytes(settings.partitionMaxBytes()));
    }
    return new FetchRequestData()
        .setReplicaId(nodeId)
        .setMaxWaitMs((int) settings.maxWait().toMillis())
        .setMinBytes(settings.minBytes())
        .setMaxBytes(settings.maxBytes())
        .setIsolationLevel((byte) 0)
        .setSessionId(0)
        .setSessionEpoch(FetchMetadata.FINAL_EPOCH)
        .setTopics(new ArrayList<>(topics.values()));
  }

  /**
   * One partition's answer: truncate to a diverging epoch, or append the records, then take the high watermark and
   * the leader's log start offset.
   */
  private CompletionStage<Void> apply(TopicPartition tp, PartitionHandle handle, Target target,
                                      FetchResponseData.PartitionData p) {
    Errors error = Errors.forCode(p.errorCode());
    if (error != Errors.NONE) {
      log.debug("Fetch of {} from node {}: {}", tp, leaderId, error);
      delay(tp, target);
      return CompletableFuture.completedFuture(null);
    }
    var diverging = p.divergingEpoch();
    if (diverging.epoch() != -1 || diverging.endOffset() != -1) {
      long offset = truncationOffset(handle, diverging.epoch(), diverging.endOffset());
      log.info("{}: log diverged from leader {} at epoch {} (leader's end offset {}); truncating to {}",
          tp, leaderId, diverging.epoch(), diverging.endOffset(), offset);
      return handle.truncateTo(offset, target.leaderEpoch()).thenApply(x -> null);
    }
    var records = (MemoryRecords) p.records();
    CompletionStage<?> appended = records == null || records.sizeInBytes() == 0
        ? CompletableFuture.completedFuture(null)
        : handle.appendAsFollower(records, target.leaderEpoch());
    return appended.thenCompose(x -> {
      handle.followerHighWatermark(p.highWatermark(), target.leaderEpoch());
      lags.update(tp, leaderId, p.highWatermark(), handle.logEndOffset());
      // the leader's log start moved (DeleteRecords, retention): this replica's follows, as Kafka's follower's does
      long leaderStart = Math.min(p.logStartOffset(), handle.logEndOffset());
      if (leaderStart <= handle.logStartOffset()) return CompletableFuture.<Void>completedFuture(null);
      return handle.deleteRecordsBefore(leaderStart).thenApply(start -> (Void) null);
    });
  }

  /**
   * Where a follower truncates when the leader names a diverging epoch (Kafka's rule): to the smaller end of that
   * epoch when this log has it too; otherwise to the end of this log's own epoch at or below it (the next fetch
   * then names that epoch, and the leader checks again).
   */
  static long truncationOffset(PartitionHandle handle, int leaderEpoch, long leaderEndOffset) {
    long end = handle.logEndOffset();
    // the leader has no offset for the epoch: only what is known committed stays
    if (leaderEndOffset < 0) return Math.min(handle.highWatermark(), end);
    EpochEndOffset local = handle.endOffsetForEpoch(leaderEpoch);
    if (local.leaderEpoch() < 0 || local.endOffset() < 0) return Math.min(leaderEndOffset, end);
    if (local.leaderEpoch() == leaderEpoch) return Math.min(Math.min(leaderEndOffset, local.endOffset()), end);
    return Math.min(local.endOffset(), end);
  }

  private void delay(TopicPartition tp, Target target) {
    delayed.put(tp, new Delay(System.nanoTime() + settings.backoff().toNanos(), target.leaderEpoch()));
  }

  private void closeConnection() {
    if (connection != null) {
      connection.close();
      connection = null;
    }
  }
}
