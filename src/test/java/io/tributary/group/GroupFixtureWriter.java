package io.tributary.group;

import akka.actor.ActorSystem;
import akka.actor.ExtendedActorSystem;
import com.typesafe.config.ConfigFactory;
import io.tributary.group.GroupEntity.CommittedOffset;
import io.tributary.group.GroupEntity.MemberRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * Test utility, not shipped: writes the serialized bytes of every persisted group type (events and
 * the snapshot state) with the serializer as it is, one file {@code <manifest>.<case>.bin} each, into
 * the directory given as the first argument. The files in src/test/resources/fixtures/group were
 * written by the serializer of commit 07cf452 (format 1) and are read by {@link GroupFixtureTest};
 * never regenerate them over old ones: add new files for a new format.
 */
public final class GroupFixtureWriter {
  private GroupFixtureWriter() {}

  static final byte[] META = {0, 1, 2, 3};
  static final MemberRecord STATIC_MEMBER = new MemberRecord("c-1", "inst", "client", "/10.0.0.1", 30000, 10000, META, new byte[] {9});
  static final MemberRecord DYNAMIC_MEMBER = new MemberRecord("c-2", null, "client-b", "/10.0.0.2", 45000, 6000, new byte[0], new byte[0]);

  static Map<TopicPartition, CommittedOffset> offsets() {
    var offsets = new LinkedHashMap<TopicPartition, CommittedOffset>();
    offsets.put(new TopicPartition("t1", 0), new CommittedOffset(42, 3, "meta", 1000L));
    offsets.put(new TopicPartition("t1", 1), new CommittedOffset(7, -1, "", 1001L));
    offsets.put(new TopicPartition("t2", 5), new CommittedOffset(0, 0, "\u00fcn\u00efc\u00f8d\u00e9", 1002L));
    return offsets;
  }

  static Map<String, Object> values() {
    var assignments = new LinkedHashMap<String, byte[]>();
    assignments.put("c-1", new byte[] {1});
    assignments.put("c-2", new byte[0]);
    var v = new LinkedHashMap<String, Object>();
    v.put("GS.members", new GroupEntity.GenerationStarted(3, "consumer", "range", "c-1", List.of(STATIC_MEMBER, DYNAMIC_MEMBER), 123L));
    v.put("GS.empty", new GroupEntity.GenerationStarted(4, "consumer", null, null, List.of(), 124L));
    v.put("AR.two", new GroupEntity.AssignmentsReceived(3, assignments));
    v.put("SR.static", new GroupEntity.StaticMemberReplaced("c-0", STATIC_MEMBER));
    v.put("OC.three", new GroupEntity.OffsetsCommitted(offsets()));
    v.put("OD.two", new GroupEntity.OffsetsDeleted(List.of(new TopicPartition("t1", 0), new TopicPartition("t2", 5))));
    v.put("GD.at99", new GroupEntity.GroupDeleted(99L));
    v.put("ST.stable", new GroupEntity.State(3, "consumer", "range", "c-1", List.of(STATIC_MEMBER, DYNAMIC_MEMBER), true, 5L, offsets()));
    v.put("ST.initial", GroupEntity.State.INITIAL);
    return v;
  }

  public static void main(String[] args) throws Exception {
    var dir = Path.of(args[0]);
    Files.createDirectories(dir);
    var system = ActorSystem.create("fixtures", ConfigFactory.parseString("akka.actor.provider = local").withFallback(ConfigFactory.load()));
    try {
      var serializer = new GroupSerializer((ExtendedActorSystem) system);
      for (var e : values().entrySet()) {
        var manifest = e.getKey().substring(0, e.getKey().indexOf('.'));
        if (!manifest.equals(serializer.manifest(e.getValue()))) throw new IllegalStateException("manifest of " + e.getKey());
        Files.write(dir.resolve(e.getKey() + ".bin"), serializer.toBinary(e.getValue()));
      }
    } finally {
      system.terminate();
    }
  }
}
