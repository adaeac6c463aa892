package io.tributary.it.cluster;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A steady, bounded produce load on some partitions of a topic through one idempotent acks=all producer: a round of
 * one record per partition every {@link #ROUND_INTERVAL}, at most {@link #MAX_IN_FLIGHT_PER_PARTITION} records
 * unacknowledged per partition (so a dead leader does not pile up sends, nor hold up the other partitions), at most
 * {@code maxRecords} in all. Remembers where each acknowledged record was
 * put and every failed send.
 */
final class PartitionLoad implements AutoCloseable {
  private static final Duration ROUND_INTERVAL = Duration.ofMillis(10);
  private static final int MAX_IN_FLIGHT_PER_PARTITION = 150;

  /** A record the leader acknowledged, where it said it put it. */
  record Acked(int partition, long offset, String value) {}

  final String name;
  final List<Integer> partitions;
  private final String topic;
  private final long maxRecords;
  private final KafkaProducer<String, String> producer;
  /** Unacknowledged sends allowed per partition. */
  private final Map<Integer, Semaphore> inFlight = new ConcurrentHashMap<>();
  private final Queue<Acked> acked = new ConcurrentLinkedQueue<>();
  private final Queue<String> errors = new ConcurrentLinkedQueue<>();
  private final Map<Integer, AtomicLong> ackedPerPartition = new ConcurrentHashMap<>();
  /** Per partition: when the last acknowledgement came, and the longest wait between two since {@link #markGaps}. */
  private final Map<Integer, long[]> ackTimes = new ConcurrentHashMap<>();
  private final Thread sender;
  private volatile boolean running = true;

  PartitionLoad(String name, String topic, List<Integer> partitions, String bootstrap, long maxRecords) {
    this.name = name;
    this.topic = topic;
    this.partitions = List.copyOf(partitions);
    this.maxRecords = maxRecords;
    partitions.forEach(p -> ackedPerPartition.put(p, new AtomicLong()));
    partitions.forEach(p -> inFlight.put(p, new Semaphore(MAX_IN_FLIGHT_PER_PARTITION)));
    partitions.forEach(p -> ackTimes.put(p, new long[] {System.nanoTime(), 0}));
    var props = ClusterClients.producerProps(bootstrap);
    props.put("client.id", name);
    this.producer = ClusterClients.producer(props);
    this.sender = new Thread(this::sendLoop, "load-" + name);
    this.sender.setDaemon(true);
    this.sender.start();
  }

  private void sendLoop() {
    try {
      long sent = 0;
      while (running && sent < maxRecords) {
        for (int partition : partitions) {
          if (!running || sent >= maxRecords) break;
          Semaphore slots = inFlight.get(partition);
          // a partition whose leader does not answer keeps its own sends waiting, not the other partitions'
          if (!slots.tryAcquire()) continue;
          String value = name + "-p" + partition + "-" + sent++;
          producer.send(new ProducerRecord<>(topic, partition, null, value), (meta, error) -> {
            if (error == null) {
              acked.add(new Acked(partition, meta.offset(), value));
              ackedPerPartition.get(partition).incrementAndGet();
              long[] times = ackTimes.get(partition);
              synchronized (times) {
                long now = System.nanoTime();
                times[1] = Math.max(times[1], now - times[0]);
                times[0] = now;
              }
            } else {
              errors.add(value + ": " + error);
            }
            slots.release();
          });
        }
        LockSupport.parkNanos(ROUND_INTERVAL.toNanos());
      }
    } catch (RuntimeException e) {
      errors.add("send failed: " + e);
    }
  }

  /** Acknowledged records of {@code partition} so far. */
  long acked(int partition) {
    return ackedPerPartition.get(partition).get();
  }

  /** Acknowledged records per partition so far. */
  Map<Integer, Long> ackedPerPartition() {
    var out = new TreeMap<Integer, Long>();
    ackedPerPartition.forEach((p, n) -> out.put(p, n.get()));
    return out;
  }

  /** True when every partition has at least {@code extra} more acknowledged records than in {@code before}. */
  boolean progressedSince(Map<Integer, Long> before, long extra) {
    return partitions.stream().allMatch(p -> acked(p) >= before.getOrDefault(p, 0L) + extra);
  }

  /** Starts measuring the longest wait between acknowledgements anew (e.g. when a fault begins). */
  void markGaps() {
    ackTimes.values().forEach(times -> {
      synchronized (times) {
        times[1] = 0;
      }
    });
  }

  /** Per partition: the longest time without an acknowledgement since {@link #markGaps}, counting the current wait. */
  Map<Integer, Duration> longestGaps() {
    var out = new TreeMap<Integer, Duration>();
    long now = System.nanoTime();
    ackTimes.forEach((p, times) -> {
      synchronized (times) {
        out.put(p, Duration.ofNanos(Math.max(times[1], now - times[0])));
      }
    });
    return out;
  }

  List<Acked> acknowledged() {
    return List.copyOf(acked);
  }

  List<String> errors() {
    return List.copyOf(errors);
  }

  /** Stops sending and waits until every record sent is acknowledged or failed (its delivery timeout at most). */
  void stop(Duration timeout) throws InterruptedException {
    running = false;
    sender.join(timeout.toMillis());
    producer.flush();
    long deadline = System.nanoTime() + timeout.toNanos();
    for (var e : inFlight.entrySet()) {
      long left = Math.max(0, deadline - System.nanoTime());
      if (!e.getValue().tryAcquire(MAX_IN_FLIGHT_PER_PARTITION, left, TimeUnit.NANOSECONDS)) {
        throw new AssertionError(name + ": sends to partition " + e.getKey() + " still unanswered " + timeout
            + " after the load stopped");
      }
      e.getValue().release(MAX_IN_FLIGHT_PER_PARTITION);
    }
  }

  @Override
  public void close() {
    running = false;
    producer.close(Duration.ofSeconds(5));
  }

  @Override
  public String toString() {
    return name + " " + ackedPerPartition() + " acked, " + errors.size() + " errors";
  }
}
