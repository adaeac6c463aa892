package io.tributary.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tributary.it.TestBrokers;
import io.tributary.node.BrokerNode;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every CLI command driven through the entry point, as a user would, against a real node. */
class CliTest {
  @TempDir
  static Path dataDir;

  @TempDir
  static Path files;

  static BrokerNode node;

  @BeforeAll
  static void startNode() {
    node = TestBrokers.start(dataDir, "tributary.group.initial.rebalance.delay.ms = 0", "tributary.http.port = 0");
  }

  @AfterAll
  static void stopNode() {
    if (node != null) node.close();
  }

  record Result(int exit, String out, String err) {
    List<String> lines() {
      return out.isEmpty() ? List.of() : Arrays.asList(out.split("\n"));
    }
  }

  /** Runs {@code tributary <args>} (with --bootstrap-server for this node unless given) and captures everything. */
  static Result run(String... args) {
    List<String> all = new ArrayList<>(Arrays.asList(args));
    if (!all.contains("--bootstrap-server") && !all.contains("--help") && all.size() > 1) {
      all.add("--bootstrap-server");
      all.add(node.bootstrapServers());
    }
    return raw(all.toArray(String[]::new));
  }

  static Result raw(String... args) {
    var out = new StringWriter();
    var err = new StringWriter();
    var cl = Main.commandLine();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    return new Result(exit, out.toString().replace("\r", ""), err.toString().replace("\r", ""));
  }

  static void assertOk(Result r) {
    assertEquals(0, r.exit(), () -> "exit code; stderr: " + r.err() + " stdout: " + r.out());
  }

