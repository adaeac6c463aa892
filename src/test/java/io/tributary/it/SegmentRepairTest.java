package io.tributary.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tributary.node.BrokerNode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * A partition whose last segment was damaged while the broker was down (tail cut in the middle of
 * a batch, tail overwritten with garbage, index files deleted) is repaired on start: every record
 * before the damage is readable in order, nothing after it is invented (the log end offset is the
 * end of the last intact batch), and new records continue at that offset.
 */
@Timeout(value = 3, unit = java.util.concurrent.TimeUnit.MINUTES)
class SegmentRepairTest {
  private static final String TOPIC = "repair";
  private static final TopicPartition TP = new TopicPartition(TOPIC, 0);
  private static final int RECORDS = 300;
  /** Written by a graceful close of a partition log; its absence makes the next open re-validate the tail. */
  private static final String CLEAN_SHUTDOWN_MARKER = ".clean-shutdown";
  private static final Map<String, Object> SMALL_SEGMENTS = Map.of("tributary.log.segment.bytes", 4096);

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path data;

  /** A batch of a segment file: where it is and which offsets it holds. */
  private record Batch(int position, int size, long baseOffset, long lastOffset) {}

  @Test
  void tailCutInTheMiddleOfABatch() throws Exception {
    List<String> values = produceAndStop();
    Path log = lastSegment();
    List<Batch> batches = batches(log);
    Batch victim = batches.get(batches.size() / 2);
    try (var file = new RandomAccessFile(log.toFile(), "rw")) {
      file.setLength(victim.position() + victim.size() / 2);
    }
    deleteCleanShutdownMarker();
    System.out.printf("cut %s at byte %d, in the batch of offsets %d..%d%n",
        log.getFileName(), victim.position() + victim.size() / 2, victim.baseOffset(), victim.lastOffset());
    restartAndVerify(values, victim.baseOffset());
  }

  @Test
  void tailCutWhileTheCleanShutdownMarkerSaysAllIsWell() throws Exception {
    // the marker is trusted for CRCs, but a last segment that does not end on a batch boundary is still recovered
    List<String> values = produceAndStop();
    Path log = lastSegment();
    Batch last = batches(log).get(batches(log).size() - 1);
    try (var file = new RandomAccessFile(log.toFile(), "rw")) {
      file.setLength(last.position() + 30);
    }
    restartAndVerify(values, last.baseOffset());
  }

  @Test
  void tailOverwrittenWithGarbageInsideABatch() throws Exception {
    List<String> values = produceAndStop();
    Path log = lastSegment();
    List<Batch> batches = batches(log);
    Batch victim = batches.get(batches.size() / 2);
    overwriteWithGarbage(log, victim.position() + victim.size() / 2, 42);
    deleteCleanShutdownMarker();
    restartAndVerify(values, victim.baseOffset());
  }

  @Test
  void tailOverwrittenWithGarbageFromABatchBoundary() throws Exception {
    List<String> values = produceAndStop();
    Path log = lastSegment();
    List<Batch> batches = batches(log);
    Batch victim = batches.get(batches.size() / 2);
    overwriteWithGarbage(log, victim.position(), 7);
    deleteCleanShutdownMarker();
    restartAndVerify(values, victim.baseOffset());
  }

  @Test
  void zeroesAppendedAfterTheLastBatch() throws Exception {
    // what a crash after a file-size update but before the data write can leave behind
    List<String> values = produceAndStop();
    Path log = lastSegment();
    long size = Files.size(log);
    try (var file = new RandomAccessFile(log.toFile(), "rw")) {
      file.setLength(size + 1000);
    }
    deleteCleanShutdownMarker();
    restartAndVerify(values, values.size());
  }

  @Test
  void deletedIndexesAfterACleanShutdown() throws Exception {
    List<String> values = produceAndStop();
    deleteIndexes();
    restartAndVerify(values, values.size());
  }

  @Test
  void deletedIndexesAfterAnUncleanShutdown() throws Exception {
    List<String> values = produceAndStop();
    deleteIndexes();
    deleteCleanShutdownMarker();
    restartAndVerify(values, values.size());
  }

  // ------------------------------------------------------------------------------------------

  /** Produces one record per batch until there are several segments and the last holds several batches; stops gracefully. */
  private List<String> produceAndStop() throws Exception {
    List<String> values = new ArrayList<>();
    BrokerNode node = RobustSupport.startNode(data, SMALL_SEGMENTS);
    try (var producer = RobustSupport.producer(RobustSupport.producerProps(node.bootstrapServers()))) {
      while (values.size() < RECORDS || batches(lastSegment()).size() < 6) {
        assertTrue(values.size() < RECORDS + 200, "the last segment never held 6 batches");
        String value = String.format("r-%06d-%s", values.size(), "x".repeat(80));
        var md = producer.send(new ProducerRecord<>(TOPIC, 0, null, value)).get(); // one record per batch
        assertEquals(values.size(), md.offset(), "offset of record " + values.size());
        values.add(value);
      }
    } finally {
      node.close();
    }
    assertTrue(segments().size() >= 3, "expected several segments, got " + segments());
    assertTrue(Files.exists(partitionDir().resolve(CLEAN_SHUTDOWN_MARKER)),
        "a graceful stop should leave " + CLEAN_SHUTDOWN_MARKER + " in " + partitionDir());
    return values;
  }

