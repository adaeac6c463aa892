package io.tributary.metadata;

import akka.actor.ExtendedActorSystem;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.javadsl.Adapter;
import akka.serialization.SerializerWithStringManifest;
import io.tributary.metadata.Controller.AllocateProducerIds;
import io.tributary.metadata.Controller.BrokerRegistered;
import io.tributary.metadata.Controller.CreatePartitions;
import io.tributary.metadata.Controller.CreateTopic;
import io.tributary.metadata.Controller.DeleteTopic;
import io.tributary.metadata.Controller.ProducerIdsAllocated;
import io.tributary.metadata.Controller.RegisterBroker;
import io.tributary.metadata.Controller.Rejected;
import io.tributary.metadata.Controller.ReplaceTopicConfigs;
import io.tributary.metadata.Controller.TopicDone;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;

/**
 * Compact binary serializer for {@link MetadataSerializable}: the durable {@link MetadataState}
 * and the Controller's requests and replies. Big-endian {@link DataOutputStream} encoding;
 * strings are length-prefixed UTF-8 (length -1 for null), maps are sorted by key so equal
 * values give equal bytes. The state starts with a format version byte because it is stored
 * on disk (LMDB) and must stay readable across upgrades: change the format only by adding a
 * new version. Manifests are short and must never be reused for another shape.
 *
 * <p>Evolution: the stored state carries its format in its first byte; to change it, write format 2
 * and keep the reader of format 1 in {@link #fromBinary}. The requests and replies, which only
 * cross nodes (a rolling upgrade mixes versions), are versioned by their manifest: today's
 * manifests are format 1; a changed shape gets a new manifest and the old one stays readable.
 * src/test/resources/fixtures/metadata holds the bytes of format 1 (MetadataFixtureTest reads them).
 */
public final class MetadataSerializer extends SerializerWithStringManifest {

  /** Registered in reference.conf; must be unique among the ActorSystem's serializers. */
  public static final int IDENTIFIER = 172_450_101;

  private static final byte STATE_FORMAT_V1 = 1;

