package io.tributary.metadata;

import akka.actor.ExtendedActorSystem;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.javadsl.Adapter;
import akka.serialization.SerializerWithStringManifest;
import io.tributary.metadata.Controller.AllocateProducerIds;
import io.tributary.metadata.Controller.AlterPartition;
import io.tributary.metadata.Controller.AlterReassignments;
import io.tributary.metadata.Controller.PartitionOutcome;
import io.tributary.metadata.Controller.PartitionTarget;
import io.tributary.metadata.Controller.ReassignmentTarget;
import io.tributary.metadata.Controller.ReassignmentsAltered;
import io.tributary.metadata.Controller.TopicOutcomes;
import io.tributary.metadata.Controller.BrokerRegistered;
import io.tributary.metadata.Controller.CreatePartitions;
import io.tributary.metadata.Controller.CreateTopic;
import io.tributary.metadata.Controller.DeleteTopic;
import io.tributary.metadata.Controller.ElectLeaders;
import io.tributary.metadata.Controller.ElectionTarget;
import io.tributary.metadata.Controller.EnsureInternalTopic;
import io.tributary.metadata.Controller.EnsureOffsetsTopic;
import io.tributary.metadata.Controller.LeadersElected;
import io.tributary.metadata.Controller.PartitionElection;
import io.tributary.metadata.Controller.PartitionAltered;
import io.tributary.metadata.Controller.ProducerIdsAllocated;
import io.tributary.metadata.Controller.RegisterBroker;
import io.tributary.metadata.Controller.Rejected;
import io.tributary.metadata.Controller.ReplaceTopicConfigs;
import io.tributary.metadata.Controller.TopicDone;
import io.tributary.metadata.Controller.TopicElections;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Uuid;

/**
 * Compact binary serializer for {@link MetadataSerializable}: the durable {@link MetadataState}
 * and the Controller's requests and replies. Big-endian {@link DataOutputStream} encoding;
 * strings are length-prefixed UTF-8 (length -1 for null), maps are sorted by key so equal
 * values give equal bytes. The state starts with a format version byte because it is stored
 * on disk (LMDB) and must stay readable across upgrades: change the format only by adding a
 * new version. Manifests are short and must never be reused for another shape.
 *
 * <p>Evolution: the stored state carries its format in its first byte; to change it, write a new format
 * and keep the readers of the older ones in {@link #fromBinary}. Format 2 added the partitions' leader
 * epochs, format 3 the controller epoch, replica assignments, brokers' racks and addresses, internal topics, format 4
 * ISRs and partition epochs, format 5 the adding and removing replicas of reassignments in progress. The requests and replies, which only cross nodes (a rolling upgrade mixes versions), are
 * versioned by their manifest: a changed shape gets a new manifest and the old one stays readable (the
 * replies that carry the state have a manifest per state format, e.g. TD3/TD4/TD5; CT2/CP2/RB2 carry assignments
 * and racks). src/test/resources/fixtures/metadata
 * holds the bytes of format 1 (MetadataFixtureTest reads them).
 */
public final class MetadataSerializer extends SerializerWithStringManifest {

  /** Registered in reference.conf; must be unique among the ActorSystem's serializers. */
  public static final int IDENTIFIER = 172_450_101;

  private static final byte STATE_FORMAT_V1 = 1;
  /** Format 2: each topic carries its partitions' leader epochs after its configs. */
  private static final byte STATE_FORMAT_V2 = 2;
  /**
   * Format 3: the controller epoch after the version; each partition's replicas, leader and leader epoch; each
   * broker's rack and cluster address; the internal topics after the brokers.
   */
  private static final byte STATE_FORMAT_V3 = 3;
  /** Format 4: each partition's ISR and partition epoch after its leader epoch. */
  private static final byte STATE_FORMAT_V4 = 4;
  /** Format 5: each partition's adding and removing replicas (a reassignment in progress) after its partition epoch. */
  private static final byte STATE_FORMAT_V5 = 5;

