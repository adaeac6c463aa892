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
 * one record per partition every {@link #ROUND_INTERVAL}, at most {@link #MAX_IN_FLIGHT} records unacknowledged (so a
 * dead leader does not pile up sends), at most {@code maxRecords} in all. Remembers where each acknowledged record was
 * put and every failed send.
 */
final class PartitionLoad implements AutoCloseable {
  private static final Duration ROUND_INTERVAL = Duration.ofMillis(10);
  private static final int MAX_IN_FLIGHT = 500;

  /** A record the leader acknowledged, where it said it put it. */
  record Acked(int partition, long offset, String value) {}

  final String name;
  final List<Integer> partitions;
  private final String topic;
  private final long maxRecords;
  private final KafkaProducer<String, String> producer;
  private final Semaphore inFlight = new Semaphore(MAX_IN_FLIGHT);
  private final Queue<Acked> acked = new ConcurrentLinkedQueue<>();
  private final Queue<String> errors = new ConcurrentLinkedQueue<>();
  private final Map<Integer, AtomicLong> ackedPerPartition = new ConcurrentHashMap<>();
  private final Thread sender;
  private volatile boolean running = true;

  PartitionLoad(String name, String topic, List<Integer> partitions, String bootstrap, long maxRecords) {
    this.name = name;
    this.topic = topic;
    this.partitions = List.copyOf(partitions);
    this.maxRecords = maxRecords;
    partitions.forEach(p -> ackedPerPartition.put(p, new AtomicLong()));
    var props = ClusterClients.producerProps(bootstrap);
    props.put("client.id", name);
    this.producer = ClusterClients.producer(props);
    this.sender = new Thread(this::sendLoop, "load-" + name);
    this.sender.setDaemon(true);
    this.sender.start();
  }

  private void sendLoop() {
    try {
      for (long i = 0; running && i < maxRecords; i++) {
        int partition = partitions.get((int) (i % partitions.size()));
        while (!inFlight.tryAcquire(100, TimeUnit.MILLISECONDS)) {
          if (!running) return;
        }
        String value = name + "-p" + partition + "-" + i;
        producer.send(new ProducerRecord<>(topic, partition, null, value), (meta, error) -> {
          if (error == null) {
            acked.add(new Acked(partition, meta.offset(), value));
            ackedPerPartition.get(partition).incrementAndGet();
          } else {
            errors.add(value + ": " + error);
          }
          inFlight.release();
        });
        if ((i + 1) % partitions.size() == 0) LockSupport.parkNanos(ROUND_INTERVAL.toNanos());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
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
    if (!inFlight.tryAcquire(MAX_IN_FLIGHT, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(name + ": sends still unanswered " + timeout + " after the load stopped");
    }
    inFlight.release(MAX_IN_FLIGHT);
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
