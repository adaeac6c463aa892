package io.tributary.cli;

import ch.qos.logback.classic.Level;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar tributary.jar <command>}; with no command it starts a broker.
 *
 * Exit codes: 0 success; 1 the cluster refused the request or could not be reached (unknown topic
 * or group, timeout, ...); 2 bad usage (unknown option, missing argument, bad value); 130
 * interrupted; 3 ({@code broker}) the cluster downed or removed the node ({@link BrokerExit}). Errors are one
 * line on stderr, never a stack trace.
 */
@Command(name = "tributary", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "A Kafka-protocol message broker on Akka, and the tools to operate it.",
    subcommands = {BrokerCommand.class, TopicsCommand.class, ProduceCommand.class, ConsumeCommand.class,
        GroupsCommand.class, PerfCommand.class})
public final class Main implements Runnable {

  @picocli.CommandLine.Spec
  picocli.CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    String[] effective = args.length == 0 ? new String[] {"broker"} : args;
    if (!effective[0].equals("broker")) quietLogging();
    System.exit(commandLine().execute(effective));
  }

  /**
   * The command line with Tributary's error handling: a usage error is one line on stderr and exit
   * code 2; an unexpected failure is one line and exit code 1.
   */
  public static CommandLine commandLine() {
    var cl = new CommandLine(new Main());
    cl.setParameterExceptionHandler((ex, args) -> {
      var cmd = ex.getCommandLine();
      cmd.getErr().println("tributary: " + ex.getMessage() + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
      cmd.getErr().flush();
      return 2;
    });
    cl.setExecutionExceptionHandler((ex, cmd, parseResult) -> {
      cmd.getErr().println("tributary: " + ClientCommand.describe(ex, null));
      cmd.getErr().flush();
      return 1;
    });
    return cl;
  }

  /** Client commands print their own results and errors; the Kafka clients' logging would only add noise to stdout. */
  static void quietLogging() {
    var root = LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    if (root instanceof ch.qos.logback.classic.Logger logback) logback.setLevel(Level.OFF);
    var kafka = LoggerFactory.getLogger("org.apache.kafka");
    if (kafka instanceof ch.qos.logback.classic.Logger logback) logback.setLevel(Level.OFF);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