  private static final String STATE = "S";
  private static final String CREATE_TOPIC = "CT";
  private static final String DELETE_TOPIC = "DT";
  private static final String CREATE_PARTITIONS = "CP";
  private static final String REPLACE_CONFIGS = "RC";
  private static final String ALLOCATE_PIDS = "AP";
  private static final String REGISTER_BROKER = "RB";
  private static final String TOPIC_DONE = "TD";
  private static final String PIDS_ALLOCATED = "PA";
  private static final String BROKER_REGISTERED = "BR";
  private static final String REJECTED = "RJ";

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
    if (o instanceof TopicDone) return TOPIC_DONE;
    if (o instanceof ProducerIdsAllocated) return PIDS_ALLOCATED;
    if (o instanceof BrokerRegistered) return BROKER_REGISTERED;
    if (o instanceof Rejected) return REJECTED;
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
      out.writeByte(STATE_FORMAT_V1);
      writeState(s, out);
    } else if (o instanceof CreateTopic c) {
      writeString(c.name(), out);
      out.writeInt(c.partitions());
      writeConfigs(c.configs(), out);
      out.writeBoolean(c.validateOnly());
      writeRef(c.replyTo(), out);
    } else if (o instanceof DeleteTopic c) {
      writeString(c.name(), out);
      writeRef(c.replyTo(), out);
    } else if (o instanceof CreatePartitions c) {
      writeString(c.name(), out);
      out.writeInt(c.totalCount());
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
    } else if (o instanceof TopicDone r) {
      writeTopic(r.topic(), out);
      writeState(r.state(), out);
    } else if (o instanceof ProducerIdsAllocated r) {
      out.writeLong(r.firstId());
      writeState(r.state(), out);
    } else if (o instanceof BrokerRegistered r) {
      writeState(r.state(), out);
    } else if (o instanceof Rejected r) {
      out.writeShort(r.errorCode());
      writeString(r.message(), out);
    } else {
      throw new IllegalArgumentException("Cannot serialize " + o.getClass().getName());
    }
  }

  private Object read(String manifest, DataInputStream in) throws IOException {
    return switch (manifest) {
      case STATE -> {
        byte format = in.readByte();
        yield switch (format) {
          case STATE_FORMAT_V1 -> readState(in);
          // written by a newer version: refuse rather than misread (a downgrade is not supported)
          default -> throw new IOException("unknown metadata state format " + format);
        };
      }
      case CREATE_TOPIC -> new CreateTopic(readString(in), in.readInt(), readConfigs(in), in.readBoolean(), readRef(in));
      case DELETE_TOPIC -> new DeleteTopic(readString(in), readRef(in));
      case CREATE_PARTITIONS -> new CreatePartitions(readString(in), in.readInt(), in.readBoolean(), readRef(in));
      case REPLACE_CONFIGS -> new ReplaceTopicConfigs(readString(in), readConfigs(in), in.readBoolean(), readRef(in));
      case ALLOCATE_PIDS -> new AllocateProducerIds(in.readInt(), readRef(in));
      case REGISTER_BROKER -> new RegisterBroker(readBroker(in), readRef(in));
      case TOPIC_DONE -> new TopicDone(readTopic(in), readState(in));
      case PIDS_ALLOCATED -> new ProducerIdsAllocated(in.readLong(), readState(in));
      case BROKER_REGISTERED -> new BrokerRegistered(readState(in));
      case REJECTED -> new Rejected(in.readShort(), readString(in));
      default -> throw new IOException("unknown manifest");
    };
  }

  // ---- values ----

  private static void writeState(MetadataState s, DataOutputStream out) throws IOException {
    out.writeLong(s.version());
    writeString(s.clusterId(), out);
    out.writeLong(s.nextProducerId());
    var topics = new TreeMap<>(s.topics());
    out.writeInt(topics.size());
    for (TopicInfo t : topics.values()) writeTopic(t, out);
    var brokers = new TreeMap<>(s.brokers());
    out.writeInt(brokers.size());
    for (BrokerInfo b : brokers.values()) writeBroker(b, out);
  }

  private static MetadataState readState(DataInputStream in) throws IOException {
    long version = in.readLong();
    String clusterId = readString(in);
    long nextProducerId = in.readLong();
    int topicCount = in.readInt();
    var topics = new HashMap<String, TopicInfo>();
    for (int i = 0; i < topicCount; i++) {
      TopicInfo t = readTopic(in);
      topics.put(t.name(), t);
    }
    int brokerCount = in.readInt();
    var brokers = new HashMap<Integer, BrokerInfo>();
    for (int i = 0; i < brokerCount; i++) {
      BrokerInfo b = readBroker(in);
      brokers.put(b.nodeId(), b);
    }
    return new MetadataState(version, clusterId, nextProducerId, topics, brokers);
  }

  private static void writeTopic(TopicInfo t, DataOutputStream out) throws IOException {
    writeString(t.name(), out);
    out.writeLong(t.topicId().getMostSignificantBits());
    out.writeLong(t.topicId().getLeastSignificantBits());
    out.writeInt(t.partitionCount());
    writeConfigs(t.configs(), out);
  }

  private static TopicInfo readTopic(DataInputStream in) throws IOException {
    return new TopicInfo(readString(in), new Uuid(in.readLong(), in.readLong()), in.readInt(), readConfigs(in));
  }

  private static void writeBroker(BrokerInfo b, DataOutputStream out) throws IOException {
    out.writeInt(b.nodeId());
    writeString(b.host(), out);
    out.writeInt(b.port());
  }

  private static BrokerInfo readBroker(DataInputStream in) throws IOException {
    return new BrokerInfo(in.readInt(), readString(in), in.readInt());
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
