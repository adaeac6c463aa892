package io.tributary.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Consumer-group benchmarks against any Kafka-protocol bootstrap address (run it against
 * Tributary and Apache Kafka with the same settings):
 *
 * <pre>
 *   commits BOOTSTRAP [groups=10] [membersPerGroup=10] [seconds=60] [intervalMs=100]
 *       each member commits its assigned partitions' offsets every intervalMs; prints commits/s
 *       and commit latency percentiles
 *   rebalance BOOTSTRAP [members=10] [rounds=3]
 *       members subscribe to one topic in a fresh group; prints the time until every member has
 *       its assignment (the join + sync rebalance), per round
 *   commitlog BOOTSTRAP GROUP COUNT
 *       one simple (non-joining) member commits COUNT offsets as fast as async commits allow,
 *       to build a long event history for a recovery measurement
 *   fetchoffsets BOOTSTRAP GROUP
 *       times one OffsetFetch (the first request after a restart recovers the group)
 * </pre>
 */
public final class GroupBench {

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    String bootstrap = args[1];
    switch (mode) {
      case "commits" -> commits(bootstrap, arg(args, 2, 10), arg(args, 3, 10), arg(args, 4, 60), arg(args, 5, 100));
      case "rebalance" -> rebalance(bootstrap, arg(args, 2, 10), arg(args, 3, 3));
      case "commitlog" -> commitLog(bootstrap, args[2], Integer.parseInt(args[3]));
      case "fetchoffsets" -> fetchOffsets(bootstrap, args[2]);
      default -> throw new IllegalArgumentException("unknown mode " + mode);
    }
  }

  private static int arg(String[] args, int i, int dflt) {
    return args.length > i ? Integer.parseInt(args[i]) : dflt;
  }

  static Properties consumerProps(String bootstrap, String group) {
    var p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    return p;
  }

  static void createTopic(String bootstrap, String topic, int partitions) throws Exception {
    var p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(p)) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      if (!(e.getCause() instanceof TopicExistsException)) throw e;
    }
  }

  private static void commits(String bootstrap, int groups, int members, int seconds, int intervalMs) throws Exception {
    String run = "gb-" + System.currentTimeMillis();
    String topic = run + "-commits";
    createTopic(bootstrap, topic, members);
    var latenciesMicros = new ConcurrentLinkedQueue<Long>();
    var failures = new AtomicInteger();
    var ready = new CountDownLatch(groups * members);
    var start = new CountDownLatch(1);
    var threads = new ArrayList<Thread>();
    long[] window = new long[2];
    for (int g = 0; g < groups; g++) {
      for (int m = 0; m < members; m++) {
        String group = run + "-g" + g;
        var t = new Thread(() -> {
          try (var consumer = new KafkaConsumer<byte[], byte[]>(consumerProps(bootstrap, group))) {
            consumer.subscribe(List.of(topic));
            while (consumer.assignment().isEmpty()) consumer.poll(Duration.ofMillis(100));
            ready.countDown();
            // keep polling (heartbeats, later rebalances) until every member of every group is in
            while (!start.await(50, TimeUnit.MILLISECONDS)) consumer.poll(Duration.ZERO);
            long offset = 0;
            long end = window[1];
            while (System.currentTimeMillis() < end) {
              long next = System.currentTimeMillis() + intervalMs;
              Map<TopicPartition, OffsetAndMetadata> offsets = new java.util.HashMap<>();
              offset++;
              for (var tp : consumer.assignment()) offsets.put(tp, new OffsetAndMetadata(offset));
              long t0 = System.nanoTime();
              try {
                consumer.commitSync(offsets);
                latenciesMicros.add((System.nanoTime() - t0) / 1000);
              } catch (RuntimeException e) {
                failures.incrementAndGet();
              }
              consumer.poll(Duration.ZERO); // heartbeats, rebalances
              long sleep = next - System.currentTimeMillis();
              if (sleep > 0) Thread.sleep(sleep);
            }
          } catch (Exception e) {
            failures.incrementAndGet();
            ready.countDown();
          }
        }, "member-" + g + "-" + m);
        t.start();
        threads.add(t);
      }
    }
    if (!ready.await(5, TimeUnit.MINUTES)) throw new IllegalStateException("groups did not stabilise");
    window[0] = System.currentTimeMillis();
    window[1] = window[0] + seconds * 1000L;
    start.countDown();
    for (var t : threads) t.join();
    double secs = (System.currentTimeMillis() - window[0]) / 1000.0;
    var sorted = latenciesMicros.stream().sorted().toList();
    System.out.printf("commits: %d groups x %d members, every %d ms for %.0f s: %d commits, %.0f commits/s, failures %d%n",
        groups, members, intervalMs, secs, sorted.size(), sorted.size() / secs, failures.get());
    System.out.printf("commit latency ms: avg %.2f p50 %.2f p99 %.2f p99.9 %.2f max %.2f%n",
        sorted.stream().mapToLong(Long::longValue).average().orElse(0) / 1000, pct(sorted, 50), pct(sorted, 99),
        pct(sorted, 99.9), pct(sorted, 100));
  }

  private static double pct(List<Long> sorted, double p) {
    if (sorted.isEmpty()) return 0;
    int i = (int) Math.min(sorted.size() - 1, Math.ceil(p / 100 * sorted.size()) - 1);
    return sorted.get(Math.max(0, i)) / 1000.0;
  }

  private static void rebalance(String bootstrap, int members, int rounds) throws Exception {
    String topic = "gb-rebalance-" + System.currentTimeMillis();
    createTopic(bootstrap, topic, members);
    for (int r = 1; r <= rounds; r++) {
      String group = topic + "-r" + r;
      var assigned = new CountDownLatch(members);
      var stop = new CountDownLatch(1);
      var threads = new ArrayList<Thread>();
      long t0 = System.nanoTime();
      for (int m = 0; m < members; m++) {
        var t = new Thread(() -> {
          try (var consumer = new KafkaConsumer<byte[], byte[]>(consumerProps(bootstrap, group))) {
            boolean[] counted = {false};
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
              @Override public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}
              @Override public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                if (!partitions.isEmpty() && !counted[0]) {
                  counted[0] = true;
                  assigned.countDown();
                }
              }
            });
            while (stop.getCount() > 0) consumer.poll(Duration.ofMillis(50));
          }
        });
        t.start();
        threads.add(t);
      }
      boolean done = assigned.await(2, TimeUnit.MINUTES);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      System.out.printf("rebalance round %d: %d members all assigned in %d ms%s%n", r, members, ms, done ? "" : " (TIMED OUT)");
      stop.countDown();
      for (var t : threads) t.join();
    }
  }

  private static void commitLog(String bootstrap, String group, int count) throws Exception {
    String topic = group + "-log";
    createTopic(bootstrap, topic, 1);
    var tp = new TopicPartition(topic, 0);
    var props = consumerProps(bootstrap, group);
    try (var consumer = new KafkaConsumer<byte[], byte[]>(props)) {
      consumer.assign(List.of(tp));
      var done = new AtomicInteger();
      long t0 = System.nanoTime();
      for (int i = 1; i <= count; i++) {
        consumer.commitAsync(Map.of(tp, new OffsetAndMetadata(i)), (o, e) -> done.incrementAndGet());
        if (i % 1000 == 0) {
          while (done.get() < i - 5000) consumer.poll(Duration.ofMillis(1)); // bound the commits in flight
        }
      }
      consumer.commitSync(Map.of(tp, new OffsetAndMetadata(count)));
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf("commitlog: %d commits to group %s in %.1f s (%.0f/s)%n", count, group, s, count / s);
    }
  }

  private static void fetchOffsets(String bootstrap, String group) throws Exception {
    var p = new Properties();
    p.put("bootstrap.servers", bootstrap);
    try (Admin admin = Admin.create(p)) {
      admin.describeCluster().nodes().get(); // connect first: time only the group's answer
      long t0 = System.nanoTime();
      var offsets = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get(5, TimeUnit.MINUTES);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      System.out.printf("fetchoffsets: group %s answered %s in %d ms%n", group, offsets, ms);
    }
  }
}
