package io.tributary.cli;

import java.io.BufferedReader;
import java.io.File;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Lines from stdin or a file become records, like kafka-console-producer. */
@Command(name = "produce", mixinStandardHelpOptions = true,
    description = {"Send each line of stdin (or --file) as one record.",
        "With --key-separator, the text before the first separator is the key."})
final class ProduceCommand extends ClientCommand {

  @Parameters(index = "0", paramLabel = "TOPIC", description = "Topic to write to.")
  String topic;

  @Option(names = "--file", paramLabel = "FILE", description = "Read lines from this file instead of stdin.")
  File file;

  @Option(names = "--key-separator", paramLabel = "SEP",
      description = "Split each line at the first SEP into key and value (a line without SEP is an error).")
  String keySeparator;

  @Option(names = "--header", paramLabel = "NAME=VALUE", description = "A header added to every record (repeatable).")
  Map<String, String> headers = new LinkedHashMap<>();

  @Option(names = "--partition", paramLabel = "P", description = "Write every record to this partition (default: by key, or sticky).")
  Integer partition;

  @Option(names = "--compression", paramLabel = "TYPE", defaultValue = "none",
      description = "none, gzip, snappy, lz4 or zstd (default: ${DEFAULT-VALUE}).")
  String compression;

  @Option(names = "--acks", paramLabel = "ACKS", defaultValue = "all", description = "0, 1 or all (default: ${DEFAULT-VALUE}).")
  String acks;

  @Option(names = "--property", paramLabel = "KEY=VALUE", description = "Any other producer setting (repeatable).")
  Map<String, String> properties = new LinkedHashMap<>();

  @Override
  int run() throws Exception {
    if (!List.of("0", "1", "all", "-1").contains(acks)) throw new CliException("--acks must be 0, 1 or all", 2);
    if (file != null && !file.isFile()) throw new CliException("file not found: " + file, 2);
    if (keySeparator != null && keySeparator.isEmpty()) throw new CliException("--key-separator must not be empty", 2);
    var props = connection.producer();
    props.put("compression.type", compression);
    props.put("acks", acks);
    props.putAll(properties);
    List<Header> common = new ArrayList<>();
    headers.forEach((k, v) -> common.add(new RecordHeader(k, v.getBytes(StandardCharsets.UTF_8))));
    AtomicReference<Exception> failure = new AtomicReference<>();
    AtomicLong acked = new AtomicLong();
    long lineNo = 0;
    try (Reader source = file != null ? Files.newBufferedReader(file.toPath(), StandardCharsets.UTF_8)
            : new InputStreamReader(System.in, StandardCharsets.UTF_8);
         var lines = new BufferedReader(source);
         var producer = new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer())) {
      String line;
      while ((line = lines.readLine()) != null && failure.get() == null) {
        lineNo++;
        byte[] key = null;
        String value = line;
        if (keySeparator != null) {
          int at = line.indexOf(keySeparator);
          if (at < 0) throw new CliException("line " + lineNo + " has no key separator '" + keySeparator + "'", 2);
          key = line.substring(0, at).getBytes(StandardCharsets.UTF_8);
          value = line.substring(at + keySeparator.length());
        }
        var record = new ProducerRecord<>(topic, partition, key, value.getBytes(StandardCharsets.UTF_8), common);
        producer.send(record, (md, e) -> {
          if (e != null) failure.compareAndSet(null, e);
          else acked.incrementAndGet();
        });
      }
      producer.flush();
    }
    if (failure.get() != null) throw failure.get();
    if (interactive()) err().println("Produced " + acked.get() + " records to " + topic + ".");
    return 0;
  }
}
