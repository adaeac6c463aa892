package io.tributary.client;

import org.apache.kafka.clients.consumer.CommitFailedException;

import java.util.List;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.japi.Pair;
import akka.stream.javadsl.Keep;
import akka.stream.javadsl.Sink;
import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/**
 * Transactional.source → transform → Transactional.flow/sink against the embedded broker: a plain copy, a copy
 * whose stream fails half-way and is restarted, and one whose JVM is killed half-way and is restarted. In
 * each, the output read with read_committed holds every input exactly once.
 */
class TransactionalPipelineTest extends EmbeddedBrokerTestBase {
  static final int PARTITIONS = 4;

  @Test
  void copyWritesEachRecordOnceAndEmitsResultsAfterCommit() throws Exception {
    int n = 10_000;
    var bs = broker.bootstrapServers();
    broker.createTopic("txcopy-in", PARTITIONS);
    broker.createTopic("txcopy-out", PARTITIONS);
    ClientTests.produce(bs, "txcopy-in", n, Integer::toString);

    var consumerSettings = ConsumerSettings.create(system, new StringDeserializer(), new StringDeserializer())
        .withBootstrapServers(bs)
        .withGroupId("txcopy")
        .withProperty(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    var producerSettings = ProducerSettings.create(system, new StringSerializer(), new StringSerializer())
        .withBootstrapServers(bs);
    Pair<Consumer.Control, CompletionStage<Integer>> m = Transactional.source(consumerSettings, Subscriptions.topics("txcopy-in"))
        .map(msg -> ProducerMessage.single(
            new ProducerRecord<>("txcopy-out", msg.record().key(), TransactionalPipeline.transform(msg.record().value())),
            msg.partitionOffset()))
        .via(Transactional.flow(producerSettings, "txcopy-1"))
        .toMat(Sink.fold(0, (count, result) -> count + 1), Keep.both())
        .run(system);
    var inputEnd = ClientTests.endOffsets(bs, "txcopy-in");
    await("every input offset committed").atMost(Duration.ofSeconds(60))
        .until(() -> ClientTests.committed(bs, "txcopy").equals(inputEnd));
    int emitted = m.first().drainAndShutdown(m.second()).toCompletableFuture().get(30, TimeUnit.SECONDS);

    assertEquals(n, emitted, "one result per input, each after its transaction committed");
    verifyExactlyOnce("txcopy-in", "txcopy-out", n);
    // the commit markers take offsets too: read_uncommitted ends past the n records
    assertTrue(ClientTests.total(ClientTests.endOffsets(bs, "txcopy-out")) > n, "control batches written");
  }

  @Test
  void failedStreamRestartsWithEachRecordOnce() throws Exception {
    int n = 20_000;
    var bs = broker.bootstrapServers();
    broker.createTopic("txfail-in", PARTITIONS);
    broker.createTopic("txfail-out", PARTITIONS);
    ClientTests.produce(bs, "txfail-in", n, Integer::toString);

    var first = TransactionalPipeline.start(system, bs, "txfail-in", "txfail-out", "txfail", "txfail-1", 20_000, n / 2);
    var failure = assertThrows(ExecutionException.class, () -> first.done().toCompletableFuture().get(60, TimeUnit.SECONDS));
    assertTrue(String.valueOf(failure.getCause().getMessage()).contains("simulated failure"), failure.toString());
    first.control().isShutdown().toCompletableFuture().get(30, TimeUnit.SECONDS);
    long committedAtFailure = ClientTests.total(ClientTests.committed(bs, "txfail"));
    assertTrue(committedAtFailure > 0 && committedAtFailure < n, "failed half-way: " + committedAtFailure + " committed");

    restartAndVerify("txfail-in", "txfail-out", "txfail", "txfail-1", n);
  }

  @Test
  void killedJvmRestartsWithEachRecordOnce() throws Exception {
    int n = 30_000;
    var bs = broker.bootstrapServers();
    broker.createTopic("txkill-in", PARTITIONS);
    broker.createTopic("txkill-out", PARTITIONS);
    ClientTests.produce(bs, "txkill-in", n, Integer::toString);

    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    var log = new File("target/transactional-pipeline-child.log");
    var child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        TransactionalPipeline.class.getName(), bs, "txkill-in", "txkill-out", "txkill", "txkill-1", "10000")
        .redirectErrorStream(true).redirectOutput(log).start();
    try {
      await("half of the input committed by the child JVM").atMost(Duration.ofSeconds(60))
          .until(() -> ClientTests.total(ClientTests.committed(bs, "txkill")) >= n / 2);
    } finally {
      child.destroyForcibly(); // SIGKILL: no abort, no leave-group, a transaction possibly open
      child.waitFor(30, TimeUnit.SECONDS);
    }
    long committedAtKill = ClientTests.total(ClientTests.committed(bs, "txkill"));
    assertTrue(committedAtKill < n, "killed before the end: " + committedAtKill + " committed");

    restartAndVerify("txkill-in", "txkill-out", "txkill", "txkill-1", n);
  }

