package io.tributary.it;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a broker process under an acks=all idempotent producer, 10 times on the same data
 * directory: after every restart each acknowledged record is at the offset it was acknowledged
 * with, per-partition order holds, and the broker starts every time.
 *
 * The kill moments come from a seeded Random whose seed is printed; rerun a failure with
 * {@code -Dtributary.crash.seed=<seed>}. The broker's output of each cycle is kept in the
 * (kept on failure) temp directory as {@code broker-<cycle>.log}.
 */
class CrashRecoveryTest {
  private static final String TOPIC = "crash-recovery";
  private static final int PARTITIONS = 3;
  private static final int CYCLES = 10;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  /** Sends per second: keeps the acknowledged set (held in memory) and each re-read bounded, yet always has requests in flight. */
  private static final int SEND_RATE = 20_000;

  /** One acknowledged record: where the broker said it put it. */
  private record Acked(int partition, long offset, String value, int cycle, long seq) {}

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path tmp;

  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void everyAcknowledgedRecordSurvivesKillMinus9() throws Exception {
    long seed = Long.getLong("tributary.crash.seed", System.nanoTime());
    System.out.println("CrashRecoveryTest seed = " + seed + " (rerun with -Dtributary.crash.seed=" + seed + ")");
    Random random = new Random(seed);
    Path data = tmp.resolve("data");
    List<Acked> acked = new ArrayList<>();
    long started = System.nanoTime();

    for (int cycle = 1; cycle <= CYCLES + 1; cycle++) {
      var broker = startBroker(data, cycle);
      try {
        if (cycle > 1) {
          verify(broker, acked, cycle);
        }
        if (cycle <= CYCLES) {
          long killAfterMs = 200 + random.nextInt(1800);
          var before = acked.size();
          produceAndKill(broker, cycle, killAfterMs, acked);
          System.out.printf("cycle %d: killed pid %d %d ms after the first ack; %d records acknowledged in this cycle, %d in all (%.1f s)%n",
              cycle, broker.pid(), killAfterMs, acked.size() - before, acked.size(), (System.nanoTime() - started) / 1e9);
          assertTrue(acked.size() > before, "cycle " + cycle + ": no record was acknowledged before the kill");
        } else {
          int exit = broker.stop(Duration.ofSeconds(60));
          System.out.println("final graceful stop, exit code " + exit);
        }
      } finally {
        broker.close();
      }
    }
  }

  private ChildBroker startBroker(Path data, int cycle) throws Exception {
    long t0 = System.nanoTime();
    var broker = ChildBroker.start(data, tmp, tmp.resolve("broker-" + cycle + ".log"),
        Map.of("TRIBUTARY_FLUSH_POLICY", "always"),
        List.of("-Dtributary.num.partitions=" + PARTITIONS), START_TIMEOUT);
    System.out.printf("cycle %d: broker pid %d ready on %s after %.1f s%n",
        cycle, broker.pid(), broker.bootstrapServers(), (System.nanoTime() - t0) / 1e9);
    return broker;
  }

  /**
   * Produces continuously (unique values, explicit partitions round-robin) and records every
   * acknowledged record; {@code killAfterMs} after the first acknowledgement kills the broker.
   */
  private void produceAndKill(ChildBroker broker, int cycle, long killAfterMs, List<Acked> acked) throws Exception {
    var props = RobustSupport.producerProps(broker.bootstrapServers());
    props.put(ProducerConfig.LINGER_MS_CONFIG, 2);
    // the topic is auto-created (3 partitions) by the first metadata request of cycle 1
    var producer = RobustSupport.producer(props);
    var stop = new AtomicBoolean();
    var firstAck = new CountDownLatch(1);
    var window = new Semaphore(2_000);
    var sendErrors = new AtomicLong();
    var senderFailure = new AtomicReference<Throwable>();
    var sender = new Thread(() -> {
      long seq = 0;
      long t0 = System.nanoTime();
      try {
        while (!stop.get()) {
          if (seq >= (System.nanoTime() - t0) / 1_000_000 * SEND_RATE / 1000) {
            Thread.sleep(1); // pacing
            continue;
          }
          if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) continue;
          final long s = seq++;
          int partition = (int) (s % PARTITIONS);
          String value = "c" + cycle + "-" + s;
          producer.send(new ProducerRecord<>(TOPIC, partition, null, value), (md, e) -> {
            window.release();
            if (e == null) {
              synchronized (acked) {
                acked.add(new Acked(md.partition(), md.offset(), value, cycle, s));
              }
              firstAck.countDown();
            } else {
              sendErrors.incrementAndGet();
            }
          });
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        if (!stop.get()) senderFailure.set(e); // send() after the producer was closed is expected
      }
    }, "crash-producer-" + cycle);
    sender.start();
    try {
      if (!firstAck.await(60, TimeUnit.SECONDS)) {
        fail("cycle " + cycle + ": no acknowledgement within 60 s (send errors: " + sendErrors.get()
            + ", sender: " + senderFailure.get() + "); broker output:\n" + broker.tail());
      }
      Thread.sleep(killAfterMs); // the random crash moment, not a wait for a condition
      broker.kill();
    } finally {
      stop.set(true);
      producer.close(Duration.ZERO); // unacknowledged batches fail; they are not counted
      sender.join(30_000);
    }
    if (senderFailure.get() != null) {
      throw new AssertionError("cycle " + cycle + ": the producer failed before the kill", senderFailure.get());
    }
  }

