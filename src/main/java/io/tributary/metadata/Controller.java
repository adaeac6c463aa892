package io.tributary.metadata;

import akka.actor.NoSerializationVerificationNeeded;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.SupervisorStrategy;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.StashBuffer;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.ClusterEvent;
import akka.cluster.UniqueAddress;
import akka.cluster.ddata.LWWRegister;
import akka.cluster.ddata.SelfUniqueAddress;
import akka.cluster.ddata.typed.javadsl.Replicator;
import akka.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import akka.cluster.typed.Cluster;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;

/**
 * The metadata Controller: the single writer of {@link MetadataState}, hosted by the {@link ControllerSeat} of the
 * oldest live member.
 *
 * <p>On start it reads the state with ReadMajority (again and again until a majority answers; never from this node
 * alone); if there is none it creates the cluster (a fresh cluster id). Either way it writes the state with the next
 * controller epoch before serving, so a Controller that ran before it (paused, or cut off) is overtaken. Requests
 * arriving meanwhile are stashed. It then serves one request at a time: a change is written with WriteMajority to
 * the durable key and answered only once a majority read confirms it still stands, so an acknowledged change (in
 * particular a producer-id block) survives a restart and a takeover. Requests that arrive during a write are
 * stashed.
 *
 * <p>Replies carry the resulting state so that the asking node can show it right away.
 *
 * <p>It also watches cluster membership itself: when the live members change it runs the elections of {@link
 * MetadataChanges#electLeaders} over every partition (new leaders from the ISR, ISRs without the nodes that are not
 * live) and writes the result in one majority write. Membership events only mark the elections due; one {@code
 * Reevaluate} at a time is queued behind them, so a burst of events costs one evaluation and one write. After a
 * takeover the elections always run once, since membership may have changed while no Controller watched it.
 *
 * <p>With {@code auto.leader.rebalance.enable} a timer checks every {@code leader.imbalance.check.interval.seconds}
 * whether preferred replicas lead their partitions, and moves leadership back where a broker's share of partitions it
 * prefers but does not lead is above {@code leader.imbalance.per.broker.percentage} ({@link LeaderElections#rebalance}),
 * in one majority write. A tick that comes while the Controller loads or writes runs once it serves again.
 */
public final class Controller {

  /** Everything the Controller's behaviour receives. */
  public sealed interface Command {}

  /** A request from a {@link ClusterMetadataService}; may come from any node. */
  public sealed interface Request extends Command, MetadataSerializable {
    ActorRef<Reply> replyTo();
  }

  /**
   * Creates a topic: {@code replicas} gives each partition's replicas explicitly (then {@code partitions} and
   * {@code replicationFactor} are ignored), or is empty and the Controller places {@code partitions} partitions of
   * {@code replicationFactor} replicas over the live nodes.
   */
  public record CreateTopic(String name, int partitions, int replicationFactor, List<List<Integer>> replicas,
                            Map<String, String> configs, boolean validateOnly, ActorRef<Reply> replyTo)
      implements Request {
    public CreateTopic {
      configs = Map.copyOf(configs);
      replicas = replicas.stream().map(List::copyOf).toList();
    }
  }

  public record DeleteTopic(String name, ActorRef<Reply> replyTo) implements Request {}

  /** Grows a topic to {@code totalCount} partitions; {@code replicas} places the new ones, or is empty (spread). */
  public record CreatePartitions(String name, int totalCount, List<List<Integer>> replicas, boolean validateOnly,
                                 ActorRef<Reply> replyTo) implements Request {
    public CreatePartitions {
      replicas = replicas.stream().map(List::copyOf).toList();
    }
  }

  public record ReplaceTopicConfigs(String name, Map<String, String> configs, boolean validateOnly, ActorRef<Reply> replyTo)
      implements Request {
    public ReplaceTopicConfigs {
      configs = Map.copyOf(configs);
    }
  }

  /**
   * Creates the offsets topic ({@link MetadataImage#OFFSETS_TOPIC}) over the live nodes unless it exists, with
   * {@code replicationFactor} replicas per partition, capped at the live nodes (Kafka's
   * offsets.topic.replication.factor).
   */
  public record EnsureOffsetsTopic(int partitions, int replicationFactor, ActorRef<Reply> replyTo) implements Request {}

