package io.tributary.txn;

import akka.actor.NoSerializationVerificationNeeded;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.PostStop;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.sharding.typed.ClusterShardingSettings;
import akka.cluster.sharding.typed.ShardingEnvelope;
import akka.cluster.sharding.typed.javadsl.ClusterSharding;
import akka.cluster.sharding.typed.javadsl.Entity;
import akka.cluster.sharding.typed.javadsl.EntityTypeKey;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.RecoveryCompleted;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.Effect;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import akka.persistence.typed.javadsl.RetentionCriteria;
import akka.persistence.typed.javadsl.SignalHandler;
import io.tributary.metadata.CoordinatorShards;
import io.tributary.metadata.NodePinnedAllocation;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * The transaction coordinator of one transactional id, Kafka's TransactionMetadata and the TransactionCoordinator
 * handling of it, as an event-sourced, sharded entity (entity id {@code <transactional id>@<node>}, persistence id
 * {@code txn|<transactional id>}). The node that leads partition {@code abs(hash(T)) % transaction.state.log.num.partitions}
 * of {@code __transaction_state} runs it; its journal is the groups' journal (LevelDB on one node, that replicated
 * partition in a cluster).
 *
 * <p>Commands decide ({@link TransactionRules}), events change: the command handler returns the event and the reply,
 * only {@link State#apply} changes the state. Kafka's "pending transition" needs no counterpart: an entity handles
 * one command at a time and stashes the next while an event is persisted. Side effects run once the event is
 * persisted: the reply, and for a prepared commit or abort the markers ({@link MarkerWriter}), whose completion comes
 * back as {@link MarkersWritten} and completes the transaction. A recovered entity in PrepareCommit/PrepareAbort
 * sends its markers again, as Kafka's coordinator does when it loads a partition.
 *
 * <p>A timer ({@code transaction.abort.timed.out.transaction.cleanup.interval.ms}) aborts an expired transaction with
 * a bumped epoch (so the producer is fenced) and forgets an id unused for {@code transactional.id.expiration.ms}.
 * Entities are not passivated, so that the timer runs; the coordinator starts the registered ids of a partition when
 * its node starts to lead it.
 */
public final class TransactionEntity
    extends EventSourcedBehavior<TransactionEntity.Command, TransactionEntity.Event, TransactionEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY = EntityTypeKey.create(Command.class, "txn");

  // ---------------------------------------------------------------- commands and replies

  public sealed interface Command {}

  /** The answer to InitProducerId (producer id and epoch) and, with only the error, to the other requests. */
  public record Result(short errorCode, long producerId, short producerEpoch) {
    static Result of(Errors error) {
      return new Result(error.code(), -1L, (short) -1);
    }

    public Errors error() {
      return Errors.forCode(errorCode);
    }
  }

  /** The verify-only AddPartitionsToTxn answer: one error per partition. */
  public record Verification(Map<TopicPartition, Short> errors) {
    public Verification {
      errors = Map.copyOf(errors);
    }
  }

  /**
   * InitProducerId with this transactional id; {@code expectedProducerId} -1 when the request carries none (KIP-360:
   * a producer that had an abortable error sends its producer id and epoch to get the epoch bumped).
   */
  public record InitProducerId(int transactionTimeoutMs, long expectedProducerId, short expectedProducerEpoch,
                               ActorRef<Result> replyTo) implements Command {}

  /** AddPartitionsToTxn (the client's form, which adds). */
  public record AddPartitions(long producerId, short producerEpoch, List<TopicPartition> partitions,
                              ActorRef<Result> replyTo) implements Command {
    public AddPartitions {
      partitions = List.copyOf(partitions);
    }
  }

  /** AddPartitionsToTxn's verify-only form (a broker checking a transactional produce, KIP-890). */
  public record VerifyPartitions(long producerId, short producerEpoch, List<TopicPartition> partitions,
                                 ActorRef<Verification> replyTo) implements Command {
    public VerifyPartitions {
      partitions = List.copyOf(partitions);
    }
  }

  /** AddOffsetsToTxn: the group's offsets take part in the transaction. */
  public record AddOffsets(long producerId, short producerEpoch, String groupId, ActorRef<Result> replyTo)
      implements Command {}

  /** EndTxn. */
  public record EndTransaction(long producerId, short producerEpoch, boolean commit, ActorRef<Result> replyTo)
      implements Command {}

  /** DescribeTransactions / ListTransactions: the state ({@link State#exists} false for an unknown id). */
  public record Describe(ActorRef<State> replyTo) implements Command {}

  /** This node no longer leads the id's partition (Kafka's onResignation): the entity stops. */
  public record Unload() implements Command {}

  // internal: never cross nodes
  record ProducerIdAllocated(InitProducerId request, long producerId, String failure)
      implements Command, NoSerializationVerificationNeeded {}

  record MarkersWritten(long producerId, short producerEpoch, boolean commit)
      implements Command, NoSerializationVerificationNeeded {}

  /** The marker writer gave up (it does so only once this entity stopped). */
  record MarkersAbandoned(String reason) implements Command, NoSerializationVerificationNeeded {}

  enum Tick implements Command, NoSerializationVerificationNeeded {
    INSTANCE
  }

  // ---------------------------------------------------------------- events and state

  /** Kafka's transaction states, with Kafka's names. PrepareEpochFence is never persisted here (see TransactionRules). */
  public enum Status {
    EMPTY("Empty"),
    ONGOING("Ongoing"),
    PREPARE_COMMIT("PrepareCommit"),
    PREPARE_ABORT("PrepareAbort"),
    COMPLETE_COMMIT("CompleteCommit"),
    COMPLETE_ABORT("CompleteAbort"),
    DEAD("Dead");

    public final String kafkaName;

    Status(String kafkaName) {
      this.kafkaName = kafkaName;
    }

    boolean preparing() {
      return this == PREPARE_COMMIT || this == PREPARE_ABORT;
    }

    boolean idle() {
      return this == EMPTY || this == COMPLETE_COMMIT || this == COMPLETE_ABORT;
    }
  }

  public sealed interface Event {}

  /** InitProducerId: a producer id and epoch (a new one, or the epoch bumped), and the previous ones. */
  public record ProducerIdInitialized(long producerId, long lastProducerId, short producerEpoch,
                                      short lastProducerEpoch, int timeoutMs, long timestamp) implements Event {}

  /** AddPartitionsToTxn or AddOffsetsToTxn: the transaction is ongoing with these partitions and groups too. */
  public record PartitionsAdded(List<TopicPartition> partitions, List<String> groups, long timestamp) implements Event {
    public PartitionsAdded {
      partitions = List.copyOf(partitions);
      groups = List.copyOf(groups);
    }
  }

  /** EndTxn, or an abort by the coordinator (with the epoch bumped to fence the producer): markers are to be written. */
  public record TransactionPrepared(boolean commit, short producerEpoch, short lastProducerEpoch, long timestamp)
      implements Event {}

  /** Every marker is written: the transaction is complete. */
  public record TransactionCompleted(long timestamp) implements Event {}

  /** transactional.id.expiration.ms passed without a transaction: the id is forgotten. */
  public record TransactionalIdExpired(long timestamp) implements Event {}

  /**
   * Kafka's TransactionMetadata (also the snapshot). {@code partitions} and {@code groups} are those of the current
   * transaction (the groups of AddOffsetsToTxn, whose offsets are completed with it); timestamps in ms, {@code
   * startTimestamp} -1 without a transaction. Immutable; only {@link #apply} makes the next one.
   */
  public record State(long producerId, long lastProducerId, short producerEpoch, short lastProducerEpoch, int timeoutMs,
                      Status status, Set<TopicPartition> partitions, Set<String> groups, long startTimestamp,
                      long lastUpdateTimestamp) {

    public static final State INITIAL = new State(-1L, -1L, (short) -1, (short) -1, 0, Status.DEAD, Set.of(), Set.of(), -1L, -1L);

    public State {
      partitions = Collections.unmodifiableSet(new LinkedHashSet<>(partitions));
      groups = Collections.unmodifiableSet(new LinkedHashSet<>(groups));
    }

    /** Whether the id has a producer id (Kafka has metadata for it). */
    public boolean exists() {
      return status != Status.DEAD;
    }

    State apply(Event event) {
      if (event instanceof ProducerIdInitialized e) {
        return new State(e.producerId(), e.lastProducerId(), e.producerEpoch(), e.lastProducerEpoch(), e.timeoutMs(),
            Status.EMPTY, Set.of(), Set.of(), -1L, e.timestamp());
      } else if (event instanceof PartitionsAdded e) {
        boolean starting = status != Status.ONGOING;
        var ps = new LinkedHashSet<>(starting ? Set.<TopicPartition>of() : partitions);
        ps.addAll(e.partitions());
        var gs = new LinkedHashSet<>(starting ? Set.<String>of() : groups);
        gs.addAll(e.groups());
        return new State(producerId, lastProducerId, producerEpoch, lastProducerEpoch, timeoutMs, Status.ONGOING, ps, gs,
            starting ? e.timestamp() : startTimestamp, e.timestamp());
      } else if (event instanceof TransactionPrepared e) {
        return new State(producerId, lastProducerId, e.producerEpoch(), e.lastProducerEpoch(), timeoutMs,
            e.commit() ? Status.PREPARE_COMMIT : Status.PREPARE_ABORT, partitions, groups, startTimestamp, e.timestamp());
      } else if (event instanceof TransactionCompleted e) {
        var done = status == Status.PREPARE_COMMIT ? Status.COMPLETE_COMMIT : Status.COMPLETE_ABORT;
        return new State(producerId, lastProducerId, producerEpoch, lastProducerEpoch, timeoutMs, done, Set.of(), Set.of(),
            startTimestamp, e.timestamp());
      } else if (event instanceof TransactionalIdExpired) {
        return INITIAL;
      }
      throw new IllegalArgumentException("unknown event " + event);
    }
  }

  // ---------------------------------------------------------------- construction

  /** Where InitProducerId gets new producer ids (the node's blocks reserved through the Controller). */
  @FunctionalInterface
  public interface ProducerIdSource {
    java.util.concurrent.CompletionStage<Long> nextId();
  }

  /**
   * Registers the entity with cluster sharding on this node: shards are transaction-state partitions on a node
   * ({@code 17@2}), which {@link NodePinnedAllocation} starts on that node; entities are not passivated (their timer
   * aborts expired transactions).
   */
  public static ActorRef<ShardingEnvelope<Command>> init(ActorSystem<?> system, TransactionSettings settings,
                                                        ProducerIdSource producerIds, MarkerWriter markers) {
    return ClusterSharding.get(system).init(Entity.of(ENTITY_KEY, ctx ->
            create(NodePinnedAllocation.keyOf(ctx.getEntityId()), settings, producerIds, markers, System::currentTimeMillis))
        .withMessageExtractor(new CoordinatorShards.ByKeyPartition<Command>(settings.partitions()))
        .withAllocationStrategy(new NodePinnedAllocation(system))
        .withSettings(ClusterShardingSettings.create(system).withNoPassivationStrategy()));
  }

  /** The entity of {@code transactionalId} coordinated by node {@code nodeId}. */
  public static String entityId(String transactionalId, int nodeId) {
    return NodePinnedAllocation.shardId(transactionalId, nodeId);
  }

  /** Kafka's partitionFor: the transaction-state partition of {@code transactionalId}. */
  public static int partitionFor(String transactionalId, int partitions) {
    return CoordinatorShards.partitionFor(transactionalId, partitions);
  }

  public static Behavior<Command> create(String transactionalId, TransactionSettings settings, ProducerIdSource producerIds,
                                         MarkerWriter markers, LongSupplier clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers ->
        new TransactionEntity(transactionalId, settings, producerIds, markers, clock, ctx, timers)));
  }

  private final String transactionalId;
  private final TransactionSettings settings;
  private final ProducerIdSource producerIds;
  private final MarkerWriter markers;
  private final LongSupplier clock;
  private final ActorContext<Command> ctx;
  private final TransactionRules rules;
  /** Cleared when the entity stops, so that a marker writer still retrying for it gives up. */
  private final AtomicBoolean running = new AtomicBoolean(true);
  /** The prepared transaction whose markers are being written (at most one writer per transaction). */
  private TransactionPrepared writing;
  /** InitProducerId requests waiting for a new producer id. */
  private int allocating;

  private TransactionEntity(String transactionalId, TransactionSettings settings, ProducerIdSource producerIds,
                            MarkerWriter markers, LongSupplier clock, ActorContext<Command> ctx,
                            TimerScheduler<Command> timers) {
    super(PersistenceId.of(ENTITY_KEY.name(), transactionalId, "|"), SupervisorStrategy.restartWithBackoff(
        settings.journalFailureMinBackoff(), settings.journalFailureMaxBackoff(), settings.journalFailureRandomFactor()));
    this.transactionalId = transactionalId;
    this.settings = settings;
    this.producerIds = producerIds;
    this.markers = markers;
    this.clock = clock;
    this.ctx = ctx;
    this.rules = new TransactionRules(settings);
    timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.abortTimedOutInterval());
  }

  @Override
  public State emptyState() {
    return State.INITIAL;
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(settings.snapshotEvery(), settings.keepSnapshots()).withDeleteEventsOnSnapshot();
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecovered)
        .onSignal(PostStop.instance(), s -> running.set(false))
        .build();
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(InitProducerId.class, (s, c) -> onInit(s, c, -1L))
        .onCommand(ProducerIdAllocated.class, this::onProducerIdAllocated)
        .onCommand(AddPartitions.class, (s, c) -> decided(rules.addPartitions(s, c.producerId(), c.producerEpoch(),
            c.partitions(), List.of(), clock.getAsLong()), c.replyTo()))
        .onCommand(AddOffsets.class, (s, c) -> decided(rules.addPartitions(s, c.producerId(), c.producerEpoch(),
            List.of(), List.of(c.groupId()), clock.getAsLong()), c.replyTo()))
        .onCommand(VerifyPartitions.class, (s, c) -> Effect().reply(c.replyTo(), rules.verify(s, c.producerId(),
            c.producerEpoch(), c.partitions())))
        .onCommand(EndTransaction.class, (s, c) -> decided(rules.endTransaction(s, c.producerId(), c.producerEpoch(),
            c.commit(), clock.getAsLong()), c.replyTo()))
        .onCommand(Describe.class, (s, c) -> Effect().reply(c.replyTo(), s))
        .onCommand(MarkersWritten.class, this::onMarkersWritten)
        .onCommand(MarkersAbandoned.class, (s, c) -> {
          writing = null;
          return Effect().none();
        })
        .onCommand(Tick.class, (s, c) -> onTick(s))
        .onCommand(Unload.class, (s, c) -> Effect().stop())
        .build();
  }

  // ---------------------------------------------------------------- InitProducerId

  private Effect<Event, State> onInit(State s, InitProducerId c, long allocated) {
    var decision = rules.initProducerId(s, c.transactionTimeoutMs(), c.expectedProducerId(), c.expectedProducerEpoch(),
        allocated, clock.getAsLong());
    if (decision instanceof TransactionRules.NeedProducerId) {
      allocating++;
      ctx.pipeToSelf(producerIds.nextId(), (id, error) ->
          new ProducerIdAllocated(c, id == null ? -1L : id, error == null ? null : error.toString()));
      return Effect().none();
    }
    return decided(decision, c.replyTo());
  }

  private Effect<Event, State> onProducerIdAllocated(State s, ProducerIdAllocated c) {
    allocating--;
    if (c.failure() != null) {
      ctx.getLog().warn("Transactional id {}: no producer id could be allocated: {}", transactionalId, c.failure());
      // Kafka's coordinator answers a failed producer-id block request with a retriable error
      return Effect().reply(c.request().replyTo(), Result.of(Errors.COORDINATOR_NOT_AVAILABLE));
    }
    return onInit(s, c.request(), c.producerId());
  }

  // ---------------------------------------------------------------- outcomes

  /** A refusal is answered at once; an accepted request persists its event, then answers and runs its side effects. */
  private Effect<Event, State> decided(TransactionRules.Decision decision, ActorRef<Result> replyTo) {
    if (decision instanceof TransactionRules.Refuse r) return Effect().reply(replyTo, Result.of(r.error()));
    var accept = (TransactionRules.Accept) decision;
    if (accept.event() == null) return Effect().reply(replyTo, Result.of(accept.reply()));
    return Effect().persist(accept.event()).thenRun(s -> {
      replyTo.tell(accept.reply() == Errors.NONE
          ? new Result(Errors.NONE.code(), s.producerId(), s.producerEpoch())
          : Result.of(accept.reply()));
      afterPersist(s, accept.event());
    });
  }

  private void afterPersist(State s, Event event) {
    if (event instanceof TransactionPrepared prepared) writeMarkers(s, prepared);
  }

  private void writeMarkers(State s, TransactionPrepared prepared) {
    if (prepared.equals(writing)) return;
    writing = prepared;
    ctx.getLog().debug("Transactional id {}: writing {} markers to {} and groups {}", transactionalId,
        prepared.commit() ? "commit" : "abort", s.partitions(), s.groups());
    var done = markers.write(new MarkerWriter.Markers(transactionalId, s.producerId(), prepared.producerEpoch(),
        prepared.commit(), List.copyOf(s.partitions()), List.copyOf(s.groups())), running::get);
    ctx.pipeToSelf(done, (x, error) -> {
      // the writer retries until it succeeds or this entity stops; a failure here means it gave up
      if (error != null) return new MarkersAbandoned(error.toString());
      return new MarkersWritten(s.producerId(), prepared.producerEpoch(), prepared.commit());
    });
  }

  private Effect<Event, State> onMarkersWritten(State s, MarkersWritten c) {
    writing = null;
    boolean same = s.producerId() == c.producerId() && s.producerEpoch() == c.producerEpoch()
        && s.status() == (c.commit() ? Status.PREPARE_COMMIT : Status.PREPARE_ABORT);
    if (!same) return Effect().none();
    return Effect().persist(new TransactionCompleted(clock.getAsLong())).thenRun(x ->
        ctx.getLog().debug("Transactional id {}: {} completed", transactionalId, x.status().kafkaName));
  }

  // ---------------------------------------------------------------- timers and recovery

  private Effect<Event, State> onTick(State s) {
    long now = clock.getAsLong();
    // nothing to keep running for (a describe of an unknown id started it), unless a first InitProducerId is under way
    if (!s.exists()) return allocating > 0 ? Effect().none() : Effect().stop();
    var aborted = rules.abortIfTimedOut(s, now);
    if (aborted != null) {
      ctx.getLog().info("Transactional id {}: transaction of producer {} timed out after {} ms; aborting it with epoch {}",
          transactionalId, s.producerId(), s.timeoutMs(), aborted.producerEpoch());
      return Effect().persist(aborted).thenRun(x -> afterPersist(x, aborted));
    }
    if (s.status().idle() && now - s.lastUpdateTimestamp() >= settings.idExpirationMs()) {
      ctx.getLog().info("Transactional id {} expired after {} ms without a transaction", transactionalId, settings.idExpirationMs());
      return Effect().persist(new TransactionalIdExpired(now)).thenStop();
    }
    return Effect().none();
  }

  /** As Kafka's coordinator on loading a partition: a transaction that was prepared is completed. */
  private void onRecovered(State s) {
    if (s.status().preparing()) {
      var prepared = new TransactionPrepared(s.status() == Status.PREPARE_COMMIT, s.producerEpoch(),
          s.lastProducerEpoch(), s.lastUpdateTimestamp());
      ctx.getLog().info("Transactional id {}: recovered in {}; writing its markers", transactionalId, s.status().kafkaName);
      writeMarkers(s, prepared);
    }
  }

}
