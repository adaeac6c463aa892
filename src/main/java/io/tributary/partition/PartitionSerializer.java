package io.tributary.partition;

import akka.actor.ExtendedActorSystem;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.javadsl.Adapter;
import akka.serialization.SerializerWithStringManifest;
import io.tributary.partition.PartitionEntity.ConfigChanged;
import io.tributary.partition.PartitionEntity.Delete;
import io.tributary.partition.PartitionEntity.Open;
import io.tributary.partition.PartitionEntity.OpenFailed;
import io.tributary.partition.PartitionEntity.Opened;
import io.tributary.partition.PartitionEntity.Stop;
import java.io.NotSerializableException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.Uuid;

/**
 * Serializer of the {@link PartitionEntity} messages that go through sharding and may cross nodes: commands and
 * the answers to {@link Open}. They carry data only (an actor ref as its serialized path, a topic id, an error);
 * the entity's internal messages never leave its node. Manifests are short and never reused for another shape.
 */
public final class PartitionSerializer extends SerializerWithStringManifest {
  /** Registered in reference.conf; unique among the ActorSystem's serializers. */
  public static final int IDENTIFIER = 172_450_102;

  private static final String OPEN = "O";
  private static final String DELETE = "D";
  private static final String CONFIG_CHANGED = "C";
  private static final String STOP = "S";
  private static final String OPENED = "K";
  private static final String OPEN_FAILED = "F";

  private final ExtendedActorSystem system;

  public PartitionSerializer(ExtendedActorSystem system) {
    this.system = system;
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof Open) return OPEN;
    if (o instanceof Delete) return DELETE;
    if (o instanceof ConfigChanged) return CONFIG_CHANGED;
    if (o instanceof Stop) return STOP;
    if (o instanceof Opened) return OPENED;
    if (o instanceof OpenFailed) return OPEN_FAILED;
    throw new IllegalArgumentException("Cannot serialize " + o.getClass().getName());
  }

  @Override
  public byte[] toBinary(Object o) {
    if (o instanceof Open open) return utf8(resolver().toSerializationFormat(open.replyTo()));
    if (o instanceof Delete || o instanceof ConfigChanged || o instanceof Stop) return new byte[0];
    if (o instanceof Opened opened) {
      return ByteBuffer.allocate(16).putLong(opened.topicId().getMostSignificantBits())
          .putLong(opened.topicId().getLeastSignificantBits()).array();
    }
    if (o instanceof OpenFailed failed) {
      byte[] message = utf8(failed.message() == null ? "" : failed.message());
      return ByteBuffer.allocate(2 + message.length).putShort(failed.errorCode()).put(message).array();
    }
    throw new IllegalArgumentException("Cannot serialize " + o.getClass().getName());
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try {
      var in = ByteBuffer.wrap(bytes);
      return switch (manifest) {
        case OPEN -> new Open(resolver().resolveActorRef(new String(bytes, StandardCharsets.UTF_8)));
        case DELETE -> new Delete();
        case CONFIG_CHANGED -> new ConfigChanged();
        case STOP -> Stop.INSTANCE;
        case OPENED -> new Opened(new Uuid(in.getLong(), in.getLong()));
        case OPEN_FAILED -> new OpenFailed(in.getShort(),
            new String(bytes, 2, bytes.length - 2, StandardCharsets.UTF_8));
        default -> throw new NotSerializableException("Unknown manifest " + manifest);
      };
    } catch (RuntimeException e) {
      var failure = new NotSerializableException("Cannot read " + manifest + ": " + e);
      failure.initCause(e);
      throw failure;
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private ActorRefResolver resolver() {
    return ActorRefResolver.get(Adapter.toTyped(system));
  }
}
