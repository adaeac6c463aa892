package io.tributary.cli;

import io.tributary.concurrent.Failures;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.TimeoutException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A command that talks to a cluster. Failures become one line on stderr and an exit code:
 * 1 when the cluster refused or could not be reached, 2 for bad input; never a stack trace.
 */
abstract class ClientCommand implements Callable<Integer> {

  @Mixin
  ConnectionOptions connection;

  @Spec
  CommandSpec spec;

  /** The partitions of {@code topic}, as {@code consumer} finds them; a missing topic is the user's error. */
  List<TopicPartition> partitionsOf(Consumer<?, ?> consumer, String topic) {
    var infos = consumer.partitionsFor(topic, Duration.ofMillis(connection.timeoutMs));
    if (infos == null || infos.isEmpty()) throw new CliException("topic '" + topic + "' does not exist");
    return infos.stream().map(i -> new TopicPartition(topic, i.partition())).toList();
  }

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  PrintWriter err() {
    return spec.commandLine().getErr();
  }

  /** The command; returns its exit code. */
  abstract int run() throws Exception;

  @Override
  public final Integer call() {
    try {
      return run();
    } catch (CliException e) {
      err().println("tributary: " + e.getMessage());
      return e.exitCode;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err().println("tributary: interrupted");
      return 130;
    } catch (Exception e) {
      err().println("tributary: " + describe(e, connection));
      return 1;
    } finally {
      out().flush();
      err().flush();
    }
  }

  /** One line about a failure. */
  static String describe(Throwable failure, ConnectionOptions connection) {
    Throwable t = unwrap(failure);
    String message = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage().replace('\n', ' ');
    if (t instanceof TimeoutException || t instanceof java.util.concurrent.TimeoutException) {
      String where = connection == null ? "the cluster" : connection.bootstrapServer;
      return "no answer from " + where + " in time (is a broker running there?): " + message;
    }
    if (t instanceof ConfigException) {
      return "invalid client setting: " + message;
    }
    return message;
  }

  /** Also under a bare {@link KafkaException}, which kafka-clients wraps around the real cause. */
  static Throwable unwrap(Throwable t) {
    t = Failures.unwrap(t);
    while (t.getClass() == KafkaException.class && t.getCause() != null) {
      t = Failures.unwrap(t.getCause());
    }
    return t;
  }


  static boolean interactive() {
    return System.console() != null;
  }
}
