package io.tributary.it;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 of a broker process (flush policy {@code always}) under an acks=all idempotent
 * producer, many times on the same data directory: after every restart each acknowledged record
 * is at the offset it was acknowledged with, per-partition order holds, and the broker starts
 * every time, also after being killed while it was still starting (recovering).
 *
 * The kill moments come from a seeded Random whose seed is printed; rerun a failure with
 * {@code -Dtributary.crash.seed=<seed>}. Each broker's output is kept in the temp directory
 * (kept when the test fails) as {@code broker-*.log}.
 */
class CrashRecoveryTest {
  private static final String TOPIC = "crash-recovery";
  private static final int PARTITIONS = 3;
  private static final int CYCLES = 10;
  private static final Duration START_TIMEOUT = Duration.ofSeconds(90);
  /** Sends per second: keeps the acknowledged set (held in memory) and each re-read bounded, yet always has requests in flight. */
  private static final int SEND_RATE = 20_000;

  /** One acknowledged record: where the broker said it put it. */
  private record Acked(int partition, long offset, String value) {}

  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path tmp;

  private Random seededRandom() {
    long seed = Long.getLong("tributary.crash.seed", System.nanoTime());
    System.out.println("seed = " + seed + " (rerun with -Dtributary.crash.seed=" + seed + ")");
    return new Random(seed);
  }

  /** A new producer per broker life: 10 kills, 3 of them followed by a kill during the next start. */
  @Test
  @Timeout(value = 6, unit = TimeUnit.MINUTES)
  void everyAcknowledgedRecordSurvivesKillMinus9() throws Exception {
    Random random = seededRandom();
    Path data = tmp.resolve("data");
    List<Acked> acked = new ArrayList<>();
    long started = System.nanoTime();

    for (int cycle = 1; cycle <= CYCLES + 1; cycle++) {
      var broker = startBroker(data, "broker-" + cycle, 0);
      try {
        if (cycle > 1) {
          verify(broker, acked, "restart " + (cycle - 1), false);
        }
        if (cycle > CYCLES) {
          System.out.println("final graceful stop, exit code " + broker.stop(Duration.ofSeconds(60)));
          break;
        }
        long killAfterMs = 200 + random.nextInt(1800);
        int before = acked.size();
        try (var producer = new PacedProducer(broker.bootstrapServers(), "c" + cycle, acked, Map.of())) {
          producer.awaitAcks(1, Duration.ofSeconds(60), broker);
          Thread.sleep(killAfterMs); // the random crash moment, not a wait for a condition
          broker.kill();
        }
        System.out.printf("cycle %d: killed pid %d %d ms after the first ack; %d records acknowledged in this cycle, %d in all (%.1f s)%n",
            cycle, broker.pid(), killAfterMs, acked.size() - before, acked.size(), (System.nanoTime() - started) / 1e9);
        assertTrue(acked.size() > before, "cycle " + cycle + ": no record was acknowledged before the kill");
      } finally {
        broker.close();
      }
      if (cycle % 3 == 0) {
        killDuringStartup(data, "broker-" + cycle + "-startup", random.nextInt(3000));
      }
    }
  }

  /**
   * One idempotent producer lives through several kill -9/restart cycles of the broker (same
   * port): its retries of batches that were written but not acknowledged must be recognised from
   * the recovered producer state, so no record is written twice, and none acknowledged is lost.
   */
  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void idempotentProducerRetriesAcrossKillsWriteNoDuplicates() throws Exception {
    Random random = seededRandom();
    Path data = tmp.resolve("data");
    List<Acked> acked = new ArrayList<>();
    int port = RobustSupport.freePort();
    var broker = startBroker(data, "idem-0", port);
    try (var producer = new PacedProducer(broker.bootstrapServers(), "i", acked, Map.of(
        ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 180_000,
        ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
        ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 500,
        ProducerConfig.MAX_BLOCK_MS_CONFIG, 120_000))) {
      for (int kill = 1; kill <= 4; kill++) {
        producer.awaitAcks(producer.acks() + 500, Duration.ofSeconds(90), broker);
        long killAfterMs = random.nextInt(1000);
        Thread.sleep(killAfterMs); // the random crash moment
        broker.kill();
        System.out.printf("kill %d: %d ms after; %d acknowledged so far%n", kill, killAfterMs, producer.acks());
        broker = startBroker(data, "idem-" + kill, port);
      }
      producer.awaitAcks(producer.acks() + 500, Duration.ofSeconds(90), broker);
      producer.stopSending();
      producer.flush(Duration.ofSeconds(120));
      System.out.printf("producer done: %d acknowledged, %d failed%n", producer.acks(), producer.errors());
      verify(broker, acked, "the last restart", true);
      assertTrue(producer.errors() == 0, producer.errors() + " sends failed, e.g. " + producer.firstError());
    } finally {
      broker.close();
    }
  }