  /**
   * Creates the internal topic {@code name} (the offsets topic or the transaction state topic, {@link
   * MetadataImage#TRANSACTION_STATE_TOPIC}) over the live nodes unless it exists, as {@link EnsureOffsetsTopic} does.
   */
  public record EnsureInternalTopic(String name, int partitions, int replicationFactor, ActorRef<Reply> replyTo)
      implements Request {}

  public record AllocateProducerIds(int count, ActorRef<Reply> replyTo) implements Request {}

  public record RegisterBroker(BrokerInfo broker, ActorRef<Reply> replyTo) implements Request {}

  /**
   * Kafka's AlterPartition: the leader {@code leaderId} of a partition, at {@code leaderEpoch} and {@code
   * partitionEpoch}, asks for its ISR to become {@code newIsr}. The topic is found by {@code topicId} unless that is
   * null or zero, then by {@code topic}. Answered with {@link PartitionAltered} or, refused, with Kafka's error (see
   * {@link MetadataChanges#alterPartition}).
   */
  public record AlterPartition(String topic, Uuid topicId, int partition, int leaderId, int leaderEpoch, int partitionEpoch,
                               List<Integer> newIsr, ActorRef<Reply> replyTo) implements Request {
    public AlterPartition {
      newIsr = List.copyOf(newIsr);
    }
  }

  /**
   * Kafka's ElectLeaders: a {@code type} election (PREFERRED or UNCLEAN) for each partition {@code partitions} names,
   * or for every partition when it is null, as the protocol has it. Answered with {@link LeadersElected}: one
   * result per named partition (see {@link LeaderElections#electLeaders}).
   */
  public record ElectLeaders(ElectionType type, List<ElectionTarget> partitions, ActorRef<Reply> replyTo) implements Request {
    public ElectLeaders {
      partitions = partitions == null ? null : List.copyOf(partitions);
    }
  }

  /** Partitions of one topic that an {@link ElectLeaders} names. */
  public record ElectionTarget(String topic, List<Integer> partitions) {
    public ElectionTarget {
      partitions = List.copyOf(partitions);
    }
  }

  /**
   * Kafka's AlterPartitionReassignments: for each named partition, start a reassignment to its target replicas, or
   * cancel the one in progress when the target is null. Answered with {@link ReassignmentsAltered}: one result per
   * named partition (see {@link Reassignments#alter}).
   */
  public record AlterReassignments(List<ReassignmentTarget> topics, ActorRef<Reply> replyTo) implements Request {
    public AlterReassignments {
      topics = List.copyOf(topics);
    }
  }

  /** Partitions of one topic that an {@link AlterReassignments} names. */
  public record ReassignmentTarget(String topic, List<PartitionTarget> partitions) {
    public ReassignmentTarget {
      partitions = List.copyOf(partitions);
    }
  }

  /** One partition's target replicas, in order (the first is the preferred leader); null cancels. */
  public record PartitionTarget(int partition, List<Integer> replicas) {
    public PartitionTarget {
      replicas = replicas == null ? null : List.copyOf(replicas);
    }
  }

  /** The Controller's answer to a {@link Request}. */
  public sealed interface Reply extends MetadataSerializable {}

  /** A reply to a request that was carried out (or, when validating only, would be). */
  public sealed interface Accepted extends Reply {
    /** The Controller's state after the request. */
    MetadataState state();
  }

  /** The topic as created, deleted or changed (or as it would be, when validating only). */
  public record TopicDone(TopicInfo topic, MetadataState state) implements Accepted {}

  /** Producer ids {@code firstId .. firstId + count - 1} are reserved, durably. */
  public record ProducerIdsAllocated(long firstId, MetadataState state) implements Accepted {}

  /** The broker is registered. */
  public record BrokerRegistered(MetadataState state) implements Accepted {}

  /** The partition after an {@link AlterPartition}: its new ISR and partition epoch (or as it was, if unchanged). */
  public record PartitionAltered(PartitionInfo partition, MetadataState state) implements Accepted {}

