package io.tributary.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tributary.metadata.MetadataImage;
import io.tributary.metadata.PartitionInfo;
import io.tributary.metadata.TopicInfo;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

/** What node 1's replication metrics count, from metadata images: ReplicaStatus and IsrChanges. */
class ReplicaCountsTest {
  private static final Uuid ID = Uuid.randomUuid();

  private static MetadataImage image(long version, PartitionInfo... partitions) {
    var topic = new TopicInfo("t", ID, Map.of("min.insync.replicas", "2"), List.of(partitions));
    return new MetadataImage(version, 1, "c", Map.of("t", topic), Map.of(), Map.of());
  }

  @Test
  void countsTheLeadersUnderReplicatedAndMinIsrPartitions() {
    var image = image(1,
        new PartitionInfo(List.of(1, 2, 3), 1, 0, List.of(1, 2, 3), 0), // full ISR, above min
        new PartitionInfo(List.of(1, 2, 3), 1, 0, List.of(1, 2), 1),    // under-replicated, at min
        new PartitionInfo(List.of(1, 2, 3), 1, 0, List.of(1), 2),       // under-replicated, under min
        new PartitionInfo(List.of(2, 1, 3), 2, 0, List.of(2), 1),       // led by node 2: not node 1's to count
        new PartitionInfo(List.of(2, 3), 2, 0, List.of(2, 3), 0));      // no replica on node 1
    var status = ReplicaStatus.of(image, 1, t -> Integer.parseInt(t.configs().get("min.insync.replicas")));
    assertEquals(new ReplicaStatus(4, 3, 2, 1, 1), status);
  }

  @Test
  void countsIsrChangesOfPartitionsLedInTheSameEpoch() {
    var changes = new IsrChanges(1);
    var full = image(1, new PartitionInfo(List.of(1, 2), 1, 0, List.of(1, 2), 0));
    var shrunk = image(2, new PartitionInfo(List.of(1, 2), 1, 0, List.of(1), 1));
    var expanded = image(3, new PartitionInfo(List.of(1, 2), 1, 0, List.of(1, 2), 2));
    var elsewhere = image(4, new PartitionInfo(List.of(1, 2), 2, 1, List.of(2), 3));
    changes.observe(full, shrunk);
    changes.observe(shrunk, expanded);
    changes.observe(expanded, elsewhere); // an election: neither
    changes.observe(elsewhere, image(5, new PartitionInfo(List.of(1, 2), 2, 1, List.of(2, 1), 4))); // node 2's
    assertEquals(1, changes.shrinks());
    assertEquals(1, changes.expands());
  }
}
