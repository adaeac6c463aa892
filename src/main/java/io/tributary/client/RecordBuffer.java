package io.tributary.client;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;

/**
 * Records between one KafkaConsumer and the stage(s) emitting them, per assigned partition. Thread-safe: the
 * consumer actor adds and revokes, stages take; every method holds this object's lock, and a record is
 * handed to the stage (pushed) while the lock is held, so that once {@link #revoke} returns no record of a
 * revoked partition can be emitted. Size of a record: serialized key + value + {@value #RECORD_OVERHEAD}.
 */
final class RecordBuffer<K, V> {
  static final int RECORD_OVERHEAD = 64;

  /** Receives one record (and its partition's assignment epoch) under the buffer's lock. */
  interface Emit<K, V> {
    void emit(ConsumerRecord<K, V> record, int epoch);
  }

  /** One assigned partition's records. Guarded by the buffer's lock. */
  static final class Queue<K, V> {
    final TopicPartition partition;
    final int epoch;
    private final ArrayDeque<ConsumerRecord<K, V>> records = new ArrayDeque<>();
    private long bytes;
    private boolean closed;
    private boolean inReady;
    private boolean waiting;
    private Runnable waiter;

    Queue(TopicPartition partition, int epoch) {
      this.partition = partition;
      this.epoch = epoch;
    }
  }

  private final long maxBytes;
  private final Map<TopicPartition, Queue<K, V>> queues = new HashMap<>();
  private final ArrayDeque<Queue<K, V>> ready = new ArrayDeque<>();
  private long bytes;
  private long peakBytes;
  private long shareBytes;
  private boolean closed;
  private boolean mainWaiting;
  private Runnable mainWaiter = () -> {};
  private boolean parked;
  private Runnable wakeup = () -> {};

  RecordBuffer(long maxBytes) {
    this.maxBytes = maxBytes;
    this.shareBytes = maxBytes;
  }

  static long size(ConsumerRecord<?, ?> r) {
    return Math.max(0, r.serializedKeySize()) + Math.max(0, r.serializedValueSize()) + RECORD_OVERHEAD;
  }

  synchronized void setMainWaiter(Runnable r) {
    mainWaiter = r;
  }

  synchronized void setWakeup(Runnable r) {
    wakeup = r;
  }

  /** A new queue for a newly assigned partition (already closed if the source has stopped). */
  synchronized Queue<K, V> open(TopicPartition tp, int epoch) {
    var q = new Queue<K, V>(tp, epoch);
    q.closed = closed;
    if (!closed) queues.put(tp, q);
    shareBytes = Math.max(1, maxBytes / Math.max(1, queues.size()));
    return q;
  }

  /** Adds what a poll returned; wakes the stages waiting for it. Records of partitions not open are dropped. */
  void add(ConsumerRecords<K, V> polled) {
    if (polled.isEmpty()) return;
    var notify = new ArrayList<Runnable>(2);
    synchronized (this) {
      for (TopicPartition tp : polled.partitions()) {
        var q = queues.get(tp);
        if (q == null) continue;
        for (var r : polled.records(tp)) {
          long s = size(r);
          q.records.add(r);
          q.bytes += s;
          bytes += s;
        }
        if (!q.records.isEmpty()) {
          if (!q.inReady) {
            q.inReady = true;
            ready.add(q);
          }
          if (q.waiting && q.waiter != null) {
            q.waiting = false;
            notify.add(q.waiter);
          }
        }
      }
      peakBytes = Math.max(peakBytes, bytes);
      if (mainWaiting && !ready.isEmpty()) {
        mainWaiting = false;
        notify.add(mainWaiter);
      }
    }
    notify.forEach(Runnable::run);
  }

  /** Emits the next record, round-robin over partitions; false (and the main waiter is called later) if none. */
  boolean pollInto(Emit<K, V> emit) {
    Runnable wake;
    synchronized (this) {
      var q = ready.poll();
      if (q == null) {
        mainWaiting = true;
        return false;
      }
      var r = take(q);
      if (q.records.isEmpty()) q.inReady = false;
      else ready.add(q);
      emit.emit(r, q.epoch);
      wake = wakeIfParked(q);
    }
    if (wake != null) wake.run();
    return true;
  }

  /** 1: emitted a record of {@code q}; 0: none yet (its waiter is called later); -1: the partition was revoked. */
  int pollInto(Queue<K, V> q, Emit<K, V> emit) {
    Runnable wake;
    synchronized (this) {
      if (q.closed) return -1;
      var r = q.records.isEmpty() ? null : take(q);
      if (r == null) {
        q.waiting = true;
        return 0;
      }
      emit.emit(r, q.epoch);
      wake = wakeIfParked(q);
    }
    if (wake != null) wake.run();
    return 1;
  }

  /** Sets the sub-source's waiter; false if the partition is already revoked. */
  synchronized boolean setWaiter(Queue<K, V> q, Runnable waiter) {
    q.waiter = waiter;
    return !q.closed;
  }

  synchronized boolean isClosed(Queue<K, V> q) {
    return q.closed;
  }

  private ConsumerRecord<K, V> take(Queue<K, V> q) {
    var r = q.records.poll();
    long s = size(r);
    q.bytes -= s;
    bytes -= s;
    return r;
  }

  private Runnable wakeIfParked(Queue<K, V> q) {
    if (parked && (q.bytes <= shareBytes / 2 || bytes <= maxBytes / 2)) {
      parked = false;
      return wakeup;
    }
    return null;
  }

  /** Partitions to pause: those whose share is full, or all when the whole buffer is full, or whose source stopped. */
  synchronized Set<TopicPartition> toPause(Collection<TopicPartition> assigned) {
    var out = new HashSet<TopicPartition>();
    for (var tp : assigned) {
      var q = queues.get(tp);
      if (q == null || q.closed || bytes >= maxBytes || q.bytes >= shareBytes) out.add(tp);
    }
    return out;
  }

  /** The consumer stops polling eagerly until a stage drains the buffer (then {@code wakeup} runs). */
  synchronized void park() {
    parked = true;
  }

  /** Drops the records of these partitions and closes their queues; their sub-sources complete. */
  void revoke(Collection<TopicPartition> partitions) {
    var notify = new ArrayList<Runnable>();
    synchronized (this) {
      for (var tp : partitions) {
        var q = queues.remove(tp);
        if (q != null) close(q, notify);
      }
      shareBytes = Math.max(1, maxBytes / Math.max(1, queues.size()));
    }
    notify.forEach(Runnable::run);
  }

  /** The source stopped: drop everything, close every queue, and open no more. */
  void closeAll() {
    var notify = new ArrayList<Runnable>();
    synchronized (this) {
      closed = true;
      for (var q : queues.values()) close(q, notify);
      queues.clear();
    }
    notify.forEach(Runnable::run);
  }

  private void close(Queue<K, V> q, List<Runnable> notify) {
    q.closed = true;
    bytes -= q.bytes;
    q.bytes = 0;
    q.records.clear();
    if (q.inReady) {
      ready.remove(q);
      q.inReady = false;
    }
    if (q.waiter != null) notify.add(q.waiter);
  }

  synchronized long bytes() {
    return bytes;
  }

  synchronized long peakBytes() {
    return peakBytes;
  }
}