  /** The outcome of an {@link ElectLeaders}, per topic in the order asked (every topic's, when it named none). */
  public record LeadersElected(List<TopicElections> topics, MetadataState state) implements Accepted {
    public LeadersElected {
      topics = List.copyOf(topics);
    }
  }

  /** The elections of one topic's partitions. */
  public record TopicElections(String topic, List<PartitionElection> partitions) {
    public TopicElections {
      partitions = List.copyOf(partitions);
    }
  }

  /** One partition's election: Kafka's error code ({@code NONE} when it got a new leader) and message (null for none). */
  public record PartitionElection(int partition, short errorCode, String message) {}

  /** The outcome of an {@link AlterReassignments}, per topic in the order asked. */
  public record ReassignmentsAltered(List<TopicOutcomes> topics, MetadataState state) implements Accepted {
    public ReassignmentsAltered {
      topics = List.copyOf(topics);
    }
  }

  /** The outcomes of one topic's partitions. */
  public record TopicOutcomes(String topic, List<PartitionOutcome> partitions) {
    public TopicOutcomes {
      partitions = List.copyOf(partitions);
    }
  }

  /** One partition's outcome: Kafka's error code ({@code NONE} when done) and message (null for none). */
  public record PartitionOutcome(int partition, short errorCode, String message) {}

  /** The request failed with this Kafka error (see {@link Errors#exception(String)}). */
  public record Rejected(short errorCode, String message) implements Reply {
    static Rejected of(Errors error, String message) {
      return new Rejected(error.code(), message);
    }
  }

  private record Loaded(Replicator.GetResponse<LWWRegister<MetadataState>> response)
      implements Command, NoSerializationVerificationNeeded {}

  private record Written(Replicator.UpdateResponse<LWWRegister<MetadataState>> response)
      implements Command, NoSerializationVerificationNeeded {}

  private record Confirmed(Replicator.GetResponse<LWWRegister<MetadataState>> response)
      implements Command, NoSerializationVerificationNeeded {}

  private record Observed(Replicator.SubscribeResponse<LWWRegister<MetadataState>> response)
      implements Command, NoSerializationVerificationNeeded {}

  /** A change of cluster membership or reachability, as this node sees it. */
  private record MembershipChanged(Object event) implements Command, NoSerializationVerificationNeeded {}

  /** Time to run the elections over the membership as it is now (one at a time, however many changes came). */
  private enum Reevaluate implements Command, NoSerializationVerificationNeeded { INSTANCE }

  /**
   * A member seen unreachable at {@code since} has now been so for {@code tributary.metadata.leader-unreachable-grace}:
   * if it still is, the partitions it leads get new leaders. A timer per member sends it.
   */
  private record LeaderGraceOver(String member) implements Command, NoSerializationVerificationNeeded {}

  /** Time for the automatic preferred-leader rebalance ({@code auto.leader.rebalance.enable}); a timer sends it. */
  private enum CheckLeaderImbalance implements Command, NoSerializationVerificationNeeded { INSTANCE }

  /** The Controller's behaviour; {@code replicator} is the node-local metadata Replicator. */
  static Behavior<Command> create(ActorRef<Replicator.Command> replicator, MetadataSettings settings, LocalWrites localWrites) {
    Behavior<Command> controller = Behaviors.setup(ctx -> Behaviors.withStash(settings.stashCapacity(), stash -> {
      var adapter = new ReplicatorMessageAdapter<Command, LWWRegister<MetadataState>>(ctx, replicator, settings.replicatorAskTimeout());
      adapter.subscribe(MetadataStore.KEY, Observed::new);
      Cluster cluster = Cluster.get(ctx.getSystem());
      ctx.spawnAnonymous(MembershipFeed.create(ctx.getSelf(), MembershipChanged::new));
      var self = new SelfUniqueAddress(cluster.selfMember().uniqueAddress());
      return Behaviors.<Command>withTimers(timers -> {
        if (settings.autoLeaderRebalance()) {
          timers.startTimerWithFixedDelay(CheckLeaderImbalance.INSTANCE, settings.leaderImbalanceCheckInterval());
        }
        return new Controller(ctx, stash, adapter, self, settings, timers, LiveMembers.of(cluster.state()), localWrites).loading();
      });
    }));
    return Behaviors.supervise(controller)
        .onFailure(SupervisorStrategy.restartWithBackoff(
            settings.restartMinBackoff(), settings.restartMaxBackoff(), settings.restartRandomFactor()));
  }

