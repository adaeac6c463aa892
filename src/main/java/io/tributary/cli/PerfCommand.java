package io.tributary.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code perf produce|consume}: load generators that report like Kafka's own perf tools. */
@Command(name = "perf", mixinStandardHelpOptions = true,
    description = "Measure produce or consume throughput and latency.",
    subcommands = {PerfCommand.Produce.class, PerfCommand.Consume.class})
final class PerfCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand: produce or consume");
  }

  /**
   * Throughput and latency, as Kafka's ProducerPerformance keeps them: every record's latency in
   * a window (printed every {@code reportingIntervalMs} when progress is on) and a sample of at most
   * 500,000 latencies for the percentiles.
   */
  static final class Stats {
    private final long start = System.currentTimeMillis();
    private final int[] latencies;
    private final int sampling;
    private final long reportingIntervalMs;
    private final PrintWriter progress;
    private final String verb;
    private int index;
    private long iteration;
    private long count;
    private long bytes;
    private long totalLatency;
    private int maxLatency;
    private long windowStart = start;
    private long windowCount;
    private long windowBytes;
    private long windowTotalLatency;
    private int windowMaxLatency;

    Stats(long numRecords, long reportingIntervalMs, PrintWriter progress, String verb) {
      this.sampling = (int) Math.max(1, numRecords / Math.min(Math.max(numRecords, 1), 500_000));
      this.latencies = new int[(int) (Math.max(numRecords, 1) / sampling) + 1];
      this.reportingIntervalMs = reportingIntervalMs;
      this.progress = progress;
      this.verb = verb;
    }

    synchronized void record(int latencyMs, int size, long nowMs) {
      count++;
      bytes += size;
      totalLatency += latencyMs;
      maxLatency = Math.max(maxLatency, latencyMs);
      windowCount++;
      windowBytes += size;
      windowTotalLatency += latencyMs;
      windowMaxLatency = Math.max(windowMaxLatency, latencyMs);
      if (iteration++ % sampling == 0 && index < latencies.length) latencies[index++] = latencyMs;
      if (nowMs - windowStart >= reportingIntervalMs) {
        if (progress != null) {
          double elapsed = (nowMs - windowStart) / 1000.0;
          progress.printf("%d records %s, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.%n",
              windowCount, verb, windowCount / elapsed, windowBytes / elapsed / (1024.0 * 1024.0),
              windowTotalLatency / (double) windowCount, (double) windowMaxLatency);
          progress.flush();
        }
        windowStart = nowMs;
        windowCount = 0;
        windowBytes = 0;
        windowTotalLatency = 0;
        windowMaxLatency = 0;
      }
    }

    synchronized long count() {
      return count;
    }

    synchronized String summary(long endMs) {
      double elapsed = Math.max(1, endMs - start) / 1000.0;
      int[] sorted = Arrays.copyOf(latencies, index);
      Arrays.sort(sorted);
      return String.format("%d records %s, %.1f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, "
              + "%d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.",
          count, verb, count / elapsed, bytes / elapsed / (1024.0 * 1024.0),
          count == 0 ? 0.0 : totalLatency / (double) count, (double) maxLatency,
          pct(sorted, 0.5), pct(sorted, 0.95), pct(sorted, 0.99), pct(sorted, 0.999));
    }

    private static int pct(int[] sorted, double p) {
      return sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, (long) (p * sorted.length))];
    }
  }

  /** Options shared by both directions. */
  abstract static class PerfBase extends ClientCommand {
    @Option(names = "--topic", required = true, paramLabel = "TOPIC", description = "Topic to use.")
    String topic;

    @Option(names = "--progress", negatable = true,
        description = "Print a progress line every --reporting-interval (default: only on a terminal).")
    Boolean progress;

    @Option(names = "--reporting-interval", paramLabel = "MS", defaultValue = "5000",
        description = "Milliseconds between progress lines (default: ${DEFAULT-VALUE}).")
    long reportingIntervalMs;

    PrintWriter progressOut() {
      boolean on = progress != null ? progress : interactive();
      return on ? out() : null;
    }
  }

  @Command(name = "produce", mixinStandardHelpOptions = true,
      description = {"Send records as fast as allowed and report throughput and latency (like kafka-producer-perf-test)."})
  static final class Produce extends PerfBase {
    @Option(names = "--num-records", required = true, paramLabel = "N", description = "Records to send.")
    long numRecords;

    @Option(names = "--record-size", paramLabel = "BYTES", defaultValue = "100", description = "Value size (default: ${DEFAULT-VALUE}).")
    int recordSize;

    @Option(names = "--throughput", paramLabel = "RECORDS/S", defaultValue = "-1",
        description = "Limit to this many records per second; -1: no limit (default).")
    double throughput;

    @Option(names = "--acks", paramLabel = "ACKS", description = "0, 1 or all (default: the producer's, all).")
    String acks;

    @Option(names = "--compression", paramLabel = "TYPE", description = "none, gzip, snappy, lz4 or zstd (default: none).")
    String compression;

    @Option(names = "--producer-props", paramLabel = "KEY=VALUE", arity = "1..*",
        description = "Producer settings, e.g. batch.size=65536 linger.ms=5.")
    Map<String, String> producerProps = new LinkedHashMap<>();

    @Override
    int run() throws Exception {
      if (numRecords <= 0) throw new CliException("--num-records must be positive", 2);
      if (recordSize < 0) throw new CliException("--record-size must not be negative", 2);
      var props = connection.producer();
      if (acks != null) props.put("acks", acks);
      if (compression != null) props.put("compression.type", compression);
      props.putAll(producerProps);
      byte[] payload = new byte[recordSize];
      var random = new Random(0);
      for (int i = 0; i < payload.length; i++) payload[i] = (byte) (random.nextInt(26) + 65);
      var failure = new java.util.concurrent.atomic.AtomicReference<Exception>();
      Stats stats;
      try (var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
        stats = new Stats(numRecords, reportingIntervalMs, progressOut(), "sent"); // timing starts here, as in Kafka's tool
        long startNs = System.nanoTime();
        for (long i = 0; i < numRecords && failure.get() == null; i++) {
          long sendStart = System.currentTimeMillis();
          producer.send(new ProducerRecord<>(topic, payload), new PerfCallback(sendStart, payload.length, stats, failure));
          if (throughput > 0) {
            long ahead = startNs + (long) ((i + 1) * 1e9 / throughput) - System.nanoTime();
            if (ahead > 1_000_000) LockSupport.parkNanos(ahead);
          }
        }
        producer.flush();
      }
      if (failure.get() != null) throw failure.get();
      out().println(stats.summary(System.currentTimeMillis()));
      return 0;
    }
  }

  /** Kafka's PerfCallback: latency from send to acknowledgement, per record. */
  private record PerfCallback(long startMs, int bytes, Stats stats, java.util.concurrent.atomic.AtomicReference<Exception> failure)
      implements Callback {
    @Override
    public void onCompletion(RecordMetadata metadata, Exception exception) {
      long now = System.currentTimeMillis();
      if (exception != null) {
        failure.compareAndSet(null, exception);
        return;
      }
      stats.record((int) (now - startMs), bytes, now);
    }
  }

  @Command(name = "consume", mixinStandardHelpOptions = true,
      description = {"Read records as fast as possible and report throughput (like kafka-consumer-perf-test).",
          "Latency is end to end: receive time minus the record's timestamp (meaningful while producing concurrently)."})
  static final class Consume extends PerfBase {
    @Option(names = "--messages", required = true, paramLabel = "N", description = "Records to read.")
    long messages;

    @Option(names = "--group", paramLabel = "GROUP", description = "Read as a member of this group (default: assign every partition, from the beginning).")
    String group;

    @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "10000",
        description = "Give up when no record arrives for this long (default: ${DEFAULT-VALUE}).")
    long idleTimeoutMs;

    @Option(names = "--consumer-props", paramLabel = "KEY=VALUE", arity = "1..*", description = "Consumer settings.")
    Map<String, String> consumerProps = new LinkedHashMap<>();

    @Override
    int run() throws Exception {
      if (messages <= 0) throw new CliException("--messages must be positive", 2);
      var props = connection.consumer();
      if (group != null) {
        props.put("group.id", group);
        props.put("auto.offset.reset", "earliest");
      } else {
        props.put("enable.auto.commit", "false");
      }
      props.putAll(consumerProps);
      var stats = new Stats(messages, reportingIntervalMs, progressOut(), "received");
      try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
        var all = partitionsOf(consumer, topic);
        if (group != null) {
          consumer.subscribe(List.of(topic));
        } else {
          consumer.assign(all);
          consumer.seekToBeginning(all);
        }
        long lastRecord = System.nanoTime();
        while (stats.count() < messages) {
          var records = consumer.poll(Duration.ofMillis(100));
          long now = System.currentTimeMillis();
          for (var r : records) {
            int size = (r.value() == null ? 0 : r.value().length) + (r.key() == null ? 0 : r.key().length);
            stats.record((int) Math.max(0, now - r.timestamp()), size, now);
          }
          if (!records.isEmpty()) lastRecord = System.nanoTime();
          else if (System.nanoTime() - lastRecord > idleTimeoutMs * 1_000_000L) {
            out().println(stats.summary(System.currentTimeMillis()));
            throw new CliException("no records for " + idleTimeoutMs + " ms after " + stats.count() + " of " + messages);
          }
        }
      }
      out().println(stats.summary(System.currentTimeMillis()));
      return 0;
    }
  }
}