  // ------------------------------------------------------------------------------------------

  private ChildBroker startBroker(Path data, String name, int port) throws Exception {
    long t0 = System.nanoTime();
    var broker = ChildBroker.start(data, tmp, tmp.resolve(name + ".log"),
        Map.of("TRIBUTARY_FLUSH_POLICY", "always"),
        List.of("-Dtributary.num.partitions=" + PARTITIONS), port, START_TIMEOUT);
    System.out.printf("%s: pid %d ready on %s after %.1f s%n",
        name, broker.pid(), broker.bootstrapServers(), (System.nanoTime() - t0) / 1e9);
    return broker;
  }

  /** Starts a broker and kills it {@code afterMs} later, whether or not it has finished starting (recovery included). */
  private void killDuringStartup(Path data, String name, long afterMs) throws Exception {
    var broker = ChildBroker.launch(data, tmp, tmp.resolve(name + ".log"), Map.of("TRIBUTARY_FLUSH_POLICY", "always"),
        List.of("-Dtributary.num.partitions=" + PARTITIONS), RobustSupport.freePort());
    Thread.sleep(afterMs); // the random crash moment
    boolean wasReady = broker.isReady();
    broker.kill();
    System.out.printf("%s: killed pid %d %d ms after launch (%s)%n", name, broker.pid(), afterMs,
        wasReady ? "it was ready" : "still starting");
  }