  private final ActorContext<Command> ctx;
  private final StashBuffer<Command> stash;
  private final ReplicatorMessageAdapter<Command, LWWRegister<MetadataState>> replicator;
  private final SelfUniqueAddress self;
  private final MetadataSettings settings;
  private final TimerScheduler<Command> timers;
  /** Picks the start of each new topic's round-robin placement, as Kafka does. */
  private final Random random = new Random();
  /** The members as this Controller's own membership events showed them, in order. */
  private LiveMembers members;
  /** This node's metadata view, told which states are this Controller's unconfirmed writes. */
  private final LocalWrites localWrites;
  /** Membership changed since the last elections (or a takeover happened): elections are due. */
  private boolean electionsDue = true;
  /** A {@link Reevaluate} is on its way to this actor: membership events do not send another. */
  private boolean reevaluateQueued;
  /** The rebalance timer fired while this Controller was loading or writing: the check runs once it serves. */
  private boolean imbalanceCheckDue;

  private Controller(
      ActorContext<Command> ctx,
      StashBuffer<Command> stash,
      ReplicatorMessageAdapter<Command, LWWRegister<MetadataState>> replicator,
      SelfUniqueAddress self,
      MetadataSettings settings,
      TimerScheduler<Command> timers,
      LiveMembers members,
      LocalWrites localWrites) {
    this.ctx = ctx;
    this.localWrites = localWrites;
    this.stash = stash;
    this.replicator = replicator;
    this.self = self;
    this.settings = settings;
    this.timers = timers;
    this.members = members;
    members.unreachableSince().keySet().forEach(this::startLeaderGrace);
  }

  // ---- loading: read the state before serving ----

  /**
   * Reads the state from a majority of nodes, never from this node alone: a Controller in a minority must not
   * serve (and write) what may be stale. A read that does not complete is tried again.
   */
  private Behavior<Command> loading() {
    var consistency = new Replicator.ReadMajority(settings.readTimeout());
    replicator.askGet(replyTo -> new Replicator.Get<>(MetadataStore.KEY, consistency, replyTo), Loaded::new);
    return awaiting(Loaded.class, this::onLoaded);
  }

