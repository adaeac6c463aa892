package io.tributary.txn;

import akka.actor.typed.ActorSystem;
import io.tributary.concurrent.Failures;
import io.tributary.metadata.BrokerInfo;
import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.MetadataService;
import io.tributary.metadata.TopicInfo;
import io.tributary.partition.BrokerConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarker;
import org.apache.kafka.common.message.WriteTxnMarkersRequestData.WritableTxnMarkerTopic;
import org.apache.kafka.common.message.WriteTxnMarkersResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's {@link MarkerWriter} (Kafka's TransactionBrokerChannelManager with its completion handler): markers go
 * as WriteTxnMarkers requests over the Kafka protocol to each partition's leader (one {@link BrokerChannel} per
 * node), and groups are told to complete their transactional offsets ({@link GroupCompletion}). What fails is tried
 * again after {@code markers.retry-backoff} against the metadata of then: a partition whose leader moved is sent to
 * the new leader, a partition of a deleted topic needs no marker. Thread-safe.
 */
public final class TransactionMarkers implements MarkerWriter {
  private static final Logger log = LoggerFactory.getLogger(TransactionMarkers.class);

  /** Completes a group's transactional offsets of a producer, wherever the group's coordinator runs. */
  @FunctionalInterface
  public interface GroupCompletion {
    CompletionStage<Void> complete(String groupId, long producerId, short producerEpoch, boolean commit);
  }

  private final ActorSystem<?> system;
  private final MetadataService metadata;
  private final GroupCompletion groups;
  private final TransactionSettings settings;
  private final BrokerChannels channels;

  public TransactionMarkers(ActorSystem<?> system, MetadataService metadata, GroupCompletion groups,
                            TransactionSettings settings, BrokerChannels channels) {
    this.system = system;
    this.metadata = metadata;
    this.groups = groups;
    this.settings = settings;
    this.channels = channels;
  }

  @Override
  public CompletionStage<Void> write(Markers markers, BooleanSupplier wanted) {
    var result = new CompletableFuture<Void>();
    // the sets shrink from the callbacks of several channels at once
    Set<TopicPartition> partitions = ConcurrentHashMap.newKeySet();
    partitions.addAll(markers.partitions());
    Set<String> groupIds = ConcurrentHashMap.newKeySet();
    groupIds.addAll(markers.groups());
    attempt(markers, partitions, groupIds, wanted, result);
    return result;
  }

  private void attempt(Markers m, Set<TopicPartition> partitions, Set<String> groupIds, BooleanSupplier wanted,
                       CompletableFuture<Void> result) {
    if (partitions.isEmpty() && groupIds.isEmpty()) {
      result.complete(null);
      return;
    }
    if (!wanted.getAsBoolean()) {
      result.completeExceptionally(new IllegalStateException("The coordinator of " + m.transactionalId() + " stopped"));
      return;
    }
    MetadataImage image = metadata.current();
    var steps = new ArrayList<CompletableFuture<Void>>();
    var byLeader = new HashMap<Integer, List<TopicPartition>>();
    for (TopicPartition tp : List.copyOf(partitions)) {
      var topic = image.anyTopic(tp.topic());
      if (topic.isEmpty() || tp.partition() >= topic.get().partitionCount()) {
        log.info("Transactional id {}: {} no longer exists; it needs no marker", m.transactionalId(), tp);
        partitions.remove(tp);
        continue;
      }
      int leader = topic.get().leader(tp.partition());
      if (leader >= 0) byLeader.computeIfAbsent(leader, l -> new ArrayList<>()).add(tp);
    }
    Map<Integer, BrokerInfo> live = metadata.liveBrokers();
    int coordinatorEpoch = coordinatorEpoch(image, m.transactionalId());
    byLeader.forEach((leader, tps) -> {
      BrokerInfo broker = live.get(leader);
      if (broker == null) return; // not live: tried again once the metadata names a live leader
      var request = request(m, tps, coordinatorEpoch);
      steps.add(channels.to(leader)
          .send(BrokerConnection.addressOf(broker), request)
          .thenAccept(response -> written(m, response, partitions))
          .exceptionally(e -> {
            log.debug("Transactional id {}: markers to node {} failed: {}", m.transactionalId(), leader, Failures.unwrap(e).toString());
            return null;
          }).toCompletableFuture());
    });
    for (String group : List.copyOf(groupIds)) {
      steps.add(groups.complete(group, m.producerId(), m.producerEpoch(), m.commit())
          .thenRun(() -> groupIds.remove(group))
          .exceptionally(e -> {
            log.debug("Transactional id {}: group {} not completed yet: {}", m.transactionalId(), group, Failures.unwrap(e).toString());
            return null;
          }).toCompletableFuture());
    }
    CompletableFuture.allOf(steps.toArray(CompletableFuture[]::new)).whenComplete((x, e) -> {
      if (partitions.isEmpty() && groupIds.isEmpty()) {
        result.complete(null);
      } else {
        after(settings.markerRetryBackoff()).thenRun(() -> attempt(m, partitions, groupIds, wanted, result));
      }
    });
  }

  /** Kafka's TransactionMarkerRequestCompletionHandler, per partition: what is done leaves {@code pending}. */
  private static void written(Markers m, WriteTxnMarkersResponseData response, Set<TopicPartition> pending) {
    for (var marker : response.markers()) {
      for (var topic : marker.topics()) {
        for (var p : topic.partitions()) {
          var tp = new TopicPartition(topic.name(), p.partitionIndex());
          Errors error = Errors.forCode(p.errorCode());
          switch (error) {
            case NONE -> pending.remove(tp);
            case INVALID_PRODUCER_EPOCH, TRANSACTION_COORDINATOR_FENCED -> {
              // the partition has seen a newer epoch or coordinator: this marker is obsolete there
              log.warn("Transactional id {}: {} refused the marker with {}; it is not sent again", m.transactionalId(), tp, error);
              pending.remove(tp);
            }
            default -> log.debug("Transactional id {}: marker for {} failed with {}; retrying", m.transactionalId(), tp, error);
          }
        }
      }
    }
  }

  private static WriteTxnMarkersRequestData request(Markers m, List<TopicPartition> partitions, int coordinatorEpoch) {
    var byTopic = new HashMap<String, List<Integer>>();
    partitions.forEach(tp -> byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
    var topics = new ArrayList<WritableTxnMarkerTopic>();
    byTopic.forEach((name, ps) -> topics.add(new WritableTxnMarkerTopic().setName(name).setPartitionIndexes(ps)));
    return new WriteTxnMarkersRequestData().setMarkers(List.of(new WritableTxnMarker()
        .setProducerId(m.producerId())
        .setProducerEpoch(m.producerEpoch())
        .setTransactionResult(m.commit())
        .setCoordinatorEpoch(coordinatorEpoch)
        .setTopics(topics)));
  }

  /** The coordinator epoch of markers: the leader epoch of the id's transaction-state partition (0 when unknown). */
  private int coordinatorEpoch(MetadataImage image, String transactionalId) {
    return image.transactionStateTopic().map((TopicInfo t) ->
        t.leaderEpoch(TransactionEntity.partitionFor(transactionalId, t.partitionCount()))).orElse(0);
  }

  private CompletionStage<Void> after(Duration delay) {
    var done = new CompletableFuture<Void>();
    system.scheduler().scheduleOnce(delay, () -> done.complete(null), system.executionContext());
    return done;
  }
}
