package io.tributary.group;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.Done;
import akka.actor.NoSerializationVerificationNeeded;
import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.ManualTime;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.javadsl.AskPattern;
import akka.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import akka.persistence.typed.PersistenceId;
import akka.persistence.typed.javadsl.CommandHandler;
import akka.persistence.typed.javadsl.EventHandler;
import akka.persistence.typed.javadsl.EventSourcedBehavior;
import io.tributary.group.GroupEntity.Command;
import io.tributary.group.GroupEntity.Event;
import io.tributary.group.GroupEntity.State;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

/**
 * Property: whatever a group goes through, the state it has live equals the state rebuilt by
 * replaying its journal (latest snapshot plus later events) from scratch. Random but seeded
 * sequences of JoinGroup, SyncGroup, Heartbeat, LeaveGroup, OffsetCommit, OffsetDelete, topic
 * removal, DeleteGroups, timer expiry (manual time) and entity restarts drive one group entity;
 * after every step a separate replaying behavior recovers the same persistence id and must arrive
 * at the same state. The live group as DescribeGroups shows it must also agree with the durable
 * state where the protocol says they coincide (Stable, CompletingRebalance, Dead).
 *
 * <p>The seeds are printed; rerun one with {@code -Dtributary.test.seed=<first seed>}.
 */
class GroupReplayPropertyTest {

  private static final int SEEDS = 20;
  private static final int STEPS = 200;
  private static final int CLIENTS = 4;
  private static final Duration NEVER = Duration.ofDays(1000);

  /** Recovers the entity's persistence id with the entity's own event handler ({@link State#apply}) and tells the state. */
  static final class Replay extends EventSourcedBehavior<Replay.Get, Event, State> {
    record Get(ActorRef<State> replyTo) implements NoSerializationVerificationNeeded {}

    Replay(PersistenceId id) {
      super(id);
    }

    @Override
    public State emptyState() {
      return State.INITIAL;
    }

    @Override
    public CommandHandler<Get, Event, State> commandHandler() {
      // one answer, then gone: each check recovers a fresh one
      return newCommandHandlerBuilder().forAnyState().onCommand(Get.class, (s, c) -> Effect().stop().thenReply(c.replyTo(), x -> s)).build();
    }

