package io.tributary.group;

import akka.actor.ExtendedActorSystem;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.javadsl.Adapter;
import akka.serialization.SerializerWithStringManifest;
import io.tributary.group.GroupEntity.AssignmentsReceived;
import io.tributary.group.GroupEntity.CommitOffsets;
import io.tributary.group.GroupEntity.CommittedOffset;
import io.tributary.group.GroupEntity.CompleteTxnOffsets;
import io.tributary.group.GroupEntity.TxnCommitOffsets;
import io.tributary.group.GroupEntity.TxnOffsetsCompleted;
import io.tributary.group.GroupEntity.TxnOffsetsPending;
import io.tributary.group.GroupEntity.DeleteGroup;
import io.tributary.group.GroupEntity.DeleteOffsets;
import io.tributary.group.GroupEntity.Describe;
import io.tributary.group.GroupEntity.FetchOffsets;
import io.tributary.group.GroupEntity.GenerationStarted;
import io.tributary.group.GroupEntity.GetOverview;
import io.tributary.group.GroupEntity.Unload;
import io.tributary.group.GroupEntity.GroupDeleted;
import io.tributary.group.GroupEntity.Heartbeat;
import io.tributary.group.GroupEntity.Join;
import io.tributary.group.GroupEntity.Leave;
import io.tributary.group.GroupEntity.LeavingMember;
import io.tributary.group.GroupEntity.MemberRecord;
import io.tributary.group.GroupEntity.OffsetsCommitted;
import io.tributary.group.GroupEntity.OffsetsDeleted;
import io.tributary.group.GroupEntity.PartitionOffset;
import io.tributary.group.GroupEntity.Protocol;
import io.tributary.group.GroupEntity.RemoveTopicOffsets;
import io.tributary.group.GroupEntity.State;
import io.tributary.group.GroupEntity.StaticMemberReplaced;
import io.tributary.group.GroupEntity.Sync;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BiFunction;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.Message;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.protocol.Readable;

/**
 * Compact binary serializer for everything of the group package that is persisted (events, the
 * snapshot {@link State}) or may cross nodes (the public commands and their replies). Own records
 * are written field by field with a one-byte format version in front; replies, which are
 * kafka-clients generated messages, use Kafka's own codec at a fixed version that carries all of
 * their fields. Manifests are short and stable: never reuse one for a different shape — add a new
 * one and keep reading the old.
 *
 * <p>Evolution: events and snapshots written by every earlier version must stay readable forever
 * (src/test/resources/fixtures/group holds the bytes of format 1, read by GroupFixtureTest). To
 * change how a record is written, add format 2: write {@link #CURRENT_FORMAT} = 2, and keep a
 * reader per format in {@link #fromBinary} that turns old bytes into today's records (filling new
 * fields with their defaults). A reply's Kafka codec version is part of its manifest: to change it,
 * add a manifest.
 */
public final class GroupSerializer extends SerializerWithStringManifest {

  public static final int IDENTIFIER = 7301;
  /** The first format: the fields of each record in declaration order (DataOutputStream, strings and byte arrays length-prefixed, -1 for null). */
  private static final byte FORMAT_1 = 1;
  /** What {@link #toBinary} writes. */
  static final byte CURRENT_FORMAT = FORMAT_1;

  private record KafkaCodec(String manifest, Class<?> type, short version, BiFunction<Readable, Short, Message> reader) {}

  private static final List<KafkaCodec> KAFKA = List.of(
      new KafkaCodec("kJ", JoinGroupResponseData.class, (short) 9, JoinGroupResponseData::new),
      new KafkaCodec("kS", SyncGroupResponseData.class, (short) 5, SyncGroupResponseData::new),
      new KafkaCodec("kH", HeartbeatResponseData.class, (short) 4, HeartbeatResponseData::new),
      new KafkaCodec("kL", LeaveGroupResponseData.class, (short) 5, LeaveGroupResponseData::new),
      new KafkaCodec("kC", OffsetCommitResponseData.class, (short) 9, OffsetCommitResponseData::new),
      new KafkaCodec("kF", OffsetFetchResponseGroup.class, (short) 9, OffsetFetchResponseGroup::new),
      new KafkaCodec("kD", DescribedGroup.class, (short) 5, DescribedGroup::new),
      new KafkaCodec("kO", ListedGroup.class, (short) 5, ListedGroup::new),
      new KafkaCodec("kX", DeletableGroupResult.class, (short) 2, DeletableGroupResult::new),
      new KafkaCodec("kE", OffsetDeleteResponseData.class, (short) 0, OffsetDeleteResponseData::new),
      new KafkaCodec("kT", TxnOffsetCommitResponseData.class, (short) 4, TxnOffsetCommitResponseData::new));