  /** A failure: the given exit code and exactly one line on stderr, no stack trace. */
  static void assertOneLineError(Result r, int exit, String contains) {
    assertEquals(exit, r.exit(), () -> "exit code; stderr: " + r.err());
    String err = r.err().strip();
    assertEquals(1, err.lines().count(), () -> "one line on stderr, got: " + r.err());
    assertTrue(err.startsWith("tributary: "), err);
    assertTrue(err.contains(contains), () -> "stderr should mention '" + contains + "': " + err);
    assertFalse(err.contains("\tat ") || err.contains("Exception in thread"), err);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "broker", "topics", "topics list", "topics create", "topics describe", "topics alter",
      "topics delete", "produce", "consume", "groups", "groups list", "groups describe", "groups reset-offsets",
      "groups delete", "perf", "perf produce", "perf consume"})
  void everyCommandHasHelp(String command) {
    List<String> args = new ArrayList<>(command.isEmpty() ? List.of() : Arrays.asList(command.split(" ")));
    args.add("--help");
    var r = raw(args.toArray(String[]::new));
    assertOk(r);
    assertTrue(r.out().startsWith("Usage: tributary"), r.out());
    if (!command.isEmpty() && !command.equals("broker") && !command.equals("topics") && !command.equals("groups")
        && !command.equals("perf")) {
      assertTrue(r.out().contains("--bootstrap-server"), command + ": " + r.out());
    }
  }

  @Test
  void topicsLifecycle() {
    var created = run("topics", "create", "cli-topics", "--partitions", "3", "--config", "retention.ms=60000",
        "--config", "cleanup.policy=delete");
    assertOk(created);
    assertEquals("Created topic cli-topics.", created.out().strip());

    var list = run("topics", "list");
    assertOk(list);
    assertTrue(list.lines().contains("cli-topics"), list.out());

    var described = run("topics", "describe", "cli-topics");
    assertOk(described);
    assertTrue(described.out().contains("Topic: cli-topics\t"), described.out());
    assertTrue(described.out().contains("PartitionCount: 3"), described.out());
    assertTrue(described.out().contains("retention.ms=60000"), described.out());
    assertEquals(4, described.lines().size(), described.out()); // the topic line and one per partition
    for (int p = 0; p < 3; p++) {
      assertTrue(described.lines().contains("\tTopic: cli-topics\tPartition: " + p + "\tLeader: 1\tReplicas: 1\tIsr: 1"),
          "each partition's leader, replicas and ISR (node 1): " + described.out());
    }

    assertOk(run("topics", "alter", "cli-topics", "--partitions", "4", "--config", "retention.ms=120000"));
    var altered = run("topics", "describe", "cli-topics");
    assertTrue(altered.out().contains("PartitionCount: 4"), altered.out());
    assertTrue(altered.out().contains("retention.ms=120000"), altered.out());

    var exists = run("topics", "create", "cli-topics", "--partitions", "1");
    assertOneLineError(exists, 1, "already exists");
    assertOk(run("topics", "create", "cli-topics", "--partitions", "1", "--if-not-exists"));

    var deleted = run("topics", "delete", "cli-topics");
    assertOk(deleted);
    assertEquals("Deleted topic cli-topics.", deleted.out().strip());
    await("topic gone").atMost(java.time.Duration.ofSeconds(30)).until(() -> !run("topics", "list").lines().contains("cli-topics"));
    assertOneLineError(run("topics", "describe", "cli-topics"), 1, "does not exist");
  }

  @Test
  void produceAndConsumeInEveryFormat() throws Exception {
    assertOk(run("topics", "create", "cli-records", "--partitions", "1"));
    Path input = files.resolve("records.txt");
    Files.writeString(input, "k1:v1\nk2:v2\nk3:value:with:colons\n");
    assertOk(run("produce", "cli-records", "--file", input.toString(), "--key-separator", ":",
        "--header", "source=cli", "--compression", "lz4", "--acks", "1"));

    var values = run("consume", "cli-records", "--from-beginning", "--max-messages", "3");
    assertOk(values);
    assertEquals(List.of("v1", "v2", "value:with:colons"), values.lines());

    var keyValues = run("consume", "cli-records", "--from-beginning", "--max-messages", "3", "--format", "key-value",
        "--key-separator", "=");
    assertOk(keyValues);
    assertEquals(List.of("k1=v1", "k2=v2", "k3=value:with:colons"), keyValues.lines());

    var json = run("consume", "cli-records", "--from-beginning", "--max-messages", "2", "--format", "json");
    assertOk(json);
    assertEquals(2, json.lines().size(), json.out());
    JsonNode first = new ObjectMapper().readTree(json.lines().get(0));
    assertEquals("cli-records", first.get("topic").asText());
    assertEquals(0, first.get("partition").asInt());
    assertEquals(0, first.get("offset").asLong());
    assertEquals("k1", first.get("key").asText());
    assertEquals("v1", first.get("value").asText());
    assertEquals("source", first.get("headers").get(0).get("name").asText());
    assertEquals("cli", first.get("headers").get(0).get("value").asText());
    assertTrue(first.get("timestamp").asLong() > 0);

    var fromOffset = run("consume", "cli-records", "--partition", "0", "--offset", "1", "--max-messages", "2");
    assertOk(fromOffset);
    assertEquals(List.of("v2", "value:with:colons"), fromOffset.lines());

    // stdin, no key
    InputStream stdin = System.in;
    try {
      System.setIn(new ByteArrayInputStream("from-stdin\n".getBytes(StandardCharsets.UTF_8)));
      assertOk(run("produce", "cli-records"));
    } finally {
      System.setIn(stdin);
    }
    var last = run("consume", "cli-records", "--partition", "0", "--offset", "3", "--max-messages", "1", "--format", "key-value");
    assertEquals(List.of("null\tfrom-stdin"), last.lines());

    // --timeout-ms ends a consume that runs out of records
    var idle = run("consume", "cli-records", "--from-beginning", "--timeout-ms", "1000");
    assertOk(idle);
    assertEquals(4, idle.lines().size(), idle.out());
  }

  @Test
  void groupsDescribeResetAndDelete() {
    assertOk(run("topics", "create", "cli-groups", "--partitions", "2"));
    Path input = files.resolve("groups.txt");
    try {
      Files.writeString(input, "a:1\nb:2\nc:3\n");
    } catch (java.io.IOException e) {
      throw new RuntimeException(e);
    }
    assertOk(run("produce", "cli-groups", "--file", input.toString(), "--key-separator", ":", "--partition", "0"));
    assertOk(run("produce", "cli-groups", "--file", input.toString(), "--key-separator", ":", "--partition", "1"));

    var consumed = run("consume", "cli-groups", "--group", "cli-g1", "--from-beginning", "--max-messages", "6");
    assertOk(consumed);
    assertEquals(6, consumed.lines().size());

    var list = run("groups", "list");
    assertOk(list);
    assertTrue(list.lines().contains("cli-g1"), list.out());

    var described = run("groups", "describe", "cli-g1");
    assertOk(described);
    var rows = rows(described);
    assertEquals(2, rows.size(), described.out());
    long committed = 0;
    for (String[] row : rows) {
      assertEquals("cli-g1", row[0]);
      assertEquals("cli-groups", row[1]);
      assertEquals(row[3], row[4], "committed offset = log end offset after consuming everything");
      assertEquals("0", row[5], "lag");
      committed += Long.parseLong(row[3]);
    }
    assertEquals(6, committed);

    // move the group back to the start: lag becomes the whole topic
    var dryRun = run("groups", "reset-offsets", "cli-g1", "--topic", "cli-groups", "--to-earliest");
    assertOk(dryRun);
    assertEquals(0, rows(run("groups", "describe", "cli-g1")).stream().mapToLong(r -> Long.parseLong(r[5])).sum(),
        "a dry run changes nothing");
    assertOk(run("groups", "reset-offsets", "cli-g1", "--topic", "cli-groups", "--to-earliest", "--execute"));
    var reset = rows(run("groups", "describe", "cli-g1"));
    assertEquals(6, reset.stream().mapToLong(r -> Long.parseLong(r[5])).sum());
    reset.forEach(r -> assertEquals("0", r[3]));

    assertOk(run("groups", "reset-offsets", "cli-g1", "--all-topics", "--shift-by", "1", "--execute"));
    assertEquals(4, rows(run("groups", "describe", "cli-g1")).stream().mapToLong(r -> Long.parseLong(r[5])).sum());

    var deleted = run("groups", "delete", "cli-g1");
    assertOk(deleted);
    assertFalse(run("groups", "list").lines().contains("cli-g1"));
    assertOneLineError(run("groups", "describe", "cli-g1"), 1, "does not exist");
    assertOneLineError(run("groups", "reset-offsets", "cli-g1", "--topic", "nope-topic", "--to-latest"), 1, "does not exist");
  }

  private static List<String[]> rows(Result describe) {
    assertOk(describe);
    var lines = describe.lines();
    assertTrue(lines.get(0).startsWith("GROUP"), describe.out());
    return lines.subList(1, lines.size()).stream().map(l -> l.trim().split("\\s+")).toList();
  }

  @Test
  void perfProduceAndConsumeReportLikeKafka() {
    assertOk(run("topics", "create", "cli-perf", "--partitions", "2"));
    var produce = run("perf", "produce", "--topic", "cli-perf", "--num-records", "5000", "--record-size", "200",
        "--throughput", "-1", "--acks", "1", "--compression", "none", "--producer-props", "linger.ms=2", "--no-progress");
    assertOk(produce);
    assertEquals(1, produce.lines().size(), produce.out());
    assertTrue(produce.out().matches("(?s)5000 records sent, [0-9.]+ records/sec \\([0-9.]+ MB/sec\\), [0-9.]+ ms avg latency, "
        + "[0-9.]+ ms max latency, \\d+ ms 50th, \\d+ ms 95th, \\d+ ms 99th, \\d+ ms 99.9th.\\s*"), produce.out());

    var limited = run("perf", "produce", "--topic", "cli-perf", "--num-records", "200", "--record-size", "10",
        "--throughput", "1000", "--progress", "--reporting-interval", "50");
    assertOk(limited);
    assertTrue(limited.lines().size() >= 2, "progress lines and the summary: " + limited.out());
    assertTrue(limited.lines().get(limited.lines().size() - 1).startsWith("200 records sent"), limited.out());
    double rate = Double.parseDouble(limited.lines().get(limited.lines().size() - 1).split(" ")[3]);
    assertTrue(rate <= 1000 * 1.25, "throughput limit respected: " + rate);

    var consume = run("perf", "consume", "--topic", "cli-perf", "--messages", "5200", "--no-progress");
    assertOk(consume);
    assertTrue(consume.out().startsWith("5200 records received, "), consume.out());
  }

  @Test
  void wrongInputIsOneLineAndANonZeroExit() {
    assertOneLineError(run("topics", "describe", "no-such-topic"), 1, "no-such-topic");
    assertOneLineError(run("topics", "delete", "no-such-topic"), 1, "does not exist");
    assertOneLineError(run("consume", "no-such-topic", "--from-beginning", "--max-messages", "1"), 1, "does not exist");
    assertOneLineError(run("groups", "describe", "no-such-group"), 1, "does not exist");
    assertOneLineError(run("topics", "list", "--bogus"), 2, "--bogus");
    assertOneLineError(run("topics", "create", "x", "--partitions", "many"), 2, "many");
    assertOneLineError(run("consume", "x", "--format", "xml"), 2, "xml");
    assertOneLineError(raw("no-such-command"), 2, "no-such-command");
    assertOneLineError(raw("topics"), 2, "Missing subcommand");
    assertOneLineError(run("produce", "x", "--file", files.resolve("missing.txt").toString()), 2, "not found");
    assertOneLineError(run("topics", "create", "bad-partitions", "--partitions", "0"), 1, "");
    assertOneLineError(raw("topics", "list", "--bootstrap-server", "127.0.0.1:1", "--request-timeout-ms", "1500"), 1,
        "127.0.0.1:1");
    assertOneLineError(raw("consume", "x", "--bootstrap-server", "127.0.0.1:1", "--request-timeout-ms", "1500"), 1,
        "127.0.0.1:1");
    assertOneLineError(raw("topics", "list", "--bootstrap-server", "no-such-host.invalid:9092", "--request-timeout-ms", "1500"),
        1, "");
  }
}