  /**
   * While the Controller waits for its Replicator's {@code answer} (loading, writing, confirming): requests are
   * stashed, membership changes and rebalance ticks are remembered for when it serves again, and anything else
   * (Observed, a stale answer) is dropped, since the awaited answer speaks for it.
   */
  private <T extends Command> Behavior<Command> awaiting(Class<T> answer, akka.japi.function.Function<T, Behavior<Command>> onAnswer) {
    return Behaviors.receive(Command.class)
        .onMessage(answer, onAnswer)
        .onMessage(Request.class, this::stashRequest)
        .onMessage(MembershipChanged.class, this::onMembershipChanged)
        .onMessage(LeaderGraceOver.class, this::onLeaderGraceOver)
        .onMessage(Reevaluate.class, r -> notNow())
        .onMessage(CheckLeaderImbalance.class, c -> checkLater())
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  private Behavior<Command> onLoaded(Loaded loaded) {
    var rsp = loaded.response();
    if (rsp instanceof Replicator.GetSuccess<LWWRegister<MetadataState>> found) {
      MetadataState state = found.get(MetadataStore.KEY).getValue();
      MetadataState takeover = state.withNextControllerEpoch();
      electionsDue = true; // membership may have changed while no Controller watched it
      ctx.getLog().info("Metadata Controller taking over cluster {} at version {} with controller epoch {}",
          state.clusterId(), state.version(), takeover.controllerEpoch());
      return writing(takeover, null, null);
    } else if (rsp instanceof Replicator.NotFound) {
      MetadataState initial = MetadataState.initial(Uuid.randomUuid().toString());
      ctx.getLog().info("No cluster metadata found: creating cluster {}", initial.clusterId());
      return writing(initial, null, null);
    }
    ctx.getLog().warn("Metadata majority read did not complete within {} ({}); reading again", settings.readTimeout(), rsp);
    return loading();
  }

  // ---- serving: one request at a time ----

  /**
   * Serves {@code state}: the requests stashed meanwhile first, then the elections if membership changed, then the
   * leader imbalance check if its timer fired meanwhile.
   */
  private Behavior<Command> serve(MetadataState state) {
    queueElectionsIfDue();
    if (imbalanceCheckDue) {
      imbalanceCheckDue = false;
      ctx.getSelf().tell(CheckLeaderImbalance.INSTANCE);
    }
    return stash.unstashAll(serving(state));
  }

  private Behavior<Command> serving(MetadataState state) {
    return Behaviors.receive(Command.class)
        .onMessage(Request.class, request -> onRequest(state, request))
        .onMessage(Observed.class, observed -> onObserved(state, observed))
        .onMessage(MembershipChanged.class, this::onMembershipChanged)
        .onMessage(LeaderGraceOver.class, this::onLeaderGraceOver)
        .onMessage(Reevaluate.class, r -> onReevaluate(state))
        .onMessage(CheckLeaderImbalance.class, c -> onCheckLeaderImbalance(state))
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  private MetadataChanges.Membership membership() {
    return new MetadataChanges.Membership(members.addresses(), random, settings.uncleanLeaderElection(),
        members.leadingAddresses(System.nanoTime(), settings.leaderUnreachableGrace()));
  }

  private Behavior<Command> onRequest(MetadataState state, Request request) {
    MetadataChanges.Outcome outcome = MetadataChanges.decide(state, request, membership());
    if (outcome.next() == state) {
      request.replyTo().tell(outcome.reply());
      return Behaviors.same();
    }
    return writing(outcome.next(), request, outcome.reply());
  }

  /**
   * Only this Controller writes in its epoch, so a newer state seen here was written by a Controller that took over
   * after it (e.g. on the other side of a partition that has healed): this one is stale and starts again from a
   * majority read.
   */
  private Behavior<Command> onObserved(MetadataState state, Observed observed) {
    if (observed.response() instanceof Replicator.Changed<LWWRegister<MetadataState>> changed) {
      MetadataState seen = changed.get(MetadataStore.KEY).getValue();
      if (seen.isNewerThan(state)) {
        ctx.getLog().warn("Metadata controller epoch {} version {} was written by another Controller; this one (epoch {}) steps down and reloads",
            seen.controllerEpoch(), seen.version(), state.controllerEpoch());
        return loading();
      }
    }
    return Behaviors.same();
  }

  // ---- elections: on membership changes, coalesced ----

  /**
   * Membership events come in bursts (a node's unreachability is seen by each observer, a restart is several
   * transitions): each one only marks the elections due, and at most one {@link Reevaluate} is queued behind them,
   * so the elections run once over the membership as it is by then.
   */
  private Behavior<Command> onMembershipChanged(MembershipChanged changed) {
    LiveMembers next = members.after(changed.event());
    if (!next.addresses().equals(members.addresses())) electionsDue = true;
    if (changed.event() instanceof ClusterEvent.UnreachableMember u) startLeaderGrace(u.member().uniqueAddress());
    if (changed.event() instanceof ClusterEvent.ReachableMember r) timers.cancel(graceKey(r.member().uniqueAddress()));
    if (changed.event() instanceof ClusterEvent.CurrentClusterState) {
      next.unreachableSince().keySet().forEach(this::startLeaderGrace);
      members.unreachableSince().keySet().stream().filter(m -> !next.unreachableSince().containsKey(m))
          .forEach(m -> timers.cancel(graceKey(m)));
      electionsDue = true;
    }
    members = next;
    queueElectionsIfDue();
    return Behaviors.same();
  }

  /**
   * An unreachable member leaves the ISRs at the next elections, but keeps leading for the grace: the elections run
   * again when it ends.
   */
  private void startLeaderGrace(UniqueAddress member) {
    String key = graceKey(member);
    if (!timers.isTimerActive(key)) timers.startSingleTimer(key, new LeaderGraceOver(key), settings.leaderUnreachableGrace());
  }

  private static String graceKey(UniqueAddress member) {
    return "leader-grace-" + member;
  }

  private Behavior<Command> onLeaderGraceOver(LeaderGraceOver over) {
    electionsDue = true;
    queueElectionsIfDue();
    return Behaviors.same();
  }

  private void queueElectionsIfDue() {
    if (electionsDue && !reevaluateQueued) {
      reevaluateQueued = true;
      ctx.getSelf().tell(Reevaluate.INSTANCE);
    }
  }

  /** While loading or writing: the elections stay due and are queued again once serving. */
  private Behavior<Command> notNow() {
    reevaluateQueued = false;
    return Behaviors.same();
  }

  /** Runs the elections over every partition; writes the result, if any, to a majority (one write for all). */
  private Behavior<Command> onReevaluate(MetadataState state) {
    reevaluateQueued = false;
    if (!electionsDue) return Behaviors.same();
    // a Controller whose own node is leaving no longer sees the cluster as it is (in the end it sees no one live):
    // it elects nothing, and its successor runs the elections when it takes over; the elections stay due
    if (!members.isUp(self.uniqueAddress())) return Behaviors.same();
    // nor does one that reaches no majority (its node was just resumed from a pause, or is cut off): it would elect
    // itself everywhere, and its node's Replicator would show that state locally until gossip overrides it
    if (!members.reachesMajority()) return Behaviors.same();
    electionsDue = false;
    MetadataState next = MetadataChanges.electLeaders(state, membership());
    if (next == state) return Behaviors.same();
    ctx.getLog().info("Live nodes now {}: {} partition(s) get a new leader or ISR (metadata version {})",
        membership().liveIds(state), changedPartitions(state, next), next.version());
    return writing(next, null, null);
  }

  // ---- automatic preferred-leader rebalance (auto.leader.rebalance.enable) ----

  private Behavior<Command> checkLater() {
    imbalanceCheckDue = true;
    return Behaviors.same();
  }

  /** Moves leadership back to preferred replicas where a broker's imbalance is above the percentage (one write). */
  private Behavior<Command> onCheckLeaderImbalance(MetadataState state) {
    var rebalanced = LeaderElections.rebalance(state, membership(), settings.leaderImbalancePerBrokerPercentage());
    if (rebalanced.next() == state) return Behaviors.same();
    ctx.getLog().info("Leader imbalance above {}%: preferred replicas lead {} again (metadata version {})",
        settings.leaderImbalancePerBrokerPercentage(), rebalanced.partitions(), rebalanced.next().version());
    return writing(rebalanced.next(), null, null);
  }

  private static long changedPartitions(MetadataState before, MetadataState after) {
    long changed = 0;
    for (var maps : List.of(List.of(before.topics(), after.topics()), List.of(before.internalTopics(), after.internalTopics()))) {
      for (TopicInfo topic : maps.get(1).values()) {
        TopicInfo old = maps.get(0).get(topic.name());
        for (int p = 0; p < topic.partitionCount(); p++) {
          if (old == null || p >= old.partitionCount() || old.partition(p) != topic.partition(p)) changed++;
        }
      }
    }
    return changed;
  }

  // ---- writing: persist a change, then reply ----

  /** {@code request} and {@code reply} are null for the Controller's own writes (the initial state, a takeover). */
  private Behavior<Command> writing(MetadataState next, Request request, Reply reply) {
    var consistency = new Replicator.WriteMajority(settings.writeTimeout());
    localWrites.writing(next);
    replicator.askUpdate(
        replyTo -> new Replicator.Update<>(
            MetadataStore.KEY, MetadataStore.register(self, MetadataState.EMPTY), consistency, replyTo,
            register -> MetadataStore.advance(register, self, next)),
        Written::new);
    return awaiting(Written.class, written -> onWritten(written.response(), next, request, reply));
  }

  private Behavior<Command> onWritten(
      Replicator.UpdateResponse<LWWRegister<MetadataState>> rsp, MetadataState next, Request request, Reply reply) {
    if (rsp instanceof Replicator.UpdateSuccess) return confirming(next, request, reply);
    localWrites.settled(next, false);
    if (rsp instanceof Replicator.UpdateTimeout) {
      // No majority confirmed it: never serve from it alone. It is stored here and may still spread (and take effect)
      // when a majority reads it, so the caller gets REQUEST_TIMED_OUT, as Kafka answers a request that may complete.
      ctx.getLog().warn("Metadata version {} (controller epoch {}) not confirmed by a majority within {}; reading the state from a majority again",
          next.version(), next.controllerEpoch(), settings.writeTimeout());
      if (request != null) {
        request.replyTo().tell(Rejected.of(Errors.REQUEST_TIMED_OUT,
            "The metadata change was not confirmed by a majority of nodes within " + settings.writeTimeout().toMillis() + " ms; it may still take effect."));
      }
      return loading();
    }
    // ModifyFailure: a newer state (another Controller's) is stored; StoreFailure: the durable store failed.
    ctx.getLog().warn("Metadata version {} not written ({}); re-reading the state", next.version(), rsp);
    if (request != null) {
      request.replyTo().tell(rsp instanceof Replicator.ModifyFailure
          ? Rejected.of(Errors.NOT_CONTROLLER, "The metadata changed concurrently; retry.")
          : Rejected.of(Errors.KAFKA_STORAGE_ERROR, "The metadata change could not be stored."));
    }
    return loading();
  }

  // ---- confirming: a majority still holds what was written ----

  /**
   * A majority acknowledged the write, but that only says each of them merged it: if another Controller took over
   * meanwhile (this one was paused, or cut off, while a newer node saw it unreachable), its newer epoch won the
   * merge and this change is lost. So the change is answered only once a majority read shows it still stands;
   * otherwise this Controller is stale, answers NOT_CONTROLLER and reads the state again.
   */
  private Behavior<Command> confirming(MetadataState next, Request request, Reply reply) {
    var consistency = new Replicator.ReadMajority(settings.readTimeout());
    replicator.askGet(replyTo -> new Replicator.Get<>(MetadataStore.KEY, consistency, replyTo), Confirmed::new);
    return awaiting(Confirmed.class, confirmed -> onConfirmed(confirmed.response(), next, request, reply));
  }

  private Behavior<Command> onConfirmed(
      Replicator.GetResponse<LWWRegister<MetadataState>> rsp, MetadataState next, Request request, Reply reply) {
    if (rsp instanceof Replicator.GetSuccess<LWWRegister<MetadataState>> found) {
      MetadataState stored = found.get(MetadataStore.KEY).getValue();
      if (!stored.isNewerThan(next)) {
        localWrites.settled(next, true);
        if (request != null) request.replyTo().tell(reply);
        return serve(next);
      }
      localWrites.settled(next, false);
      ctx.getLog().warn("Metadata epoch {} version {} was overtaken by epoch {} version {} written by another Controller; this one steps down and reloads",
          next.controllerEpoch(), next.version(), stored.controllerEpoch(), stored.version());
      if (request != null) {
        request.replyTo().tell(Rejected.of(Errors.NOT_CONTROLLER, "Another metadata controller took over; retry."));
      }
      return loading();
    }
    localWrites.settled(next, false);
    ctx.getLog().warn("Metadata version {} written but not confirmed by a majority read ({}); reading the state again", next.version(), rsp);
    if (request != null) {
      request.replyTo().tell(Rejected.of(Errors.REQUEST_TIMED_OUT,
          "The metadata change was written but not confirmed by a majority of nodes; it may still take effect."));
    }
    return loading();
  }

  private Behavior<Command> stashRequest(Request request) {
    if (stash.isFull()) {
      request.replyTo().tell(Rejected.of(Errors.REQUEST_TIMED_OUT, "The metadata Controller is busy; retry."));
    } else {
      stash.stash(request);
    }
    return Behaviors.same();
  }
}