  private final ActorRefResolver resolver;

  public GroupSerializer(ExtendedActorSystem system) {
    this.resolver = ActorRefResolver.get(Adapter.toTyped(system));
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof GenerationStarted) return "GS";
    if (o instanceof AssignmentsReceived) return "AR";
    if (o instanceof StaticMemberReplaced) return "SR";
    if (o instanceof OffsetsCommitted) return "OC";
    if (o instanceof OffsetsDeleted) return "OD";
    if (o instanceof GroupDeleted) return "GD";
    // a state with pending transactional offsets needs the fields format 1 of "ST" lacks
    if (o instanceof State st) return st.pendingTxnOffsets().isEmpty() ? "ST" : "ST2";
    if (o instanceof TxnOffsetsPending) return "TP";
    if (o instanceof TxnOffsetsCompleted) return "TC";
    if (o instanceof TxnCommitOffsets) return "cT";
    if (o instanceof CompleteTxnOffsets) return "cM";
    if (o instanceof Join) return "cJ";
    if (o instanceof Sync) return "cS";
    if (o instanceof Heartbeat) return "cH";
    if (o instanceof Leave) return "cL";
    if (o instanceof CommitOffsets) return "cC";
    if (o instanceof FetchOffsets f) return f.requireStable() ? "cFs" : "cF";
    if (o instanceof Describe) return "cD";
    if (o instanceof GetOverview) return "cO";
    if (o instanceof DeleteGroup) return "cX";
    if (o instanceof DeleteOffsets) return "cE";
    if (o instanceof RemoveTopicOffsets) return "cR";
    if (o instanceof Unload) return "cU";
    for (var k : KAFKA) if (k.type() == o.getClass()) return k.manifest();
    throw new IllegalArgumentException("GroupSerializer cannot serialize " + o.getClass());
  }

  @Override
  public byte[] toBinary(Object o) {
    var manifest = manifest(o);
    for (var k : KAFKA) {
      if (k.manifest().equals(manifest)) {
        var buffer = MessageUtil.toByteBuffer((Message) o, k.version());
        var bytes = new byte[buffer.remaining()];
        buffer.get(bytes);
        return bytes;
      }
    }
    try {
      var bytes = new ByteArrayOutputStream(64);
      var out = new Out(new DataOutputStream(bytes));
      out.d.writeByte(CURRENT_FORMAT);
      write(out, o);
      out.d.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    for (var k : KAFKA) {
      if (k.manifest().equals(manifest)) return k.reader().apply(new ByteBufferAccessor(ByteBuffer.wrap(bytes)), k.version());
    }
    try {
      var in = new In(new DataInputStream(new java.io.ByteArrayInputStream(bytes)));
      var format = in.d.readByte();
      return switch (format) {
        case FORMAT_1 -> read(in, manifest);
        // a format written by a newer version of Tributary: refuse rather than misread (a downgrade is not supported)
        default -> throw new NotSerializableException("unknown group format " + format + " for manifest " + manifest);
      };
    } catch (NotSerializableException e) {
      throw e;
    } catch (IOException e) {
      var failure = new NotSerializableException("cannot read group manifest " + manifest + ": " + e);
      failure.initCause(e);
      throw failure;
    }
  }

  // ---------------------------------------------------------------- writing

  private void write(Out out, Object o) throws IOException {
    if (o instanceof GenerationStarted e) {
      out.d.writeInt(e.generationId());
      out.str(e.protocolType());
      out.str(e.protocolName());
      out.str(e.leaderId());
      out.members(e.members());
      out.d.writeLong(e.timestamp());
    } else if (o instanceof AssignmentsReceived e) {
      out.d.writeInt(e.generationId());
      out.bytesMap(e.assignments());
    } else if (o instanceof StaticMemberReplaced e) {
      out.str(e.oldMemberId());
      out.member(e.member());
    } else if (o instanceof OffsetsCommitted e) {
      out.offsets(e.offsets());
    } else if (o instanceof OffsetsDeleted e) {
      out.partitions(e.partitions());
    } else if (o instanceof GroupDeleted e) {
      out.d.writeLong(e.timestamp());
    } else if (o instanceof State s) {
      out.d.writeInt(s.generationId());
      out.str(s.protocolType());
      out.str(s.protocolName());
      out.str(s.leaderId());
      out.members(s.members());
      out.d.writeBoolean(s.assignmentsReceived());
      out.d.writeLong(s.stateTimestamp());
      out.offsets(s.offsets());
      if (!s.pendingTxnOffsets().isEmpty()) out.pending(s.pendingTxnOffsets());
    } else if (o instanceof TxnOffsetsPending e) {
      out.d.writeLong(e.producerId());
      out.offsets(e.offsets());
    } else if (o instanceof TxnOffsetsCompleted e) {
      out.d.writeLong(e.producerId());
      out.d.writeBoolean(e.commit());
    } else if (o instanceof TxnCommitOffsets c) {
      out.d.writeLong(c.producerId());
      out.d.writeShort(c.producerEpoch());
      out.d.writeInt(c.generationId());
      out.str(c.memberId());
      out.str(c.groupInstanceId());
      out.partitionOffsets(c.offsets());
      out.ref(c.replyTo());
    } else if (o instanceof CompleteTxnOffsets c) {
      out.d.writeLong(c.producerId());
      out.d.writeShort(c.producerEpoch());
      out.d.writeBoolean(c.commit());
      out.ref(c.replyTo());
    } else if (o instanceof Join c) {
      out.str(c.memberId());
      out.str(c.groupInstanceId());
      out.str(c.protocolType());
      out.d.writeInt(c.protocols().size());
      for (var p : c.protocols()) {
        out.str(p.name());
        out.bytes(p.metadata());
      }
      out.d.writeInt(c.sessionTimeoutMs());
      out.d.writeInt(c.rebalanceTimeoutMs());
      out.str(c.clientId());
      out.str(c.clientHost());
      out.d.writeShort(c.apiVersion());
      out.ref(c.replyTo());
    } else if (o instanceof Sync c) {
      out.d.writeInt(c.generationId());
      out.str(c.memberId());
      out.str(c.groupInstanceId());
      out.str(c.protocolType());
      out.str(c.protocolName());
      out.bytesMap(c.assignments());
      out.ref(c.replyTo());
    } else if (o instanceof Heartbeat c) {
      out.d.writeInt(c.generationId());
      out.str(c.memberId());
      out.str(c.groupInstanceId());
      out.ref(c.replyTo());
    } else if (o instanceof Leave c) {
      out.d.writeInt(c.members().size());
      for (var m : c.members()) {
        out.str(m.memberId());
        out.str(m.groupInstanceId());
      }
      out.ref(c.replyTo());
    } else if (o instanceof CommitOffsets c) {
      out.d.writeInt(c.generationId());
      out.str(c.memberId());
      out.str(c.groupInstanceId());
      out.d.writeInt(c.offsets().size());
      for (var p : c.offsets()) {
        out.str(p.topic());
        out.d.writeInt(p.partition());
        out.d.writeLong(p.offset());
        out.d.writeInt(p.leaderEpoch());
        out.str(p.metadata());
      }
      out.ref(c.replyTo());
    } else if (o instanceof FetchOffsets c) {
      out.d.writeBoolean(c.partitions() != null);
      if (c.partitions() != null) out.partitions(c.partitions());
      out.ref(c.replyTo());
    } else if (o instanceof Describe c) {
      out.ref(c.replyTo());
    } else if (o instanceof GetOverview c) {
      out.ref(c.replyTo());
    } else if (o instanceof DeleteGroup c) {
      out.ref(c.replyTo());
    } else if (o instanceof DeleteOffsets c) {
      out.partitions(c.partitions());
      out.ref(c.replyTo());
    } else if (o instanceof Unload) {
      // no fields
    } else if (o instanceof RemoveTopicOffsets c) {
      out.d.writeInt(c.topics().size());
      for (var t : c.topics()) out.str(t);
      out.ref(c.replyTo());
    } else {
      throw new IllegalArgumentException("GroupSerializer cannot serialize " + o.getClass());
    }
  }

  /** Format 1 (and, while it is the current format, what {@link #write} writes). */
  private Object read(In in, String manifest) throws IOException {
    return switch (manifest) {
      case "GS" -> new GenerationStarted(in.d.readInt(), in.str(), in.str(), in.str(), in.members(), in.d.readLong());
      case "AR" -> new AssignmentsReceived(in.d.readInt(), in.bytesMap());
      case "SR" -> new StaticMemberReplaced(in.str(), in.member());
      case "OC" -> new OffsetsCommitted(in.offsets());
      case "OD" -> new OffsetsDeleted(in.partitions());
      case "GD" -> new GroupDeleted(in.d.readLong());
      case "ST" -> new State(in.d.readInt(), in.str(), in.str(), in.str(), in.members(), in.d.readBoolean(), in.d.readLong(), in.offsets());
      case "ST2" -> new State(in.d.readInt(), in.str(), in.str(), in.str(), in.members(), in.d.readBoolean(), in.d.readLong(),
          in.offsets(), in.pending());
      case "TP" -> new TxnOffsetsPending(in.d.readLong(), in.offsets());
      case "TC" -> new TxnOffsetsCompleted(in.d.readLong(), in.d.readBoolean());
      case "cT" -> new TxnCommitOffsets(in.d.readLong(), in.d.readShort(), in.d.readInt(), in.str(), in.str(),
          in.partitionOffsets(), in.ref());
      case "cM" -> new CompleteTxnOffsets(in.d.readLong(), in.d.readShort(), in.d.readBoolean(), in.ref());
      case "cFs" -> new FetchOffsets(in.d.readBoolean() ? in.partitions() : null, true, in.ref());
      case "cJ" -> {
        var memberId = in.str();
        var instanceId = in.str();
        var protocolType = in.str();
        var n = in.d.readInt();
        var protocols = new ArrayList<Protocol>(n);
        for (int i = 0; i < n; i++) protocols.add(new Protocol(in.str(), in.bytes()));
        yield new Join(memberId, instanceId, protocolType, protocols, in.d.readInt(), in.d.readInt(), in.str(), in.str(),
            in.d.readShort(), in.ref());
      }
      case "cS" -> new Sync(in.d.readInt(), in.str(), in.str(), in.str(), in.str(), in.bytesMap(), in.ref());
      case "cH" -> new Heartbeat(in.d.readInt(), in.str(), in.str(), in.ref());
      case "cL" -> {
        var n = in.d.readInt();
        var members = new ArrayList<LeavingMember>(n);
        for (int i = 0; i < n; i++) members.add(new LeavingMember(in.str(), in.str()));
        yield new Leave(members, in.ref());
      }
      case "cC" -> {
        var generationId = in.d.readInt();
        var memberId = in.str();
        var instanceId = in.str();
        var n = in.d.readInt();
        var offsets = new ArrayList<PartitionOffset>(n);
        for (int i = 0; i < n; i++) offsets.add(new PartitionOffset(in.str(), in.d.readInt(), in.d.readLong(), in.d.readInt(), in.str()));
        yield new CommitOffsets(generationId, memberId, instanceId, offsets, in.ref());
      }
      case "cF" -> new FetchOffsets(in.d.readBoolean() ? in.partitions() : null, in.ref());
      case "cD" -> new Describe(in.ref());
      case "cO" -> new GetOverview(in.ref());
      case "cU" -> new Unload();
      case "cX" -> new DeleteGroup(in.ref());
      case "cE" -> new DeleteOffsets(in.partitions(), in.ref());
      case "cR" -> {
        var n = in.d.readInt();
        var topics = new LinkedHashSet<String>();
        for (int i = 0; i < n; i++) topics.add(in.str());
        yield new RemoveTopicOffsets(topics, in.ref());
      }
      default -> throw new NotSerializableException("unknown group manifest " + manifest);
    };
  }

  // ---------------------------------------------------------------- primitives

  private final class Out {
    final DataOutputStream d;

    Out(DataOutputStream d) {
      this.d = d;
    }

    void str(String s) throws IOException {
      if (s == null) {
        d.writeInt(-1);
      } else {
        bytes(s.getBytes(StandardCharsets.UTF_8));
      }
    }

    void bytes(byte[] b) throws IOException {
      if (b == null) {
        d.writeInt(-1);
      } else {
        d.writeInt(b.length);
        d.write(b);
      }
    }

    void ref(ActorRef<?> ref) throws IOException {
      str(resolver.toSerializationFormat(ref));
    }

    void member(MemberRecord m) throws IOException {
      str(m.memberId());
      str(m.groupInstanceId());
      str(m.clientId());
      str(m.clientHost());
      d.writeInt(m.rebalanceTimeoutMs());
      d.writeInt(m.sessionTimeoutMs());
      bytes(m.metadata());
      bytes(m.assignment());
    }

    void members(List<MemberRecord> members) throws IOException {
      d.writeInt(members.size());
      for (var m : members) member(m);
    }

    void bytesMap(Map<String, byte[]> map) throws IOException {
      d.writeInt(map.size());
      for (var e : map.entrySet()) {
        str(e.getKey());
        bytes(e.getValue());
      }
    }

    void partitions(List<TopicPartition> partitions) throws IOException {
      d.writeInt(partitions.size());
      for (var tp : partitions) {
        str(tp.topic());
        d.writeInt(tp.partition());
      }
    }

    void partitionOffsets(List<PartitionOffset> offsets) throws IOException {
      d.writeInt(offsets.size());
      for (var p : offsets) {
        str(p.topic());
        d.writeInt(p.partition());
        d.writeLong(p.offset());
        d.writeInt(p.leaderEpoch());
        str(p.metadata());
      }
    }

    /** Pending transactional offsets by producer id, in producer id order (deterministic bytes). */
    void pending(Map<Long, Map<TopicPartition, CommittedOffset>> pending) throws IOException {
      var sorted = new TreeMap<>(pending);
      d.writeInt(sorted.size());
      for (var e : sorted.entrySet()) {
        d.writeLong(e.getKey());
        offsets(e.getValue());
      }
    }

    /** Offsets grouped by topic, so a topic name is written once per event. */
    void offsets(Map<TopicPartition, CommittedOffset> offsets) throws IOException {
      var byTopic = new TreeMap<String, List<Map.Entry<TopicPartition, CommittedOffset>>>(); // deterministic bytes
      for (var e : offsets.entrySet()) byTopic.computeIfAbsent(e.getKey().topic(), t -> new ArrayList<>()).add(e);
      byTopic.values().forEach(l -> l.sort(Comparator.comparingInt(e -> e.getKey().partition())));
      d.writeInt(byTopic.size());
      for (var t : byTopic.entrySet()) {
        str(t.getKey());
        d.writeInt(t.getValue().size());
        for (var e : t.getValue()) {
          var o = e.getValue();
          d.writeInt(e.getKey().partition());
          d.writeLong(o.offset());
          d.writeInt(o.leaderEpoch());
          str(o.metadata());
          d.writeLong(o.commitTimestamp());
        }
      }
    }
  }

  private final class In {
    final DataInputStream d;

    In(DataInputStream d) {
      this.d = d;
    }

    String str() throws IOException {
      var b = bytes();
      return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    byte[] bytes() throws IOException {
      var n = d.readInt();
      if (n < 0) return null;
      var b = new byte[n];
      d.readFully(b);
      return b;
    }

    <T> ActorRef<T> ref() throws IOException {
      return resolver.resolveActorRef(str());
    }

    MemberRecord member() throws IOException {
      return new MemberRecord(str(), str(), str(), str(), d.readInt(), d.readInt(), bytes(), bytes());
    }

    List<MemberRecord> members() throws IOException {
      var n = d.readInt();
      var list = new ArrayList<MemberRecord>(n);
      for (int i = 0; i < n; i++) list.add(member());
      return list;
    }

    Map<String, byte[]> bytesMap() throws IOException {
      var n = d.readInt();
      var map = new LinkedHashMap<String, byte[]>();
      for (int i = 0; i < n; i++) map.put(str(), bytes());
      return map;
    }

    List<TopicPartition> partitions() throws IOException {
      var n = d.readInt();
      var list = new ArrayList<TopicPartition>(n);
      for (int i = 0; i < n; i++) list.add(new TopicPartition(str(), d.readInt()));
      return list;
    }

    List<PartitionOffset> partitionOffsets() throws IOException {
      var n = d.readInt();
      var offsets = new ArrayList<PartitionOffset>(n);
      for (int i = 0; i < n; i++) offsets.add(new PartitionOffset(str(), d.readInt(), d.readLong(), d.readInt(), str()));
      return offsets;
    }

    Map<Long, Map<TopicPartition, CommittedOffset>> pending() throws IOException {
      var n = d.readInt();
      var pending = new HashMap<Long, Map<TopicPartition, CommittedOffset>>();
      for (int i = 0; i < n; i++) pending.put(d.readLong(), offsets());
      return pending;
    }

    Map<TopicPartition, CommittedOffset> offsets() throws IOException {
      var map = new HashMap<TopicPartition, CommittedOffset>();
      var topics = d.readInt();
      for (int t = 0; t < topics; t++) {
        var topic = str();
        var n = d.readInt();
        for (int i = 0; i < n; i++) {
          map.put(new TopicPartition(topic, d.readInt()), new CommittedOffset(d.readLong(), d.readInt(), str(), d.readLong()));
        }
      }
      return map;
    }
  }
}
