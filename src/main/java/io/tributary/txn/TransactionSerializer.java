package io.tributary.txn;

import akka.actor.ExtendedActorSystem;
import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.javadsl.Adapter;
import akka.serialization.SerializerWithStringManifest;
import io.tributary.txn.TransactionEntity.AddOffsets;
import io.tributary.txn.TransactionEntity.AddPartitions;
import io.tributary.txn.TransactionEntity.Describe;
import io.tributary.txn.TransactionEntity.EndTransaction;
import io.tributary.txn.TransactionEntity.InitProducerId;
import io.tributary.txn.TransactionEntity.PartitionsAdded;
import io.tributary.txn.TransactionEntity.ProducerIdInitialized;
import io.tributary.txn.TransactionEntity.Result;
import io.tributary.txn.TransactionEntity.State;
import io.tributary.txn.TransactionEntity.Status;
import io.tributary.txn.TransactionEntity.TransactionCompleted;
import io.tributary.txn.TransactionEntity.TransactionPrepared;
import io.tributary.txn.TransactionEntity.TransactionalIdExpired;
import io.tributary.txn.TransactionEntity.Unload;
import io.tributary.txn.TransactionEntity.Verification;
import io.tributary.txn.TransactionEntity.VerifyPartitions;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;

/**
 * Compact binary serializer for everything of the transaction package that is persisted (events, the snapshot {@link
 * State}) or may cross nodes (the public commands and their replies): fields in declaration order behind a one-byte
 * format version (DataOutputStream; strings length-prefixed, -1 for null). Manifests are short and stable: never reuse
 * one for a different shape; to change a record, add a format and keep reading the old one, as GroupSerializer does.
 */
public final class TransactionSerializer extends SerializerWithStringManifest {
  public static final int IDENTIFIER = 172_450_103;
  private static final byte FORMAT_1 = 1;

  private final ActorRefResolver resolver;

  public TransactionSerializer(ExtendedActorSystem system) {
    this.resolver = ActorRefResolver.get(Adapter.toTyped(system));
  }