  /** Every acknowledged record is at its acknowledged offset, in order; duplicates are only reported. */
  private void verify(ChildBroker broker, List<Acked> acked, int cycle) {
    List<TopicPartition> tps = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) tps.add(new TopicPartition(TOPIC, p));
    var records = RobustSupport.readAll(broker.bootstrapServers(), tps, Duration.ofSeconds(90));

    Map<Integer, Map<Long, String>> byOffset = new HashMap<>();
    Map<Integer, Map<String, List<Long>>> byValue = new HashMap<>();
    List<String> orderViolations = new ArrayList<>();
    long total = 0;
    for (var e : records.entrySet()) {
      int p = e.getKey().partition();
      var offsets = byOffset.computeIfAbsent(p, k -> new HashMap<>());
      var values = byValue.computeIfAbsent(p, k -> new HashMap<>());
      Map<Integer, Long> lastSeqPerCycle = new HashMap<>();
      long lastOffset = -1;
      for (ConsumerRecord<String, String> r : e.getValue()) {
        total++;
        if (r.offset() <= lastOffset) orderViolations.add("partition " + p + ": offset " + r.offset() + " after " + lastOffset);
        lastOffset = r.offset();
        offsets.put(r.offset(), r.value());
        values.computeIfAbsent(r.value(), k -> new ArrayList<>()).add(r.offset());
        String[] parts = r.value().substring(1).split("-");
        int c = Integer.parseInt(parts[0]);
        long seq = Long.parseLong(parts[1]);
        Long previous = lastSeqPerCycle.put(c, seq);
        if (previous != null && seq <= previous && values.get(r.value()).size() == 1) {
          orderViolations.add("partition " + p + ": " + r.value() + " at offset " + r.offset() + " after seq " + previous);
        }
      }
    }

    List<String> lost = new ArrayList<>();
    List<String> moved = new ArrayList<>();
    List<Acked> snapshot;
    synchronized (acked) {
      snapshot = List.copyOf(acked);
    }
    for (Acked a : snapshot) {
      String there = byOffset.getOrDefault(a.partition(), Map.of()).get(a.offset());
      if (a.value().equals(there)) continue;
      var found = byValue.getOrDefault(a.partition(), Map.of()).get(a.value());
      if (found == null) {
        lost.add(a + " (offset now holds " + there + ")");
      } else {
        moved.add(a + " found at " + found + " (acknowledged offset holds " + there + ")");
      }
    }
    long duplicates = byValue.values().stream().flatMap(m -> m.values().stream()).filter(l -> l.size() > 1).count();
    System.out.printf("after restart %d: %d records in the log, %d acknowledged, %d lost, %d moved, %d values duplicated, %d order violations%n",
        cycle - 1, total, snapshot.size(), lost.size(), moved.size(), duplicates, orderViolations.size());
    if (!lost.isEmpty() || !moved.isEmpty() || !orderViolations.isEmpty()) {
      fail("After restart " + (cycle - 1) + ": " + lost.size() + " acknowledged records lost, e.g. "
          + lost.subList(0, Math.min(10, lost.size())) + "; " + moved.size() + " not at their acknowledged offset, e.g. "
          + moved.subList(0, Math.min(10, moved.size())) + "; order violations: "
          + orderViolations.subList(0, Math.min(10, orderViolations.size())));
    }
  }
}
