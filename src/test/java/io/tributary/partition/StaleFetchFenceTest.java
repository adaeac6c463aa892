package io.tributary.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tributary.metadata.PartitionInfo;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fetch answer that arrives after the follower began leading (its old leader was paused with the fetch in flight,
 * then resumed) must change nothing: appending the old leader's records after the new epoch's start made the epoch
 * cache and the log disagree, and the replicas fetching from this node then truncated and refetched forever.
 */
class StaleFetchFenceTest {
  @TempDir Path dir;
  private HandleFixture fixture;
  private PartitionHandle handle;
  /** Node 2 follows node 1 in leader epoch 0. */
  private final AtomicReference<PartitionInfo> assignment = new AtomicReference<>(
      new PartitionInfo(List.of(1, 2), 1, 0, List.of(1, 2), 0, List.of(), List.of()));

  @BeforeEach
  void open() throws Exception {
    fixture = new HandleFixture("StaleFetchFenceTest", dir, 2, assignment::get);
    handle = fixture.handle;
  }

  @AfterEach
  void close() throws Exception {
    fixture.close();
  }

  /** A batch as a leader in {@code epoch} stored it, at {@code offset}. */
  private static MemoryRecords leaderBatch(long offset, int epoch, String... values) {
    MemoryRecordsBuilder b = MemoryRecords.builder(ByteBuffer.allocate(1024), RecordBatch.CURRENT_MAGIC_VALUE,
        Compression.NONE, TimestampType.CREATE_TIME, offset, 1L, RecordBatch.NO_PRODUCER_ID,
        RecordBatch.NO_PRODUCER_EPOCH, RecordBatch.NO_SEQUENCE, false, false, epoch);
    for (String v : values) b.append(1L, null, v.getBytes());
    return b.build();
  }

  private static Throwable failure(java.util.concurrent.CompletionStage<?> stage) {
    var e = assertThrows(ExecutionException.class, () -> stage.toCompletableFuture().get(10, TimeUnit.SECONDS));
    return e.getCause();
  }

  @Test
  void answersOfAFetchMadeInAnOlderLeaderEpochChangeNothingOnceThisReplicaLeads() throws Exception {
    handle.appendAsFollower(leaderBatch(0, 0, "a", "b"), 0).toCompletableFuture().get(10, TimeUnit.SECONDS);
    handle.followerHighWatermark(2, 0);
    assertEquals(2, handle.logEndOffset());
    assertEquals(2, handle.highWatermark());

    // the Controller makes node 2 leader in epoch 1; node 1's answer to a fetch made in epoch 0 arrives later
    assignment.set(new PartitionInfo(List.of(1, 2), 2, 1, List.of(2), 1, List.of(), List.of()));
    handle.assignmentChanged();

    assertInstanceOf(PartitionHandle.StaleFetchException.class, failure(handle.appendAsFollower(leaderBatch(2, 0, "c"), 0)));
    assertInstanceOf(PartitionHandle.StaleFetchException.class, failure(handle.truncateTo(1, 0)));
    assertInstanceOf(PartitionHandle.StaleFetchException.class, failure(handle.truncateFullyAndStartAt(5, 0)));
    handle.followerHighWatermark(0, 0);
    assertEquals(2, handle.logEndOffset(), "nothing appended or truncated");
    assertEquals(0, handle.logStartOffset());
    assertEquals(2, handle.highWatermark(), "the old leader's high watermark is not taken");
  }

  @Test
  void aFollowerOfANewLeaderRefusesAnswersOfTheOldOne() throws Exception {
    handle.appendAsFollower(leaderBatch(0, 0, "a"), 0).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assignment.set(new PartitionInfo(List.of(1, 2, 3), 3, 1, List.of(3, 2), 1, List.of(), List.of()));
    handle.assignmentChanged();

    assertInstanceOf(PartitionHandle.StaleFetchException.class, failure(handle.appendAsFollower(leaderBatch(1, 0, "b"), 0)));
    handle.appendAsFollower(leaderBatch(1, 1, "b"), 1).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals(2, handle.logEndOffset(), "the new leader's answer is appended");
  }
}
