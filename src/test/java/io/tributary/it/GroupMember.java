package io.tributary.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;

/**
 * A subscribed KafkaConsumer polling on its own thread (KafkaConsumer is single-threaded); the
 * test reads its current assignment and the records it received. {@link #close()} closes the
 * consumer, which leaves the group.
 */
final class GroupMember implements AutoCloseable {
  private final Thread thread;
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private volatile boolean running = true;
  private volatile Set<TopicPartition> assignment = Set.of();
  final ConcurrentLinkedQueue<ConsumerRecord<byte[], byte[]>> records = new ConcurrentLinkedQueue<>();
  private volatile Throwable failure;

  GroupMember(Properties props, List<String> topics, String name) {
    thread = new Thread(() -> {
      try (var c = new KafkaConsumer<byte[], byte[]>(props)) {
        consumer = c;
        c.subscribe(topics);
        while (running) {
          try {
            for (var r : c.poll(Duration.ofMillis(100))) records.add(r);
            assignment = Set.copyOf(c.assignment());
          } catch (WakeupException e) {
            // close() wants us out of poll
          }
        }
      } catch (Throwable t) {
        failure = t;
      } finally {
        closed.complete(null);
      }
    }, name);
    thread.setDaemon(true);
    thread.start();
  }

  Set<TopicPartition> assignment() {
    if (failure != null) throw new AssertionError("consumer failed", failure);
    return assignment;
  }

  List<ConsumerRecord<byte[], byte[]>> received() {
    return new ArrayList<>(records);
  }

  @Override
  public void close() throws Exception {
    running = false;
    var c = consumer;
    if (c != null) c.wakeup();
    closed.get(60, TimeUnit.SECONDS);
    if (failure != null) throw new AssertionError("consumer failed", failure);
  }
}
