package io.tributary.client;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.ActorSystem;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * committableSource → transform → Producer.flow → Committer, interrupted half-way through 100,000 records
 * (the stream aborted; separately, its JVM killed), then restarted: every input is in the output at least
 * once, and only records after the committed position at the interruption (the uncommitted window) appear
 * twice.
 */
class AtLeastOncePipelineTest extends EmbeddedBrokerTestBase {
  static final int N = 100_000;
  static final int PARTITIONS = 4;

  @Test
  void abortedStreamRestartsWithoutLoss() throws Exception {
    var bs = broker.bootstrapServers();
    broker.createTopic("abort-in", PARTITIONS);
    broker.createTopic("abort-out", PARTITIONS);
    ClientTests.produce(bs, "abort-in", N, Integer::toString);

    var first = Pipeline.start(system, bs, "abort-in", "abort-out", "abort-group", 25_000);
    await("half of the output").atMost(Duration.ofSeconds(30)).until(() -> ClientTests.total(ClientTests.endOffsets(bs, "abort-out")) >= N / 2);
    first.killSwitch().abort(new RuntimeException("simulated crash"));
    first.control().isShutdown().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertTrue(ClientTests.total(ClientTests.endOffsets(bs, "abort-out")) < N, "stopped before the end");

    restartAndVerify("abort-in", "abort-out", "abort-group");
  }

  @Test
  void killedJvmRestartsWithoutLoss() throws Exception {
    var bs = broker.bootstrapServers();
    broker.createTopic("kill-in", PARTITIONS);
    broker.createTopic("kill-out", PARTITIONS);
    ClientTests.produce(bs, "kill-in", N, Integer::toString);

    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var log = new File("target/pipeline-child.log");
    var child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Pipeline.class.getName(),
        bs, "kill-in", "kill-out", "kill-group", "10000")
        .redirectErrorStream(true).redirectOutput(log).start();
    try {
      await("half of the output from the child JVM").atMost(Duration.ofSeconds(40)).until(() -> ClientTests.total(ClientTests.endOffsets(bs, "kill-out")) >= N / 2);
    } finally {
      child.destroyForcibly();
      child.waitFor(30, TimeUnit.SECONDS);
    }
    assertTrue(ClientTests.total(ClientTests.endOffsets(bs, "kill-out")) < N, "killed before the end");

    restartAndVerify("kill-in", "kill-out", "kill-group");
  }

  private void restartAndVerify(String in, String out, String group) throws Exception {
    var bs = broker.bootstrapServers();
    Map<TopicPartition, Long> committedAtCrash = ClientTests.committed(bs, group);
    var inputEnd = ClientTests.endOffsets(bs, in);

    var second = Pipeline.start(system, bs, in, out, group, 1_000_000);
    await("every input committed after the restart").atMost(Duration.ofSeconds(45)).until(() -> ClientTests.committed(bs, group).equals(inputEnd));
    second.control().drainAndShutdown(second.done()).toCompletableFuture().get(30, TimeUnit.SECONDS);

    // where each input record is: value -> its (partition, offset)
    var position = new HashMap<String, ConsumerRecord<String, String>>();
    for (var r : ClientTests.readAll(bs, in)) position.put(r.value(), r);
    assertEquals(N, position.size());

    var seen = new HashMap<String, Integer>();
    for (var r : ClientTests.readAll(bs, out)) seen.merge(r.value(), 1, Integer::sum);
    int duplicates = 0;
    long window = 0;
    for (var e : inputEnd.entrySet()) window += e.getValue() - committedAtCrash.getOrDefault(e.getKey(), 0L);
    for (var r : position.values()) {
      int times = seen.getOrDefault(Pipeline.transform(r.value()), 0);
      assertTrue(times >= 1, "input " + r.value() + " missing from the output");
      long committed = committedAtCrash.getOrDefault(new TopicPartition(r.topic(), r.partition()), 0L);
      if (r.offset() < committed) {
        assertEquals(1, times, "input " + r.value() + " at offset " + r.offset() + " was committed but processed again");
      } else if (times > 1) {
        duplicates += times - 1;
      }
    }
    System.out.printf("%s: committed at the crash %d of %d; duplicates %d, all within the uncommitted window%n",
        group, ClientTests.total(committedAtCrash), N, duplicates);
    assertTrue(ClientTests.total(committedAtCrash) > 0, "something was committed before the crash");
    assertTrue(duplicates <= window, "duplicates only from the uncommitted window");
  }
}