  private static final String STATE = "S";
  private static final String DELETE_TOPIC = "DT";
  private static final String REPLACE_CONFIGS = "RC";
  private static final String ALLOCATE_PIDS = "AP";
  // requests with replica assignments and broker racks/addresses
  private static final String CREATE_TOPIC = "CT2";
  private static final String CREATE_PARTITIONS = "CP2";
  private static final String REGISTER_BROKER = "RB2";
  private static final String ENSURE_OFFSETS_TOPIC = "EO2";
  private static final String ENSURE_INTERNAL_TOPIC = "EI";
  private static final String ALTER_PARTITION = "AL";
  private static final String ELECT_LEADERS = "EL";
  private static final String ALTER_REASSIGNMENTS = "AR";
  // the older shapes of those: read only, from nodes of an older version
  private static final String CREATE_TOPIC_V1 = "CT";
  private static final String CREATE_PARTITIONS_V1 = "CP";
  private static final String REGISTER_BROKER_V1 = "RB";
  /** Without a replication factor: the offsets topic had one replica per partition. */
  private static final String ENSURE_OFFSETS_TOPIC_V1 = "EO";
  // format 1 replies (topics without leader epochs): read only, from nodes of an older version
  private static final String TOPIC_DONE_V1 = "TD";
  private static final String PIDS_ALLOCATED_V1 = "PA";
  private static final String BROKER_REGISTERED_V1 = "BR";
  // format 2 replies: topics with leader epochs; read only
  private static final String TOPIC_DONE_V2 = "TD2";
  private static final String PIDS_ALLOCATED_V2 = "PA2";
  private static final String BROKER_REGISTERED_V2 = "BR2";
  // format 3 replies: assignments, controller epoch; read only
  private static final String TOPIC_DONE_V3 = "TD3";
  private static final String PIDS_ALLOCATED_V3 = "PA3";
  private static final String BROKER_REGISTERED_V3 = "BR3";
  // format 4 replies: ISRs and partition epochs; read only
  private static final String TOPIC_DONE_V4 = "TD4";
  private static final String PIDS_ALLOCATED_V4 = "PA4";
  private static final String BROKER_REGISTERED_V4 = "BR4";
  private static final String PARTITION_ALTERED_V4 = "AD";
  private static final String LEADERS_ELECTED_V4 = "LE";
  // format 5 replies: reassignments in progress
  private static final String TOPIC_DONE = "TD5";
  private static final String PIDS_ALLOCATED = "PA5";
  private static final String BROKER_REGISTERED = "BR5";
  private static final String PARTITION_ALTERED = "AD5";
  private static final String LEADERS_ELECTED = "LE5";
  private static final String REASSIGNMENTS_ALTERED = "RA";
  private static final String REJECTED = "RJ";
  /** A request one node's {@link ControllerSeat} passes to another's: the request's manifest, then the request. */
  private static final String FORWARDED = "FW";

  private final ExtendedActorSystem system;
  private volatile ActorRefResolver resolver;

