package io.tributary.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Prints records of a topic, like kafka-console-consumer. */
@Command(name = "consume", mixinStandardHelpOptions = true,
    description = {"Print records of a topic to stdout, one per line.",
        "Without --group it reads every partition (or --partition) directly and commits nothing."})
final class ConsumeCommand extends ClientCommand {
  private static final ObjectMapper JSON = new ObjectMapper();

  enum Format { value, key_value, json }

  @Parameters(index = "0", paramLabel = "TOPIC", description = "Topic to read.")
  String topic;

  @Option(names = "--from-beginning", description = "Start at the earliest offset (default: only new records).")
  boolean fromBeginning;

  @Option(names = "--group", paramLabel = "GROUP", description = "Consume as a member of this consumer group, committing offsets.")
  String group;

  @Option(names = "--max-messages", paramLabel = "N", description = "Exit after N records.")
  Long maxMessages;

  @Option(names = "--partition", paramLabel = "P", description = "Read only this partition.")
  Integer partition;

  @Option(names = "--offset", paramLabel = "OFFSET",
      description = "With --partition: start at this offset, or 'earliest' / 'latest'.")
  String offset;

  @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "value",
      converter = FormatConverter.class,
      description = "value, key-value or json (JSON with topic, partition, offset, timestamp, key, value, headers; default: ${DEFAULT-VALUE}).")
  Format format;

  @Option(names = "--key-separator", paramLabel = "SEP", defaultValue = "\t",
      description = "Between key and value in the key-value format (default: tab).")
  String keySeparator;

  @Option(names = "--base64", description = "In the json format, give keys, values and header values in base64 (for binary data).")
  boolean base64;

  @Option(names = "--timeout-ms", paramLabel = "MS", description = "Exit when no record arrives for this long.")
  Long idleTimeoutMs;

  @Option(names = "--property", paramLabel = "KEY=VALUE", description = "Any other consumer setting (repeatable).")
  Map<String, String> properties = new LinkedHashMap<>();

  static final class FormatConverter implements picocli.CommandLine.ITypeConverter<Format> {
    @Override
    public Format convert(String value) {
      return switch (value) {
        case "value" -> Format.value;
        case "key-value", "key_value" -> Format.key_value;
        case "json" -> Format.json;
        default -> throw new picocli.CommandLine.TypeConversionException("expected value, key-value or json, not '" + value + "'");
      };
    }
  }

  @Override
  int run() throws Exception {
    if (offset != null && partition == null) throw new CliException("--offset needs --partition", 2);
    if (partition != null && group != null) throw new CliException("--partition and --group cannot be combined", 2);
    var props = connection.consumer();
    props.put("enable.auto.commit", "false"); // with --group: exactly what was printed is committed
    if (group != null) {
      props.put("group.id", group);
      props.put("auto.offset.reset", fromBeginning ? "earliest" : "latest");
    }
    props.putAll(properties);
    long count = 0;
    // Ctrl-C: wake the poll, and hold the JVM until what was printed is committed and the consumer closed
    var stopped = new java.util.concurrent.CountDownLatch(1);
    try (var consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      var all = partitionsOf(consumer, topic);
      if (group != null) {
        consumer.subscribe(List.of(topic));
      } else {
        var tps = all;
        if (partition != null) {
          if (partition < 0 || partition >= all.size()) {
            throw new CliException("topic '" + topic + "' has no partition " + partition + " (it has " + all.size() + ")");
          }
          tps = List.of(new TopicPartition(topic, partition));
        }
        consumer.assign(tps);
        if (offset == null) {
          if (fromBeginning) consumer.seekToBeginning(tps);
          else consumer.seekToEnd(tps);
        } else if (offset.equals("earliest")) {
          consumer.seekToBeginning(tps);
        } else if (offset.equals("latest")) {
          consumer.seekToEnd(tps);
        } else {
          try {
            consumer.seek(tps.get(0), Long.parseLong(offset));
          } catch (NumberFormatException e) {
            throw new CliException("--offset must be a number, 'earliest' or 'latest'", 2);
          }
        }
      }
      Thread hook = new Thread(() -> {
        consumer.wakeup();
        try {
          stopped.await(10, java.util.concurrent.TimeUnit.SECONDS);
        } catch (InterruptedException ignored) {
          Thread.currentThread().interrupt();
        }
      }, "tributary-consume-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      var out = out();
      long lastRecord = System.nanoTime();
      Map<TopicPartition, OffsetAndMetadata> printed = new HashMap<>();
      long lastCommit = System.nanoTime();
      try {
        while (maxMessages == null || count < maxMessages) {
          var records = consumer.poll(Duration.ofMillis(200));
          for (var r : records) {
            if (maxMessages != null && count >= maxMessages) break;
            out.println(render(r));
            printed.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
            count++;
          }
          out.flush();
          if (!records.isEmpty()) lastRecord = System.nanoTime();
          else if (idleTimeoutMs != null && System.nanoTime() - lastRecord > idleTimeoutMs * 1_000_000L) break;
          if (group != null && !printed.isEmpty() && System.nanoTime() - lastCommit > 5_000_000_000L) {
            consumer.commitAsync(new HashMap<>(printed), null);
            lastCommit = System.nanoTime();
          }
        }
      } catch (WakeupException e) {
        // Ctrl-C: commit what was printed, then stop
      } finally {
        try {
          if (group != null && !printed.isEmpty()) consumer.commitSync(printed);
        } finally {
          try {
            Runtime.getRuntime().removeShutdownHook(hook);
          } catch (IllegalStateException ignored) {
            // already shutting down
          }
        }
      }
    } finally {
      stopped.countDown();
    }
    if (interactive()) err().println("Processed a total of " + count + " messages");
    return 0;
  }

  private String render(ConsumerRecord<byte[], byte[]> r) throws Exception {
    return switch (format) {
      case value -> text(r.value());
      case key_value -> text(r.key()) + keySeparator + text(r.value());
      case json -> {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("topic", r.topic());
        m.put("partition", r.partition());
        m.put("offset", r.offset());
        m.put("timestamp", r.timestamp());
        m.put("key", bytes(r.key()));
        m.put("value", bytes(r.value()));
        List<Map<String, Object>> headers = new ArrayList<>();
        for (Header h : r.headers()) {
          Map<String, Object> hm = new LinkedHashMap<>();
          hm.put("name", h.key());
          hm.put("value", bytes(h.value()));
          headers.add(hm);
        }
        m.put("headers", headers);
        yield JSON.writeValueAsString(m);
      }
    };
  }

  private static String text(byte[] b) {
    return b == null ? "null" : new String(b, StandardCharsets.UTF_8);
  }

  private String bytes(byte[] b) {
    if (b == null) return null;
    return base64 ? Base64.getEncoder().encodeToString(b) : new String(b, StandardCharsets.UTF_8);
  }
}
