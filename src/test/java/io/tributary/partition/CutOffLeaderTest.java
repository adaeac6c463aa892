package io.tributary.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.metadata.PartitionInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.NotLeaderOrFollowerException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader cut off from the majority of the cluster turns clients away from the partitions another in-sync replica
 * can take over, and answers the acks=all produces waiting on it at once, so that clients look for the leader the
 * majority elects instead of waiting for the whole cut.
 */
class CutOffLeaderTest {
  @TempDir Path dir;
  private HandleFixture fixture;
  private PartitionHandle handle;
  /** Node 1 leads, node 2 in the ISR. */
  private final AtomicReference<PartitionInfo> assignment = new AtomicReference<>(
      new PartitionInfo(List.of(1, 2), 1, 3, List.of(1, 2), 4, List.of(), List.of()));

  @BeforeEach
  void open() throws Exception {
    fixture = new HandleFixture("CutOffLeaderTest", dir, 1, assignment::get);
    handle = fixture.handle;
  }

  @AfterEach
  void close() throws Exception {
    fixture.close();
  }

  private long append() throws Exception {
    return handle.append(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord("v".getBytes())))
        .toCompletableFuture().get(10, TimeUnit.SECONDS).lastOffset();
  }

  @Test
  void aCutOffLeaderAnswersTheAcksAllProducesWaitingOnIt() throws Exception {
    long last = append();
    var waiting = handle.awaitHighWatermark(last + 1);
    assertFalse(waiting.isDone(), "node 2 has not fetched the record");

    handle.quorumLost(true);
    assertTrue(handle.cutOffFromClients());
    var e = assertThrows(ExecutionException.class, () -> waiting.get(10, TimeUnit.SECONDS));
    assertInstanceOf(NotLeaderOrFollowerException.class, e.getCause());
    assertTrue(handle.isLeader(), "leadership itself is the Controller's to change");
    assertInstanceOf(NotLeaderOrFollowerException.class,
        assertThrows(ExecutionException.class, () -> handle.awaitHighWatermark(last + 1).get(10, TimeUnit.SECONDS)).getCause());

    handle.quorumLost(false);
    assertFalse(handle.cutOffFromClients());
    var again = handle.awaitHighWatermark(last + 1);
    handle.followerFetched(2, last + 1, last + 1); // node 2 fetched past the record
    again.get(10, TimeUnit.SECONDS);
    assertEquals(last + 1, handle.highWatermark());
  }

  @Test
  void aPartitionWhoseIsrIsTheCutOffLeaderAloneStaysWithIt() throws Exception {
    assignment.set(new PartitionInfo(List.of(1, 2), 1, 3, List.of(1), 5, List.of(), List.of()));
    handle.assignmentChanged();
    handle.quorumLost(true);
    assertFalse(handle.cutOffFromClients(), "no other replica could take it over without losing records");
    long last = append();
    handle.awaitHighWatermark(last + 1).get(10, TimeUnit.SECONDS);
  }
}