  @Test
  void secondInstanceJoiningRebalancesWithEachRecordOnce() throws Exception {
    int n = 40_000;
    var bs = broker.bootstrapServers();
    broker.createTopic("txreb-in", PARTITIONS);
    broker.createTopic("txreb-out", PARTITIONS);
    ClientTests.produce(bs, "txreb-in", n, Integer::toString);

    var first = TransactionalPipeline.start(system, bs, "txreb-in", "txreb-out", "txreb", "txreb-a", 10_000, 0);
    await("a quarter committed by the first instance").atMost(Duration.ofSeconds(60))
        .until(() -> ClientTests.total(ClientTests.committed(bs, "txreb")) >= n / 4);
    // the group rebalances: the first instance's partitions are revoked while its transaction is open
    var second = TransactionalPipeline.start(system, bs, "txreb-in", "txreb-out", "txreb", "txreb-b", 10_000, 0);
    long committedAtJoin = ClientTests.total(ClientTests.committed(bs, "txreb"));
    assertTrue(committedAtJoin < n, "joined before the end: " + committedAtJoin);
    var inputEnd = ClientTests.endOffsets(bs, "txreb-in");
    await("every input committed by the two instances").atMost(Duration.ofSeconds(90))
        .until(() -> ClientTests.committed(bs, "txreb").equals(inputEnd));
    // a commit racing the rebalance is refused (the generation moved on): that stream fails, as documented, and its
    // transaction is aborted; the other instance takes its partitions. Any other failure is a defect.
    for (var instance : List.of(second, first)) {
      var done = instance.done().toCompletableFuture();
      if (done.isCompletedExceptionally()) {
        Throwable cause = assertThrows(ExecutionException.class, done::get).getCause();
        assertTrue(causedBy(cause, CommitFailedException.class),
            "a stream failed in the rebalance only because the broker refused its offsets at commit: " + cause);
      } else {
        instance.control().drainAndShutdown(instance.done()).toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
    verifyExactlyOnce("txreb-in", "txreb-out", n);
  }

  private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) return true;
    }
    return false;
  }

  /** Runs the pipeline again with the same group and transactional id until every input is committed. */
  private void restartAndVerify(String in, String out, String group, String transactionalId, int n) throws Exception {
    var bs = broker.bootstrapServers();
    var inputEnd = ClientTests.endOffsets(bs, in);
    var second = TransactionalPipeline.start(system, bs, in, out, group, transactionalId, 1_000_000, 0);
    await("every input committed after the restart").atMost(Duration.ofSeconds(90))
        .until(() -> ClientTests.committed(bs, group).equals(inputEnd));
    second.control().drainAndShutdown(second.done()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    verifyExactlyOnce(in, out, n);
  }

  private void verifyExactlyOnce(String in, String out, int n) {
    var bs = broker.bootstrapServers();
    var inputs = ClientTests.readAll(bs, in);
    assertEquals(n, inputs.size());
    var seen = new HashMap<String, Integer>();
    var committedOutput = ClientTests.readAll(bs, out, "read_committed");
    for (var r : committedOutput) seen.merge(r.value(), 1, Integer::sum);
    for (var r : inputs) {
      assertEquals(1, seen.getOrDefault(TransactionalPipeline.transform(r.value()), 0),
          "input " + r.value() + " in the read_committed output");
    }
    assertEquals(n, committedOutput.size(), "nothing else in the read_committed output");
    int uncommitted = ClientTests.readAll(bs, out, "read_uncommitted").size();
    System.out.printf("%s: %d records read_committed, %d read_uncommitted (aborted ones included)%n", out, n, uncommitted);
  }
}
