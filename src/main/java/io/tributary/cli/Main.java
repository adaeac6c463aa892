package io.tributary.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar tributary.jar <command>}; with no command it starts a broker. */
@Command(name = "tributary", mixinStandardHelpOptions = true, versionProvider = Version.class,
    description = "A Kafka-protocol message broker on Akka.",
    subcommands = {BrokerCommand.class})
public final class Main implements Runnable {

  public static void main(String[] args) {
    String[] effective = args.length == 0 ? new String[] {"broker"} : args;
    System.exit(new CommandLine(new Main()).execute(effective));
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
