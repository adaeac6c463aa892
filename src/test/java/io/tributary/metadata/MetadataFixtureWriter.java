package io.tributary.metadata;

import akka.actor.ActorSystem;
import akka.actor.ExtendedActorSystem;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * Test utility, not shipped: writes the serialized bytes of the durable {@link MetadataState} and of
 * the Controller's replies (which cross nodes during a rolling upgrade) with the serializer as it
 * is, one file {@code <manifest>.<case>.bin} each, into the directory given as the first argument.
 * The files in src/test/resources/fixtures/metadata were written by the serializer of commit 07cf452 (state
 * format 1; this writer now writes the current format); those in its v3/ directory by the serializer of commit
 * 33a0eb3 (state format 3, replies TD3/PA3/BR3) from {@link #valuesV3()}, with this class copied into a checkout of
 * that commit and run with the arguments {@code <dir> v3} (on later commits the manifests differ and it refuses).
 * {@link MetadataFixtureTest} reads them; never regenerate them over old ones.
 */
public final class MetadataFixtureWriter {
  private MetadataFixtureWriter() {}

  static final TopicInfo ORDERS = TopicInfo.created("orders", new Uuid(0x0123456789abcdefL, 0x0fedcba987654321L),
      Map.of("cleanup.policy", "compact", "retention.ms", "-1"), Collections.nCopies(12, List.of(1)));
  static final TopicInfo UNICODE = TopicInfo.created("t\u00e9st_\u6f22", new Uuid(1L, 2L), Map.of(), List.of(List.of(2)));

  static MetadataState state() {
    return new MetadataState(42, 1, "cluster-abc", 1_000_000_000_123L, Map.of(ORDERS.name(), ORDERS, UNICODE.name(), UNICODE),
        Map.of(1, new BrokerInfo(1, "10.0.0.1", 9092), 2, new BrokerInfo(2, "broker-2.example", 19092)), Map.of());
  }

  static Map<String, Object> values() {
    var v = new LinkedHashMap<String, Object>();
    v.put("S.full", state());
    v.put("S.empty", MetadataState.EMPTY);
    v.put("TD.orders", new Controller.TopicDone(ORDERS, state()));
    v.put("PA.5000", new Controller.ProducerIdsAllocated(5000, state()));
    v.put("BR.state", new Controller.BrokerRegistered(state()));
    v.put("RJ.exists", new Controller.Rejected((short) 36, "Topic 'orders' already exists."));
    return v;
  }

  /**
   * A state of format 3's shape: replicas, leaders and leader epochs that differ per partition (one partition without
   * replicas or leader, as format 1 and 2 partitions read), controller epoch, racks and cluster addresses, an
   * internal topic.
   */
  static MetadataState replicatedState() {
    var partitions = new java.util.ArrayList<PartitionInfo>();
    for (int p = 0; p < 6; p++) {
      partitions.add(new PartitionInfo(List.of(p % 3 + 1, (p + 1) % 3 + 1), p % 3 + 1, 10 + p));
    }
    partitions.add(new PartitionInfo(List.of(), PartitionInfo.NO_LEADER, 3));
    var orders = new TopicInfo("orders", ORDERS.topicId(), ORDERS.configs(), partitions);
    var offsets = new TopicInfo(MetadataImage.OFFSETS_TOPIC, new Uuid(3L, 4L), Map.of(),
        List.of(new PartitionInfo(List.of(2), 2, 1), new PartitionInfo(List.of(3), 3, 0)));
    return new MetadataState(77, 5, "cluster-v3", 2000, Map.of(orders.name(), orders),
        Map.of(1, new BrokerInfo(1, "10.0.0.1", 9092, "rack-a", "akka://tributary@10.0.0.1:25520"),
            2, new BrokerInfo(2, "10.0.0.2", 9092, null, "akka://tributary@10.0.0.2:25520"),
            3, new BrokerInfo(3, "10.0.0.3", 9092, "rack-c", "akka://tributary@10.0.0.3:25520")),
        Map.of(offsets.name(), offsets));
  }

  /** The format-3 set: the state and the replies that carry it. */
  static Map<String, Object> valuesV3() {
    var v = new LinkedHashMap<String, Object>();
    MetadataState state = replicatedState();
    v.put("S.replicated", state);
    v.put("TD3.orders", new Controller.TopicDone(state.topics().get("orders"), state));
    v.put("PA3.2000", new Controller.ProducerIdsAllocated(2000, state));
    v.put("BR3.state", new Controller.BrokerRegistered(state));
    return v;
  }

  public static void main(String[] args) throws Exception {
    var dir = Path.of(args[0]);
    var values = args.length > 1 && args[1].equals("v3") ? valuesV3() : values();
    Files.createDirectories(dir);
    var system = ActorSystem.create("fixtures", ConfigFactory.parseString("akka.actor.provider = local").withFallback(ConfigFactory.load()));
    try {
      var serializer = new MetadataSerializer((ExtendedActorSystem) system);
      for (var e : values.entrySet()) {
        var manifest = e.getKey().substring(0, e.getKey().indexOf('.'));
        if (!manifest.equals(serializer.manifest(e.getValue()))) throw new IllegalStateException("manifest of " + e.getKey());
        Files.write(dir.resolve(e.getKey() + ".bin"), serializer.toBinary(e.getValue()));
      }
    } finally {
      system.terminate();
    }
  }
}
