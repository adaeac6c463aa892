package io.tributary.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.metadata.PartitionInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader's high watermark while it asks the Controller to add a replica to the ISR (Kafka's maximal ISR): the
 * replica counts from the claim on, so no record is acknowledged that it does not have. That is what makes a
 * reassignment safe when the expansion completes it and moves leadership to the new replica.
 */
class PendingIsrHighWatermarkTest {
  @TempDir Path dir;
  private HandleFixture fixture;
  private PartitionHandle handle;
  /** Node 1 leads; node 2 is a replica outside the ISR (a reassignment is adding it). */
  private final AtomicReference<PartitionInfo> assignment = new AtomicReference<>(
      new PartitionInfo(List.of(2, 1), 1, 0, List.of(1), 1, List.of(2), List.of(1)));

  @BeforeEach
  void open() throws Exception {
    fixture = new HandleFixture("PendingIsrHighWatermarkTest", dir, 1, assignment::get);
    handle = fixture.handle;
  }

  @AfterEach
  void close() throws Exception {
    fixture.close();
  }

  private void append(int records) throws Exception {
    var batch = new SimpleRecord[records];
    for (int i = 0; i < records; i++) batch[i] = new SimpleRecord(("v" + i).getBytes());
    handle.append(MemoryRecords.withRecords(Compression.NONE, batch)).toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aReplicaProposedForTheIsrHoldsBackTheHighWatermarkUntilTheAnswer() throws Exception {
    append(2);
    assertEquals(2, handle.highWatermark(), "the ISR is the leader alone");
    assertTrue(handle.followerFetched(2, 2, 2), "caught up: eligible for the ISR");
    assertTrue(handle.claimIsrProposal(2, 2));
    assertFalse(handle.claimIsrProposal(2, 2), "one proposal at a time");

    append(3);
    assertEquals(2, handle.highWatermark(), "nothing past what the joining replica has is acknowledged");
    handle.followerFetched(2, 4, 5);
    assertEquals(4, handle.highWatermark());
    handle.followerFetched(2, 5, 5);
    assertEquals(5, handle.highWatermark());

    // refused (or answered): only the ISR counts again, and the leader alone moves it
    handle.isrProposalSettled();
    append(1);
    assertEquals(6, handle.highWatermark());
    assertFalse(handle.claimIsrProposal(2, 5), "a replica behind the high watermark is not proposed");
  }
}