    @Override
    public EventHandler<State, Event> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onAnyEvent(State::apply);
    }
  }

  @Test
  void liveStateEqualsReplayedStateAfterEveryStep() {
    long first = Long.getLong("tributary.test.seed", new Random().nextLong());
    System.out.println("GroupReplayPropertyTest seeds " + first + " .. " + (first + SEEDS - 1));
    for (int i = 0; i < SEEDS; i++) new Run(first + i).run();
  }

  /** Offsets retention of the entity under test. */
  private static final long RETENTION_MS = 60_000;

  /** One seed: its own actor system, clock and group. */
  private static final class Run {
    final long seed;
    final Random random;
    final ActorTestKit testKit = ActorTestKit.create(GroupEntityTest.testConfig());
    final ManualTime manualTime = ManualTime.get(testKit.system());
    final AtomicLong now = new AtomicLong(1_000_000L);
    final String groupId;
    final EventSourcedBehaviorTestKit<Command, Event, State> kit;
    final List<Client> clients = new ArrayList<>();
    /** Replies that arrived (completed on the entity's thread), handled at the start of the next step. */
    final Queue<Runnable> arrived = new ConcurrentLinkedQueue<>();
    String step = "start";

    Run(long seed) {
      this.seed = seed;
      this.random = new Random(seed);
      this.groupId = "g" + Long.toHexString(seed);
      var settings = GroupEntityTest.settings(random.nextBoolean() ? 0 : 3000, random.nextBoolean() ? 3 : 1000, RETENTION_MS, 5_000);
      // events and state go through the serializer; the timer commands sent directly are node-local and have none
      kit = EventSourcedBehaviorTestKit.create(testKit.system(), GroupEntity.create(groupId, settings, now::get),
          EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyCommands(false));
      for (int i = 0; i < CLIENTS; i++) clients.add(new Client(i, i == CLIENTS - 1 ? "static-" + i : null));
    }

    void run() {
      System.out.println("seed " + seed);
      try {
        for (int n = 0; n < STEPS; n++) {
          deliverReplies();
          step = "seed " + seed + " step " + n + ": " + randomStep();
          check();
        }
      } finally {
        testKit.shutdownTestKit();
      }
    }

    // ------------------------------------------------------------ steps

    String randomStep() {
      var c = clients.get(random.nextInt(CLIENTS));
      int dice = random.nextInt(100);
      if (dice < 22) return join(c);
      if (dice < 36) return sync(c);
      if (dice < 50) return heartbeat(c);
      if (dice < 56) return leave(c);
      if (dice < 70) return commit(c);
      if (dice < 73) return deleteOffsets();
      if (dice < 75) return removeTopic();
      if (dice < 78) return deleteGroup();
      if (dice < 92) return timePasses();
      if (dice < 95) return timerMessage(c);
      return restart();
    }

    String join(Client c) {
      if (c.joining) return heartbeat(c);
      short version = new short[] {3, 5, 9}[random.nextInt(3)];
      var topics = random.nextInt(4) == 0 ? new String[] {"t1", "t2"} : new String[] {"t1"};
      int session = 6_000 + random.nextInt(3) * 4_000;
      int rebalance = 10_000 + random.nextInt(3) * 10_000;
      c.joining = true;
      var memberId = c.memberId;
      send(replyTo -> new GroupEntity.Join(memberId, c.instanceId, "consumer", protocols(topics), session, rebalance,
          "client-" + c.index, "/127.0.0.1", version, replyTo), (JoinGroupResponseData r) -> c.onJoin(r));
      return "join " + c + " v" + version;
    }

    String sync(Client c) {
      if (c.memberId.isEmpty() || c.syncing) return heartbeat(c);
      var assignments = new HashMap<String, byte[]>();
      if (c.leader) for (var m : c.members) assignments.put(m, new byte[] {(byte) random.nextInt(100)});
      c.syncing = true;
      int generation = c.generation;
      var memberId = c.memberId;
      send(replyTo -> new GroupEntity.Sync(generation, memberId, c.instanceId, "consumer", c.protocolName, assignments, replyTo),
          (SyncGroupResponseData r) -> c.onSync(r));
      return "sync " + c + " generation " + generation;
    }

    String heartbeat(Client c) {
      int generation = c.generation;
      var memberId = c.memberId;
      send(replyTo -> new GroupEntity.Heartbeat(generation, memberId, c.instanceId, replyTo),
          (org.apache.kafka.common.message.HeartbeatResponseData r) -> c.onError(Errors.forCode(r.errorCode())));
      return "heartbeat " + c;
    }

    String leave(Client c) {
      var byInstance = c.instanceId != null && random.nextBoolean();
      var leaving = new GroupEntity.LeavingMember(byInstance ? "" : c.memberId, c.instanceId);
      send(replyTo -> new GroupEntity.Leave(List.of(leaving), replyTo), (LeaveGroupResponseData r) -> {});
      c.forget();
      return "leave " + c + (byInstance ? " by instance id" : "");
    }

    String commit(Client c) {
      boolean simple = random.nextInt(3) == 0;
      var offsets = new ArrayList<GroupEntity.PartitionOffset>();
      for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
        var metadata = random.nextInt(20) == 0 ? "x".repeat(5000) : random.nextBoolean() ? null : "m" + random.nextInt(10);
        offsets.add(new GroupEntity.PartitionOffset("t" + (1 + random.nextInt(3)), random.nextInt(3), random.nextInt(1000),
            random.nextInt(5) - 1, metadata));
      }
      int generation = simple ? -1 : c.generation;
      var memberId = simple ? "" : c.memberId;
      var instanceId = simple ? null : c.instanceId;
      send(replyTo -> new GroupEntity.CommitOffsets(generation, memberId, instanceId, offsets, replyTo),
          (OffsetCommitResponseData r) -> {});
      return (simple ? "simple commit " : "commit ") + c + " " + offsets.size() + " offsets";
    }

    String deleteOffsets() {
      var partitions = List.of(new TopicPartition("t" + (1 + random.nextInt(3)), random.nextInt(3)));
      send(replyTo -> new GroupEntity.DeleteOffsets(partitions, replyTo), (OffsetDeleteResponseData r) -> {});
      return "delete offsets " + partitions;
    }

    String removeTopic() {
      var topic = "t" + (2 + random.nextInt(2));
      send(replyTo -> new GroupEntity.RemoveTopicOffsets(Set.of(topic), replyTo), (Done r) -> {});
      return "remove topic " + topic;
    }

    String deleteGroup() {
      send(GroupEntity.DeleteGroup::new, (DeletableGroupResult r) -> {});
      return "delete group";
    }

    /** Timers fire as they would: session, join, sync, pending-member and retention deadlines. */
    String timePasses() {
      long ms = new long[] {500, 3_000, 7_000, 11_000, 31_000, 65_000}[random.nextInt(6)];
      now.addAndGet(ms);
      manualTime.timePasses(Duration.ofMillis(ms));
      return "time passes " + ms + " ms";
    }

    /** Timer messages sent as commands, as the timers would send them (retention check, pending member expiry). */
    String timerMessage(Client c) {
      if (random.nextBoolean()) {
        kit.runCommand(GroupEntity.RetentionCheck.INSTANCE);
        return "retention check";
      }
      kit.runCommand(new GroupEntity.PendingMemberExpired(c.memberId));
      return "pending member " + c + " expired";
    }

    /** A crash and recovery: the recovered state must be the state before it. */
    String restart() {
      var before = kit.getState();
      var after = kit.restart().state();
      if (!before.equals(after)) {
        // A recovered entity checks retention at once (offsets may have expired while it was down), and the kit's
        // restart may return the state after that check. Members that were only joining when it crashed are gone,
        // so offsets kept for them live may expire now. Apart from offsets past the retention period, replay must
        // give back exactly the state before.
        var expiredBefore = new HashMap<>(before.offsets());
        after.offsets().forEach((tp, o) -> assertEquals(expiredBefore.remove(tp), o,
            "seed " + seed + ": offset of " + tp + " changed by a restart"));
        long base = before.protocolType() != null && before.stateTimestamp() >= 0 ? before.stateTimestamp() : -1;
        // Kafka's rules (GroupOffsets.expiredOffsets): an empty group's offsets expire from its state change when it
        // had a protocol, else from their commit; a consumer group's unsubscribed topics from their commit
        expiredBefore.forEach((tp, o) -> assertTrue((base >= 0 && base + RETENTION_MS <= now.get())
                || o.commitTimestamp() + RETENTION_MS <= now.get(),
            "seed " + seed + ": " + tp + " " + o + " vanished in a restart before its retention ended"));
        assertEquals(new State(before.generationId(), before.protocolType(), before.protocolName(), before.leaderId(),
                before.members(), before.assignmentsReceived(), before.stateTimestamp(), after.offsets(),
                before.pendingTxnOffsets()), after, "seed " + seed + ": state changed by a restart");
      }
      clients.forEach(Client::lostParked);
      return "restart";
    }

    // ------------------------------------------------------------ checks

    void check() {
      State live = kit.getState();
      TestProbe<State> probe = testKit.createTestProbe();
      var replay = testKit.spawn(new Replay(PersistenceId.of(GroupEntity.ENTITY_KEY.name(), groupId, "|")));
      replay.tell(new Replay.Get(probe.getRef()));
      State replayed = probe.receiveMessage(Duration.ofSeconds(10));
      assertEquals(live, replayed, step + ": live state differs from the replayed journal");

      TestProbe<DescribedGroup> described = testKit.createTestProbe();
      kit.runCommand(new GroupEntity.Describe(described.getRef()));
      var d = described.receiveMessage();
      var memberIds = new TreeSet<String>();
      live.members().forEach(m -> memberIds.add(m.memberId()));
      var liveIds = new TreeSet<String>();
      d.members().forEach(m -> liveIds.add(m.memberId()));
      switch (d.groupState()) {
        case "Dead" -> assertEquals(State.INITIAL, live, step + ": a group that does not exist has no durable state");
        case "Stable" -> {
          assertTrue(live.assignmentsReceived(), step + ": Stable without a persisted assignment");
          assertEquals(memberIds, liveIds, step + ": Stable members differ from the persisted generation");
          assertEquals(live.protocolName(), d.protocolData(), step);
          for (DescribedGroupMember m : d.members()) {
            var persisted = live.members().stream().filter(r -> r.memberId().equals(m.memberId())).findFirst().orElseThrow();
            assertEquals(ByteBuffer.wrap(persisted.assignment()), ByteBuffer.wrap(m.memberAssignment()), step + ": assignment of " + m.memberId());
          }
        }
        case "CompletingRebalance" -> {
          assertEquals(false, live.assignmentsReceived(), step + ": CompletingRebalance with an assignment");
          assertEquals(memberIds, liveIds, step + ": CompletingRebalance members differ from the persisted generation");
        }
        default -> {} // Empty, PreparingRebalance: the live group is ahead of the last generation by design
      }
    }

    // ------------------------------------------------------------ sending and replies

    /**
     * Sends a command whose reply lands in a future completed synchronously by the entity's tell (an
     * ask's promise), so which replies have arrived after a step does not depend on thread timing.
     */
    <R> void send(Function<ActorRef<R>, Command> command, Consumer<R> onReply) {
      var replyTo = new AtomicReference<ActorRef<R>>();
      CompletableFuture<R> reply = AskPattern.<Object, R>ask(testKit.system().ignoreRef(), r -> {
        replyTo.set(r);
        return "unused";
      }, NEVER, testKit.system().scheduler()).toCompletableFuture();
      kit.runCommand(command.apply(replyTo.get()));
      reply.thenAccept(r -> arrived.add(() -> onReply.accept(r)));
    }

    void deliverReplies() {
      for (Runnable r; (r = arrived.poll()) != null; ) r.run();
    }
  }

  /** What a consumer knows about its membership, updated from the replies it gets. */
  private static final class Client {
    final int index;
    final String instanceId;
    String memberId = "";
    int generation = -1;
    boolean leader;
    List<String> members = List.of();
    String protocolName;
    boolean joining;
    boolean syncing;

    Client(int index, String instanceId) {
      this.index = index;
      this.instanceId = instanceId;
    }

    void onJoin(JoinGroupResponseData r) {
      joining = false;
      var error = Errors.forCode(r.errorCode());
      if (error == Errors.MEMBER_ID_REQUIRED || error == Errors.NONE) memberId = r.memberId();
      if (error == Errors.NONE) {
        generation = r.generationId();
        leader = r.leader().equals(r.memberId());
        members = r.members().stream().map(JoinGroupResponseData.JoinGroupResponseMember::memberId).toList();
        protocolName = r.protocolName();
      } else {
        onError(error);
      }
    }

    void onSync(SyncGroupResponseData r) {
      syncing = false;
      onError(Errors.forCode(r.errorCode()));
    }

    void onError(Errors error) {
      if (error == Errors.UNKNOWN_MEMBER_ID || error == Errors.FENCED_INSTANCE_ID) forget();
    }

    void forget() {
      memberId = "";
      generation = -1;
      leader = false;
      members = List.of();
    }

    /** A restart answers parked requests (NOT_COORDINATOR); the client sends again. */
    void lostParked() {
      joining = false;
      syncing = false;
    }

    @Override
    public String toString() {
      return "client " + index + (memberId.isEmpty() ? "" : " (" + memberId.substring(memberId.length() - 4) + ")");
    }
  }

  private static List<GroupEntity.Protocol> protocols(String... topics) {
    ByteBuffer b = ConsumerProtocol.serializeSubscription(new Subscription(List.of(topics)));
    var bytes = new byte[b.remaining()];
    b.get(bytes);
    return List.of(new GroupEntity.Protocol("range", bytes), new GroupEntity.Protocol("roundrobin", bytes));
  }
}