  /** Every acknowledged record is at its acknowledged offset, in order; duplicates fail only if {@code noDuplicates}. */
  private void verify(ChildBroker broker, List<Acked> acked, String when, boolean noDuplicates) {
    List<TopicPartition> tps = new ArrayList<>();
    for (int p = 0; p < PARTITIONS; p++) tps.add(new TopicPartition(TOPIC, p));
    var records = RobustSupport.readAll(broker.bootstrapServers(), tps, Duration.ofSeconds(90));

    Map<Integer, Map<Long, String>> byOffset = new HashMap<>();
    Map<Integer, Map<String, List<Long>>> byValue = new HashMap<>();
    List<String> orderViolations = new ArrayList<>();
    List<String> duplicates = new ArrayList<>();
    long total = 0;
    for (var e : records.entrySet()) {
      int p = e.getKey().partition();
      var offsets = byOffset.computeIfAbsent(p, k -> new HashMap<>());
      var values = byValue.computeIfAbsent(p, k -> new HashMap<>());
      Map<String, Long> lastSeqPerProducer = new HashMap<>();
      long lastOffset = -1;
      for (ConsumerRecord<String, String> r : e.getValue()) {
        total++;
        if (r.offset() <= lastOffset) orderViolations.add("partition " + p + ": offset " + r.offset() + " after " + lastOffset);
        lastOffset = r.offset();
        offsets.put(r.offset(), r.value());
        var at = values.computeIfAbsent(r.value(), k -> new ArrayList<>());
        at.add(r.offset());
        if (at.size() > 1) {
          duplicates.add("partition " + p + ": " + r.value() + " at " + at);
          continue;
        }
        int dash = r.value().indexOf('-');
        String producer = r.value().substring(0, dash);
        long seq = Long.parseLong(r.value().substring(dash + 1));
        Long previous = lastSeqPerProducer.put(producer, seq);
        if (previous != null && seq <= previous) {
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
    System.out.printf("after %s: %d records in the log, %d acknowledged, %d lost, %d moved, %d duplicates, %d order violations%n",
        when, total, snapshot.size(), lost.size(), moved.size(), duplicates.size(), orderViolations.size());
    if (!duplicates.isEmpty()) System.out.println("duplicates, e.g. " + first(duplicates));
    if (!lost.isEmpty() || !moved.isEmpty() || !orderViolations.isEmpty() || (noDuplicates && !duplicates.isEmpty())) {
      fail("After " + when + ": " + lost.size() + " acknowledged records lost, e.g. " + first(lost) + "; "
          + moved.size() + " not at their acknowledged offset, e.g. " + first(moved)
          + "; order violations: " + first(orderViolations) + "; duplicates: " + duplicates.size() + ", e.g. " + first(duplicates));
    }
  }

  private static List<String> first(List<String> list) {
    return list.subList(0, Math.min(10, list.size()));
  }

  /**
   * An idempotent acks=all producer sending unique values ({@code <name>-<seq>}) round-robin to
   * the partitions at {@link #SEND_RATE}, recording every acknowledged record. Closing it aborts
   * whatever is not acknowledged yet.
   */
  private static final class PacedProducer implements AutoCloseable {
    private final KafkaProducer<String, String> producer;
    private final List<Acked> acked;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Semaphore window = new Semaphore(2_000);
    private final AtomicLong acks = new AtomicLong();
    private final AtomicLong errors = new AtomicLong();
    private final AtomicReference<Throwable> firstError = new AtomicReference<>();
    private final AtomicReference<Throwable> senderFailure = new AtomicReference<>();
    private final Thread sender;

    PacedProducer(String bootstrap, String name, List<Acked> acked, Map<String, Object> overrides) {
      var props = RobustSupport.producerProps(bootstrap);
      props.put(ProducerConfig.LINGER_MS_CONFIG, 2);
      props.putAll(overrides);
      // the topic is auto-created (3 partitions) by the producer's first metadata request
      this.producer = RobustSupport.producer(props);
      this.acked = acked;
      this.sender = new Thread(() -> send(name), "paced-producer-" + name);
      sender.start();
    }

    private void send(String name) {
      long seq = 0;
      long t0 = System.nanoTime();
      try {
        while (!stop.get()) {
          if (seq >= (System.nanoTime() - t0) / 1_000_000 * SEND_RATE / 1000) {
            Thread.sleep(1); // pacing
            continue;
          }
          if (!window.tryAcquire(100, TimeUnit.MILLISECONDS)) continue;
          int partition = (int) (seq % PARTITIONS);
          String value = name + "-" + seq++;
          producer.send(new ProducerRecord<>(TOPIC, partition, null, value), (md, e) -> {
            window.release();
            if (e == null) {
              synchronized (acked) {
                acked.add(new Acked(md.partition(), md.offset(), value));
              }
              acks.incrementAndGet();
            } else {
              errors.incrementAndGet();
              firstError.compareAndSet(null, e);
            }
          });
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (RuntimeException e) {
        if (!stop.get()) senderFailure.set(e); // send() racing close() is expected
      }
    }

    long acks() {
      return acks.get();
    }

    long errors() {
      return errors.get();
    }

    Throwable firstError() {
      return firstError.get();
    }

    void awaitAcks(long atLeast, Duration timeout, ChildBroker broker) {
      await(atLeast + " acknowledgements").atMost(timeout).untilAsserted(() -> assertTrue(
          acks.get() >= atLeast || senderFailure.get() != null,
          () -> "have " + acks.get() + "; send errors " + errors.get() + ", e.g. " + firstError.get()
              + "; broker output:\n" + broker.tail()));
      if (senderFailure.get() != null) throw new AssertionError("the producer failed", senderFailure.get());
    }

    void stopSending() throws InterruptedException {
      stop.set(true);
      sender.join(30_000);
    }

    /** Waits until every send is acknowledged or failed. */
    void flush(Duration timeout) {
      await("every send to complete").atMost(timeout).until(() -> window.availablePermits() == 2_000);
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      producer.close(Duration.ZERO); // unacknowledged batches fail; they are not counted
      sender.join(30_000);
      if (senderFailure.get() != null) throw new AssertionError("the producer failed", senderFailure.get());
    }
  }
}