  @Override
  public int identifier() {
    return IDENTIFIER;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof ProducerIdInitialized) return "PI";
    if (o instanceof PartitionsAdded) return "PA";
    if (o instanceof TransactionPrepared) return "TP";
    if (o instanceof TransactionCompleted) return "TC";
    if (o instanceof TransactionalIdExpired) return "TX";
    if (o instanceof State) return "ST";
    if (o instanceof InitProducerId) return "cI";
    if (o instanceof AddPartitions) return "cA";
    if (o instanceof VerifyPartitions) return "cV";
    if (o instanceof AddOffsets) return "cO";
    if (o instanceof EndTransaction) return "cE";
    if (o instanceof Describe) return "cD";
    if (o instanceof Unload) return "cU";
    if (o instanceof Result) return "rR";
    if (o instanceof Verification) return "rV";
    throw new IllegalArgumentException("TransactionSerializer cannot serialize " + o.getClass());
  }

  @Override
  public byte[] toBinary(Object o) {
    try {
      var bytes = new ByteArrayOutputStream(64);
      var out = new DataOutputStream(bytes);
      out.writeByte(FORMAT_1);
      write(out, o);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    try {
      var in = new DataInputStream(new ByteArrayInputStream(bytes));
      byte format = in.readByte();
      if (format != FORMAT_1) {
        throw new NotSerializableException("unknown transaction format " + format + " for manifest " + manifest);
      }
      return read(in, manifest);
    } catch (NotSerializableException e) {
      throw e;
    } catch (IOException e) {
      var failure = new NotSerializableException("cannot read transaction manifest " + manifest + ": " + e);
      failure.initCause(e);
      throw failure;
    }
  }

  private void write(DataOutputStream out, Object o) throws IOException {
    if (o instanceof ProducerIdInitialized e) {
      out.writeLong(e.producerId());
      out.writeLong(e.lastProducerId());
      out.writeShort(e.producerEpoch());
      out.writeShort(e.lastProducerEpoch());
      out.writeInt(e.timeoutMs());
      out.writeLong(e.timestamp());
    } else if (o instanceof PartitionsAdded e) {
      partitions(out, e.partitions());
      strings(out, e.groups());
      out.writeLong(e.timestamp());
    } else if (o instanceof TransactionPrepared e) {
      out.writeBoolean(e.commit());
      out.writeShort(e.producerEpoch());
      out.writeShort(e.lastProducerEpoch());
      out.writeLong(e.timestamp());
    } else if (o instanceof TransactionCompleted e) {
      out.writeLong(e.timestamp());
    } else if (o instanceof TransactionalIdExpired e) {
      out.writeLong(e.timestamp());
    } else if (o instanceof State s) {
      out.writeLong(s.producerId());
      out.writeLong(s.lastProducerId());
      out.writeShort(s.producerEpoch());
      out.writeShort(s.lastProducerEpoch());
      out.writeInt(s.timeoutMs());
      out.writeByte(s.status().ordinal());
      partitions(out, List.copyOf(s.partitions()));
      strings(out, List.copyOf(s.groups()));
      out.writeLong(s.startTimestamp());
      out.writeLong(s.lastUpdateTimestamp());
    } else if (o instanceof InitProducerId c) {
      out.writeInt(c.transactionTimeoutMs());
      out.writeLong(c.expectedProducerId());
      out.writeShort(c.expectedProducerEpoch());
      ref(out, c.replyTo());
    } else if (o instanceof AddPartitions c) {
      out.writeLong(c.producerId());
      out.writeShort(c.producerEpoch());
      partitions(out, c.partitions());
      ref(out, c.replyTo());
    } else if (o instanceof VerifyPartitions c) {
      out.writeLong(c.producerId());
      out.writeShort(c.producerEpoch());
      partitions(out, c.partitions());
      ref(out, c.replyTo());
    } else if (o instanceof AddOffsets c) {
      out.writeLong(c.producerId());
      out.writeShort(c.producerEpoch());
      str(out, c.groupId());
      ref(out, c.replyTo());
    } else if (o instanceof EndTransaction c) {
      out.writeLong(c.producerId());
      out.writeShort(c.producerEpoch());
      out.writeBoolean(c.commit());
      ref(out, c.replyTo());
    } else if (o instanceof Describe c) {
      ref(out, c.replyTo());
    } else if (o instanceof Unload) {
      // no fields
    } else if (o instanceof Result r) {
      out.writeShort(r.errorCode());
      out.writeLong(r.producerId());
      out.writeShort(r.producerEpoch());
    } else if (o instanceof Verification v) {
      var sorted = new TreeMap<String, Short>();
      var byKey = new HashMap<String, TopicPartition>();
      v.errors().forEach((tp, e) -> {
        sorted.put(tp.toString(), e);
        byKey.put(tp.toString(), tp);
      });
      out.writeInt(sorted.size());
      for (var e : sorted.entrySet()) {
        var tp = byKey.get(e.getKey());
        str(out, tp.topic());
        out.writeInt(tp.partition());
        out.writeShort(e.getValue());
      }
    } else {
      throw new IllegalArgumentException("TransactionSerializer cannot serialize " + o.getClass());
    }
  }

  private Object read(DataInputStream in, String manifest) throws IOException {
    return switch (manifest) {
      case "PI" -> new ProducerIdInitialized(in.readLong(), in.readLong(), in.readShort(), in.readShort(), in.readInt(),
          in.readLong());
      case "PA" -> new PartitionsAdded(partitions(in), strings(in), in.readLong());
      case "TP" -> new TransactionPrepared(in.readBoolean(), in.readShort(), in.readShort(), in.readLong());
      case "TC" -> new TransactionCompleted(in.readLong());
      case "TX" -> new TransactionalIdExpired(in.readLong());
      case "ST" -> new State(in.readLong(), in.readLong(), in.readShort(), in.readShort(), in.readInt(),
          Status.values()[in.readByte()], new LinkedHashSet<>(partitions(in)), new LinkedHashSet<>(strings(in)),
          in.readLong(), in.readLong());
      case "cI" -> new InitProducerId(in.readInt(), in.readLong(), in.readShort(), ref(in));
      case "cA" -> new AddPartitions(in.readLong(), in.readShort(), partitions(in), ref(in));
      case "cV" -> new VerifyPartitions(in.readLong(), in.readShort(), partitions(in), ref(in));
      case "cO" -> new AddOffsets(in.readLong(), in.readShort(), str(in), ref(in));
      case "cE" -> new EndTransaction(in.readLong(), in.readShort(), in.readBoolean(), ref(in));
      case "cD" -> new Describe(ref(in));
      case "cU" -> new Unload();
      case "rR" -> new Result(in.readShort(), in.readLong(), in.readShort());
      case "rV" -> {
        int n = in.readInt();
        var errors = new HashMap<TopicPartition, Short>();
        for (int i = 0; i < n; i++) errors.put(new TopicPartition(str(in), in.readInt()), in.readShort());
        yield new Verification(errors);
      }
      default -> throw new NotSerializableException("unknown transaction manifest " + manifest);
    };
  }

  private static void str(DataOutputStream out, String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String str(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n < 0) return null;
    byte[] b = new byte[n];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  private static void partitions(DataOutputStream out, List<TopicPartition> partitions) throws IOException {
    out.writeInt(partitions.size());
    for (var tp : partitions) {
      str(out, tp.topic());
      out.writeInt(tp.partition());
    }
  }

  private static List<TopicPartition> partitions(DataInputStream in) throws IOException {
    int n = in.readInt();
    var list = new ArrayList<TopicPartition>(n);
    for (int i = 0; i < n; i++) list.add(new TopicPartition(str(in), in.readInt()));
    return list;
  }

  private static void strings(DataOutputStream out, List<String> strings) throws IOException {
    out.writeInt(strings.size());
    for (var s : strings) str(out, s);
  }

  private static List<String> strings(DataInputStream in) throws IOException {
    int n = in.readInt();
    var list = new ArrayList<String>(n);
    for (int i = 0; i < n; i++) list.add(str(in));
    return list;
  }

  private void ref(DataOutputStream out, ActorRef<?> ref) throws IOException {
    str(out, resolver.toSerializationFormat(ref));
  }

  private <T> ActorRef<T> ref(DataInputStream in) throws IOException {
    return resolver.resolveActorRef(str(in));
  }
}