  public MetadataSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof MetadataState) return STATE;
    if (o instanceof CreateTopic) return CREATE_TOPIC;
    if (o instanceof DeleteTopic) return DELETE_TOPIC;
    if (o instanceof CreatePartitions) return CREATE_PARTITIONS;
    if (o instanceof ReplaceTopicConfigs) return REPLACE_CONFIGS;
    if (o instanceof AllocateProducerIds) return ALLOCATE_PIDS;
    if (o instanceof RegisterBroker) return REGISTER_BROKER;
    if (o instanceof EnsureOffsetsTopic) return ENSURE_OFFSETS_TOPIC;
    if (o instanceof EnsureInternalTopic) return ENSURE_INTERNAL_TOPIC;
    if (o instanceof AlterPartition) return ALTER_PARTITION;
    if (o instanceof ElectLeaders) return ELECT_LEADERS;
    if (o instanceof AlterReassignments) return ALTER_REASSIGNMENTS;
    if (o instanceof TopicDone) return TOPIC_DONE;
    if (o instanceof ProducerIdsAllocated) return PIDS_ALLOCATED;
    if (o instanceof BrokerRegistered) return BROKER_REGISTERED;
    if (o instanceof PartitionAltered) return PARTITION_ALTERED;
    if (o instanceof LeadersElected) return LEADERS_ELECTED;
    if (o instanceof ReassignmentsAltered) return REASSIGNMENTS_ALTERED;
    if (o instanceof Rejected) return REJECTED;
    if (o instanceof ControllerSeat.Forwarded) return FORWARDED;
    throw new IllegalArgumentException("Cannot serialize " + o.getClass().getName());
  }

  @Override
  public byte[] toBinary(Object o) {
    var bytes = new ByteArrayOutputStream(128);
    try (var out = new DataOutputStream(bytes)) {
      write(o, out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try (var in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      return read(manifest, in);
    } catch (IOException e) {
      var failure = new NotSerializableException("Cannot read " + manifest + ": " + e);
      failure.initCause(e);
      throw failure;
    }
  }

  private void write(Object o, DataOutputStream out) throws IOException {
    if (o instanceof MetadataState s) {
      out.writeByte(STATE_FORMAT_V5);
      writeState(s, out);
    } else if (o instanceof CreateTopic c) {
      writeString(c.name(), out);
      out.writeInt(c.partitions());
      out.writeInt(c.replicationFactor());
      writeAssignment(c.replicas(), out);
      writeConfigs(c.configs(), out);
      out.writeBoolean(c.validateOnly());
      writeRef(c.replyTo(), out);
    } else if (o instanceof DeleteTopic c) {
      writeString(c.name(), out);
      writeRef(c.replyTo(), out);
    } else if (o instanceof CreatePartitions c) {
      writeString(c.name(), out);
      out.writeInt(c.totalCount());
      writeAssignment(c.replicas(), out);
      out.writeBoolean(c.validateOnly());
      writeRef(c.replyTo(), out);
    } else if (o instanceof ReplaceTopicConfigs c) {
      writeString(c.name(), out);
      writeConfigs(c.configs(), out);
      out.writeBoolean(c.validateOnly());
      writeRef(c.replyTo(), out);
    } else if (o instanceof AllocateProducerIds c) {
      out.writeInt(c.count());
      writeRef(c.replyTo(), out);
    } else if (o instanceof RegisterBroker c) {
      writeBroker(c.broker(), out);
      writeRef(c.replyTo(), out);
    } else if (o instanceof EnsureOffsetsTopic c) {
      out.writeInt(c.partitions());
      out.writeInt(c.replicationFactor());
      writeRef(c.replyTo(), out);
    } else if (o instanceof EnsureInternalTopic c) {
      writeString(c.name(), out);
      out.writeInt(c.partitions());
      out.writeInt(c.replicationFactor());
      writeRef(c.replyTo(), out);
    } else if (o instanceof AlterPartition c) {
      writeString(c.topic(), out);
      out.writeBoolean(c.topicId() != null);
      if (c.topicId() != null) {
        out.writeLong(c.topicId().getMostSignificantBits());
        out.writeLong(c.topicId().getLeastSignificantBits());
      }
      out.writeInt(c.partition());
      out.writeInt(c.leaderId());
      out.writeInt(c.leaderEpoch());
      out.writeInt(c.partitionEpoch());
      writeInts(c.newIsr(), out);
      writeRef(c.replyTo(), out);
    } else if (o instanceof ElectLeaders c) {
      out.writeByte(c.type().value);
      writeElectionTargets(c.partitions(), out);
      writeRef(c.replyTo(), out);
    } else if (o instanceof AlterReassignments c) {
      writeReassignmentTargets(c.topics(), out);
      writeRef(c.replyTo(), out);
    } else if (o instanceof TopicDone r) {
      writeTopic(r.topic(), out);
      writeState(r.state(), out);
    } else if (o instanceof ProducerIdsAllocated r) {
      out.writeLong(r.firstId());
      writeState(r.state(), out);
    } else if (o instanceof BrokerRegistered r) {
      writeState(r.state(), out);
    } else if (o instanceof PartitionAltered r) {
      writePartition(r.partition(), out);
      writeState(r.state(), out);
    } else if (o instanceof LeadersElected r) {
      writeTopicElections(r.topics(), out);
      writeState(r.state(), out);
    } else if (o instanceof ReassignmentsAltered r) {
      writeTopicOutcomes(r.topics(), out);
      writeState(r.state(), out);
    } else if (o instanceof Rejected r) {
      out.writeShort(r.errorCode());
      writeString(r.message(), out);
    } else if (o instanceof ControllerSeat.Forwarded f) {
      writeString(manifest(f.request()), out);
      write(f.request(), out);
    } else {
      throw new IllegalArgumentException("Cannot serialize " + o.getClass().getName());
    }
  }

  private Object read(String manifest, DataInputStream in) throws IOException {
    return switch (manifest) {
      case STATE -> {
        byte format = in.readByte();
        yield switch (format) {
          case STATE_FORMAT_V1 -> readState(in, STATE_FORMAT_V1);
          case STATE_FORMAT_V2 -> readState(in, STATE_FORMAT_V2);
          case STATE_FORMAT_V3 -> readState(in, STATE_FORMAT_V3);
          case STATE_FORMAT_V4 -> readState(in, STATE_FORMAT_V4);
          case STATE_FORMAT_V5 -> readState(in, STATE_FORMAT_V5);
          // written by a newer version: refuse rather than misread (a downgrade is not supported)
          default -> throw new IOException("unknown metadata state format " + format);
        };
      }
      case CREATE_TOPIC -> new CreateTopic(readString(in), in.readInt(), in.readInt(), readAssignment(in), readConfigs(in),
          in.readBoolean(), readRef(in));
      case CREATE_TOPIC_V1 -> new CreateTopic(readString(in), in.readInt(), 1, List.of(), readConfigs(in), in.readBoolean(), readRef(in));
      case DELETE_TOPIC -> new DeleteTopic(readString(in), readRef(in));
      case CREATE_PARTITIONS -> new CreatePartitions(readString(in), in.readInt(), readAssignment(in), in.readBoolean(), readRef(in));
      case CREATE_PARTITIONS_V1 -> new CreatePartitions(readString(in), in.readInt(), List.of(), in.readBoolean(), readRef(in));
      case REPLACE_CONFIGS -> new ReplaceTopicConfigs(readString(in), readConfigs(in), in.readBoolean(), readRef(in));
      case ALLOCATE_PIDS -> new AllocateProducerIds(in.readInt(), readRef(in));
      case REGISTER_BROKER -> new RegisterBroker(readBroker(in, STATE_FORMAT_V3), readRef(in));
      case REGISTER_BROKER_V1 -> new RegisterBroker(readBroker(in, STATE_FORMAT_V2), readRef(in));
      case ENSURE_OFFSETS_TOPIC -> new EnsureOffsetsTopic(in.readInt(), in.readInt(), readRef(in));
      case ENSURE_INTERNAL_TOPIC -> new EnsureInternalTopic(readString(in), in.readInt(), in.readInt(), readRef(in));
      case ENSURE_OFFSETS_TOPIC_V1 -> new EnsureOffsetsTopic(in.readInt(), 1, readRef(in));
      case ALTER_PARTITION -> new AlterPartition(readString(in), in.readBoolean() ? new Uuid(in.readLong(), in.readLong()) : null,
          in.readInt(), in.readInt(), in.readInt(), in.readInt(), readInts(in), readRef(in));
      case ELECT_LEADERS -> new ElectLeaders(readElectionType(in), readElectionTargets(in), readRef(in));
      case ALTER_REASSIGNMENTS -> new AlterReassignments(readReassignmentTargets(in), readRef(in));
      case TOPIC_DONE -> new TopicDone(readTopic(in, STATE_FORMAT_V5), readState(in, STATE_FORMAT_V5));
      case PIDS_ALLOCATED -> new ProducerIdsAllocated(in.readLong(), readState(in, STATE_FORMAT_V5));
      case BROKER_REGISTERED -> new BrokerRegistered(readState(in, STATE_FORMAT_V5));
      case PARTITION_ALTERED -> new PartitionAltered(readPartition(in, STATE_FORMAT_V5), readState(in, STATE_FORMAT_V5));
      case LEADERS_ELECTED -> new LeadersElected(readTopicElections(in), readState(in, STATE_FORMAT_V5));
      case REASSIGNMENTS_ALTERED -> new ReassignmentsAltered(readTopicOutcomes(in), readState(in, STATE_FORMAT_V5));
      case TOPIC_DONE_V4 -> new TopicDone(readTopic(in, STATE_FORMAT_V4), readState(in, STATE_FORMAT_V4));
      case PIDS_ALLOCATED_V4 -> new ProducerIdsAllocated(in.readLong(), readState(in, STATE_FORMAT_V4));
      case BROKER_REGISTERED_V4 -> new BrokerRegistered(readState(in, STATE_FORMAT_V4));
      case PARTITION_ALTERED_V4 -> new PartitionAltered(readPartition(in, STATE_FORMAT_V4), readState(in, STATE_FORMAT_V4));
      case LEADERS_ELECTED_V4 -> new LeadersElected(readTopicElections(in), readState(in, STATE_FORMAT_V4));
      case TOPIC_DONE_V3 -> new TopicDone(readTopic(in, STATE_FORMAT_V3), readState(in, STATE_FORMAT_V3));
      case PIDS_ALLOCATED_V3 -> new ProducerIdsAllocated(in.readLong(), readState(in, STATE_FORMAT_V3));
      case BROKER_REGISTERED_V3 -> new BrokerRegistered(readState(in, STATE_FORMAT_V3));
      case TOPIC_DONE_V2 -> new TopicDone(readTopic(in, STATE_FORMAT_V2), readState(in, STATE_FORMAT_V2));
      case PIDS_ALLOCATED_V2 -> new ProducerIdsAllocated(in.readLong(), readState(in, STATE_FORMAT_V2));
      case BROKER_REGISTERED_V2 -> new BrokerRegistered(readState(in, STATE_FORMAT_V2));
      case TOPIC_DONE_V1 -> new TopicDone(readTopic(in, STATE_FORMAT_V1), readState(in, STATE_FORMAT_V1));
      case PIDS_ALLOCATED_V1 -> new ProducerIdsAllocated(in.readLong(), readState(in, STATE_FORMAT_V1));
      case BROKER_REGISTERED_V1 -> new BrokerRegistered(readState(in, STATE_FORMAT_V1));
      case REJECTED -> new Rejected(in.readShort(), readString(in));
      case FORWARDED -> new ControllerSeat.Forwarded((Controller.Request) read(readString(in), in));
      default -> throw new IOException("unknown manifest");
    };
  }

  // ---- values ----

  /** The current format (5). */
  private static void writeState(MetadataState s, DataOutputStream out) throws IOException {
    out.writeLong(s.version());
    out.writeInt(s.controllerEpoch());
    writeString(s.clusterId(), out);
    out.writeLong(s.nextProducerId());
    writeTopics(s.topics(), out);
    var brokers = new TreeMap<>(s.brokers());
    out.writeInt(brokers.size());
    for (BrokerInfo b : brokers.values()) writeBroker(b, out);
    writeTopics(s.internalTopics(), out);
  }

  private static MetadataState readState(DataInputStream in, byte format) throws IOException {
    long version = in.readLong();
    int controllerEpoch = format >= STATE_FORMAT_V3 ? in.readInt() : 0;
    String clusterId = readString(in);
    long nextProducerId = in.readLong();
    Map<String, TopicInfo> topics = readTopics(in, format);
    int brokerCount = in.readInt();
    var brokers = new HashMap<Integer, BrokerInfo>();
    for (int i = 0; i < brokerCount; i++) {
      BrokerInfo b = readBroker(in, format);
      brokers.put(b.nodeId(), b);
    }
    Map<String, TopicInfo> internal = format >= STATE_FORMAT_V3 ? readTopics(in, format) : Map.of();
    return new MetadataState(version, controllerEpoch, clusterId, nextProducerId, topics, brokers, internal);
  }

  private static void writeTopics(Map<String, TopicInfo> topics, DataOutputStream out) throws IOException {
    var sorted = new TreeMap<>(topics);
    out.writeInt(sorted.size());
    for (TopicInfo t : sorted.values()) writeTopic(t, out);
  }

  private static Map<String, TopicInfo> readTopics(DataInputStream in, byte format) throws IOException {
    int count = in.readInt();
    var topics = new HashMap<String, TopicInfo>();
    for (int i = 0; i < count; i++) {
      TopicInfo t = readTopic(in, format);
      topics.put(t.name(), t);
    }
    return topics;
  }

  private static void writeTopic(TopicInfo t, DataOutputStream out) throws IOException {
    writeString(t.name(), out);
    out.writeLong(t.topicId().getMostSignificantBits());
    out.writeLong(t.topicId().getLeastSignificantBits());
    out.writeInt(t.partitionCount());
    writeConfigs(t.configs(), out);
    for (PartitionInfo p : t.partitions()) writePartition(p, out);
  }

  /** The current format (5). */
  private static void writePartition(PartitionInfo p, DataOutputStream out) throws IOException {
    writeInts(p.replicas(), out);
    out.writeInt(p.leader());
    out.writeInt(p.leaderEpoch());
    writeInts(p.isr(), out);
    out.writeInt(p.partitionEpoch());
    writeInts(p.adding(), out);
    writeInts(p.removing(), out);
  }

  /**
   * A partition of format 3 or later; format 3 had no ISR and no partition epoch (see PartitionInfo's 3-argument
   * constructor), formats 3 and 4 no reassignments.
   */
  private static PartitionInfo readPartition(DataInputStream in, byte format) throws IOException {
    List<Integer> replicas = readInts(in);
    int leader = in.readInt();
    int leaderEpoch = in.readInt();
    if (format < STATE_FORMAT_V4) return new PartitionInfo(replicas, leader, leaderEpoch);
    List<Integer> isr = readInts(in);
    int partitionEpoch = in.readInt();
    if (format < STATE_FORMAT_V5) return new PartitionInfo(replicas, leader, leaderEpoch, isr, partitionEpoch);
    return new PartitionInfo(replicas, leader, leaderEpoch, isr, partitionEpoch, readInts(in), readInts(in));
  }

  /**
   * A topic in state {@code format}. Formats 1 and 2 had no assignments: their partitions have no replicas and no
   * leader until a node adopts them (see MetadataChanges.registerBroker); format 1 had no leader epochs either.
   */
  private static TopicInfo readTopic(DataInputStream in, byte format) throws IOException {
    String name = readString(in);
    var id = new Uuid(in.readLong(), in.readLong());
    int count = in.readInt();
    Map<String, String> configs = readConfigs(in);
    if (count < 0 || (format >= STATE_FORMAT_V3 && count * 12L > in.available())) {
      throw new IOException("partition count " + count + " exceeds the message");
    }
    var partitions = new ArrayList<PartitionInfo>(count);
    for (int i = 0; i < count; i++) {
      if (format >= STATE_FORMAT_V3) {
        partitions.add(readPartition(in, format));
      } else {
        int epoch = format == STATE_FORMAT_V2 ? in.readInt() : 0;
        partitions.add(new PartitionInfo(List.of(), PartitionInfo.NO_LEADER, epoch));
      }
    }
    return new TopicInfo(name, id, configs, partitions);
  }

  private static void writeBroker(BrokerInfo b, DataOutputStream out) throws IOException {
    out.writeInt(b.nodeId());
    writeString(b.host(), out);
    out.writeInt(b.port());
    writeString(b.rack(), out);
    writeString(b.clusterAddress(), out);
  }

  /** Formats 1 and 2 had neither rack nor cluster address. */
  private static BrokerInfo readBroker(DataInputStream in, byte format) throws IOException {
    int id = in.readInt();
    String host = readString(in);
    int port = in.readInt();
    if (format < STATE_FORMAT_V3) return new BrokerInfo(id, host, port);
    return new BrokerInfo(id, host, port, readString(in), readString(in));
  }

  private static ElectionType readElectionType(DataInputStream in) throws IOException {
    byte value = in.readByte();
    try {
      return ElectionType.valueOf(value);
    } catch (IllegalArgumentException e) {
      throw new IOException("unknown election type " + value);
    }
  }

  /** Null (every partition) is a count of -1. */
  private static void writeElectionTargets(List<ElectionTarget> targets, DataOutputStream out) throws IOException {
    if (targets == null) {
      out.writeInt(-1);
      return;
    }
    out.writeInt(targets.size());
    for (ElectionTarget t : targets) {
      writeString(t.topic(), out);
      writeInts(t.partitions(), out);
    }
  }

  private static List<ElectionTarget> readElectionTargets(DataInputStream in) throws IOException {
    int count = in.readInt();
    if (count == -1) return null;
    if (count < 0 || count > in.available()) throw new IOException("election of " + count + " topics exceeds the message");
    var targets = new ArrayList<ElectionTarget>(count);
    for (int i = 0; i < count; i++) targets.add(new ElectionTarget(readString(in), readInts(in)));
    return targets;
  }

  private static void writeTopicElections(List<TopicElections> topics, DataOutputStream out) throws IOException {
    out.writeInt(topics.size());
    for (TopicElections t : topics) {
      writeString(t.topic(), out);
      out.writeInt(t.partitions().size());
      for (PartitionElection p : t.partitions()) {
        out.writeInt(p.partition());
        out.writeShort(p.errorCode());
        writeString(p.message(), out);
      }
    }
  }

  private static List<TopicElections> readTopicElections(DataInputStream in) throws IOException {
    int count = in.readInt();
    if (count < 0 || count > in.available()) throw new IOException("elections of " + count + " topics exceed the message");
    var topics = new ArrayList<TopicElections>(count);
    for (int i = 0; i < count; i++) {
      String topic = readString(in);
      int partitions = in.readInt();
      if (partitions < 0 || partitions * 10L > in.available()) {
        throw new IOException("elections of " + partitions + " partitions exceed the message");
      }
      var results = new ArrayList<PartitionElection>(partitions);
      for (int p = 0; p < partitions; p++) results.add(new PartitionElection(in.readInt(), in.readShort(), readString(in)));
      topics.add(new TopicElections(topic, results));
    }
    return topics;
  }

  /** Null replicas (a cancel) are a count of -1. */
  private static void writeReassignmentTargets(List<ReassignmentTarget> topics, DataOutputStream out) throws IOException {
    out.writeInt(topics.size());
    for (ReassignmentTarget t : topics) {
      writeString(t.topic(), out);
      out.writeInt(t.partitions().size());
      for (PartitionTarget p : t.partitions()) {
        out.writeInt(p.partition());
        if (p.replicas() == null) {
          out.writeInt(-1);
        } else {
          writeInts(p.replicas(), out);
        }
      }
    }
  }

  private static List<ReassignmentTarget> readReassignmentTargets(DataInputStream in) throws IOException {
    int count = in.readInt();
    if (count < 0 || count > in.available()) throw new IOException("reassignment of " + count + " topics exceeds the message");
    var topics = new ArrayList<ReassignmentTarget>(count);
    for (int i = 0; i < count; i++) {
      String topic = readString(in);
      int partitions = in.readInt();
      if (partitions < 0 || partitions * 8L > in.available()) {
        throw new IOException("reassignment of " + partitions + " partitions exceeds the message");
      }
      var targets = new ArrayList<PartitionTarget>(partitions);
      for (int p = 0; p < partitions; p++) {
        int partition = in.readInt();
        int replicas = in.readInt();
        if (replicas == -1) {
          targets.add(new PartitionTarget(partition, null));
        } else {
          if (replicas < 0 || replicas * 4L > in.available()) throw new IOException("list of " + replicas + " ints exceeds the message");
          var ids = new ArrayList<Integer>(replicas);
          for (int r = 0; r < replicas; r++) ids.add(in.readInt());
          targets.add(new PartitionTarget(partition, ids));
        }
      }
      topics.add(new ReassignmentTarget(topic, targets));
    }
    return topics;
  }

  private static void writeTopicOutcomes(List<TopicOutcomes> topics, DataOutputStream out) throws IOException {
    out.writeInt(topics.size());
    for (TopicOutcomes t : topics) {
      writeString(t.topic(), out);
      out.writeInt(t.partitions().size());
      for (PartitionOutcome p : t.partitions()) {
        out.writeInt(p.partition());
        out.writeShort(p.errorCode());
        writeString(p.message(), out);
      }
    }
  }

  private static List<TopicOutcomes> readTopicOutcomes(DataInputStream in) throws IOException {
    int count = in.readInt();
    if (count < 0 || count > in.available()) throw new IOException("outcomes of " + count + " topics exceed the message");
    var topics = new ArrayList<TopicOutcomes>(count);
    for (int i = 0; i < count; i++) {
      String topic = readString(in);
      int partitions = in.readInt();
      if (partitions < 0 || partitions * 10L > in.available()) {
        throw new IOException("outcomes of " + partitions + " partitions exceed the message");
      }
      var results = new ArrayList<PartitionOutcome>(partitions);
      for (int p = 0; p < partitions; p++) results.add(new PartitionOutcome(in.readInt(), in.readShort(), readString(in)));
      topics.add(new TopicOutcomes(topic, results));
    }
    return topics;
  }

  private static void writeAssignment(List<List<Integer>> replicas, DataOutputStream out) throws IOException {
    out.writeInt(replicas.size());
    for (List<Integer> r : replicas) writeInts(r, out);
  }

  private static List<List<Integer>> readAssignment(DataInputStream in) throws IOException {
    int count = in.readInt();
    if (count < 0 || count > in.available()) throw new IOException("assignment of " + count + " partitions exceeds the message");
    var replicas = new ArrayList<List<Integer>>(count);
    for (int i = 0; i < count; i++) replicas.add(readInts(in));
    return replicas;
  }

  private static void writeInts(List<Integer> ints, DataOutputStream out) throws IOException {
    out.writeInt(ints.size());
    for (int i : ints) out.writeInt(i);
  }

  private static List<Integer> readInts(DataInputStream in) throws IOException {
    int count = in.readInt();
    if (count < 0 || count * 4L > in.available()) throw new IOException("list of " + count + " ints exceeds the message");
    var ints = new ArrayList<Integer>(count);
    for (int i = 0; i < count; i++) ints.add(in.readInt());
    return ints;
  }

  private static void writeConfigs(Map<String, String> configs, DataOutputStream out) throws IOException {
    var sorted = new TreeMap<>(configs);
    out.writeInt(sorted.size());
    for (var e : sorted.entrySet()) {
      writeString(e.getKey(), out);
      writeString(e.getValue(), out);
    }
  }

  private static Map<String, String> readConfigs(DataInputStream in) throws IOException {
    int size = in.readInt();
    var configs = new HashMap<String, String>();
    for (int i = 0; i < size; i++) configs.put(readString(in), readString(in));
    return configs;
  }

  private static void writeString(String s, DataOutputStream out) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(utf8.length);
    out.write(utf8);
  }

  private static String readString(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0) return null;
    if (length > in.available()) throw new IOException("string of " + length + " bytes exceeds the message");
    byte[] utf8 = new byte[length];
    in.readFully(utf8);
    return new String(utf8, StandardCharsets.UTF_8);
  }

  private void writeRef(ActorRef<?> ref, DataOutputStream out) throws IOException {
    writeString(resolver().toSerializationFormat(ref), out);
  }

  private <T> ActorRef<T> readRef(DataInputStream in) throws IOException {
    return resolver().resolveActorRef(readString(in));
  }

  private ActorRefResolver resolver() {
    ActorRefResolver r = resolver;
    if (r == null) {
      r = ActorRefResolver.get(Adapter.toTyped(system));
      resolver = r;
    }
    return r;
  }
}