  /**
   * Starts the node again: log start 0, log end {@code expectedEnd}, records 0..end-1 as produced,
   * and the next records get offsets from {@code expectedEnd} on and are readable, also after
   * another restart (the repair, and the indexes of the repaired segment, were persisted right).
   */
  private void restartAndVerify(List<String> values, long expectedEnd) throws Exception {
    BrokerNode node = RobustSupport.startNode(data, SMALL_SEGMENTS);
    try {
      verifyRepaired(node.bootstrapServers(), values, expectedEnd);
      try (var producer = RobustSupport.producer(RobustSupport.producerProps(node.bootstrapServers()))) {
        for (int i = 0; i < 3; i++) {
          var md = producer.send(new ProducerRecord<>(TOPIC, 0, null, "after-repair-" + i)).get();
          assertEquals(expectedEnd + i, md.offset(), "offset of a record produced after the repair");
        }
      }
    } finally {
      node.close();
    }
    List<String> all = new ArrayList<>(values.subList(0, (int) expectedEnd));
    for (int i = 0; i < 3; i++) all.add("after-repair-" + i);
    node = RobustSupport.startNode(data, SMALL_SEGMENTS);
    try {
      verifyRepaired(node.bootstrapServers(), all, all.size());
    } finally {
      node.close();
    }
  }

  /** Log bounds, every record in order, and reads starting at offsets all over the log. */
  private void verifyRepaired(String bootstrap, List<String> values, long expectedEnd) {
    try (var consumer = RobustSupport.consumer(RobustSupport.consumerProps(bootstrap))) {
      assertEquals(0L, consumer.beginningOffsets(List.of(TP)).get(TP), "log start offset");
      assertEquals(expectedEnd, consumer.endOffsets(List.of(TP)).get(TP),
          "log end offset after repair (must be the end of the last intact batch)");
    }
    var read = RobustSupport.readAll(bootstrap, List.of(TP), Duration.ofSeconds(60)).get(TP);
    assertEquals(expectedEnd, read.size(), "records readable after repair");
    for (int i = 0; i < read.size(); i++) {
      assertEquals(i, read.get(i).offset(), "offset of the record at position " + i);
      assertEquals(values.get(i), read.get(i).value(), "value at offset " + i);
    }
    // reads that start anywhere in any segment, and at the last record, find their batch (indexes usable or rebuilt)
    List<Long> seeks = new ArrayList<>();
    for (long offset = 7; offset < expectedEnd; offset += 23) seeks.add(offset);
    seeks.add(expectedEnd - 1);
    try (var consumer = RobustSupport.consumer(RobustSupport.consumerProps(bootstrap))) {
      consumer.assign(List.of(TP));
      for (long offset : seeks) {
        consumer.seek(TP, offset);
        var first = pollFirst(consumer);
        assertEquals(offset, first.offset(), "first record read after seek(" + offset + ")");
        assertEquals(values.get((int) offset), first.value());
      }
    }
  }

  private static org.apache.kafka.clients.consumer.ConsumerRecord<String, String> pollFirst(
      org.apache.kafka.clients.consumer.KafkaConsumer<String, String> consumer) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      var records = consumer.poll(Duration.ofMillis(500));
      if (!records.isEmpty()) return records.iterator().next();
    }
    throw new AssertionError("no record within 30 s at position " + consumer.position(TP));
  }

  private Path partitionDir() {
    return data.resolve(TOPIC + "-0");
  }

  private List<Path> segments() throws IOException {
    try (Stream<Path> files = Files.list(partitionDir())) {
      return files.filter(p -> p.getFileName().toString().endsWith(".log")).sorted().toList();
    }
  }

  private Path lastSegment() throws IOException {
    var all = segments();
    return all.get(all.size() - 1);
  }

  /** The well-formed batches at the start of a segment file (read-only, works while the broker writes it). */
  private static List<Batch> batches(Path log) throws IOException {
    var records = MemoryRecords.readableRecords(ByteBuffer.wrap(Files.readAllBytes(log)));
    List<Batch> out = new ArrayList<>();
    int position = 0;
    try {
      for (RecordBatch b : records.batches()) {
        b.ensureValid();
        out.add(new Batch(position, b.sizeInBytes(), b.baseOffset(), b.lastOffset()));
        position += b.sizeInBytes();
      }
    } catch (RuntimeException e) {
      // trailing bytes that are not a batch: stop here
    }
    return out;
  }

  private static void overwriteWithGarbage(Path log, long from, long seed) throws IOException {
    long size = Files.size(log);
    byte[] garbage = new byte[(int) (size - from)];
    new Random(seed).nextBytes(garbage);
    try (var file = new RandomAccessFile(log.toFile(), "rw")) {
      file.seek(from);
      file.write(garbage);
    }
    System.out.printf("overwrote bytes %d..%d of %s with garbage%n", from, size, log.getFileName());
  }

  private void deleteCleanShutdownMarker() throws IOException {
    Path marker = partitionDir().resolve(CLEAN_SHUTDOWN_MARKER);
    assertTrue(Files.deleteIfExists(marker), "no " + marker + " to delete");
  }

  /** Deletes the last segment's offset index, and a middle segment's offset and time index. */
  private void deleteIndexes() throws IOException {
    var all = segments();
    Path last = all.get(all.size() - 1);
    Path middle = all.get(all.size() / 2);
    for (Path p : List.of(index(last, ".index"), index(middle, ".index"), index(middle, ".timeindex"))) {
      assertTrue(Files.deleteIfExists(p), "no " + p + " to delete");
    }
  }

  private static Path index(Path log, String suffix) {
    String name = log.getFileName().toString();
    return log.resolveSibling(name.substring(0, name.length() - ".log".length()) + suffix);
  }
}
