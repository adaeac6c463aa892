package io.tributary.cli;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code topics list|create|describe|alter|delete}, through the Kafka Admin API. */
@Command(name = "topics", mixinStandardHelpOptions = true,
    description = "List, create, describe, alter and delete topics.",
    subcommands = {TopicsCommand.ListTopics.class, TopicsCommand.Create.class, TopicsCommand.Describe.class,
        TopicsCommand.Alter.class, TopicsCommand.Delete.class})
final class TopicsCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand: one of list, create, describe, alter, delete");
  }

  /** Turns "unknown topic" into a message that names the topic. */
  static RuntimeException unknown(ExecutionException e, String topic) throws ExecutionException {
    if (e.getCause() instanceof UnknownTopicOrPartitionException) {
      return new CliException("topic '" + topic + "' does not exist");
    }
    throw e;
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Print the topic names, one per line.")
  static final class ListTopics extends ClientCommand {
    @Option(names = "--include-internal", description = "Also list internal topics.")
    boolean internal;

    @Override
    int run() throws Exception {
      try (var admin = Admin.create(connection.admin())) {
        var names = admin.listTopics(new ListTopicsOptions().listInternal(internal)).names().get();
        new TreeSet<>(names).forEach(out()::println);
      }
      return 0;
    }
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a topic.")
  static final class Create extends ClientCommand {
    @Parameters(index = "0", paramLabel = "TOPIC", description = "Name of the topic.")
    String topic;

    @Option(names = "--partitions", paramLabel = "N", description = "Number of partitions (default: the broker's num.partitions).")
    Integer partitions;

    @Option(names = "--replication-factor", paramLabel = "N", description = "Replicas per partition (default: the broker's default).")
    Short replicationFactor;

    @Option(names = "--config", paramLabel = "KEY=VALUE", description = "A topic config, e.g. retention.ms=60000 (repeatable).")
    Map<String, String> configs = new LinkedHashMap<>();

    @Option(names = "--if-not-exists", description = "Succeed when the topic already exists.")
    boolean ifNotExists;

    @Override
    int run() throws Exception {
      var newTopic = new NewTopic(topic, Optional.ofNullable(partitions), Optional.ofNullable(replicationFactor)).configs(configs);
      try (var admin = Admin.create(connection.admin())) {
        admin.createTopics(List.of(newTopic)).all().get();
        out().println("Created topic " + topic + ".");
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException) || !ifNotExists) throw e;
      }
      return 0;
    }
  }

  @Command(name = "describe", mixinStandardHelpOptions = true,
      description = "Show partitions, leaders, replicas, in-sync and offline replicas and non-default configs of a topic"
          + " (all topics without TOPIC).")
  static final class Describe extends ClientCommand {
    @Parameters(index = "0", arity = "0..1", paramLabel = "TOPIC", description = "Name of the topic.")
    String topic;

    @Override
    int run() throws Exception {
      try (var admin = Admin.create(connection.admin())) {
        Collection<String> names = topic != null ? List.of(topic) : new TreeSet<>(admin.listTopics().names().get());
        Map<String, TopicDescription> descriptions;
        try {
          descriptions = admin.describeTopics(names).allTopicNames().get();
        } catch (ExecutionException e) {
          throw unknown(e, topic);
        }
        List<ConfigResource> resources = names.stream().map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
        var configs = resources.isEmpty() ? Map.<ConfigResource, org.apache.kafka.clients.admin.Config>of()
            : admin.describeConfigs(resources).all().get();
        for (String name : names) {
          var d = descriptions.get(name);
          var config = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, name));
          String overrides = config == null ? "" : config.entries().stream()
              .filter(e -> e.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG)
              .map(e -> e.name() + "=" + e.value()).sorted().collect(Collectors.joining(","));
          int rf = d.partitions().isEmpty() ? 0 : d.partitions().get(0).replicas().size();
          out().printf("Topic: %s\tTopicId: %s\tPartitionCount: %d\tReplicationFactor: %d\tConfigs: %s%n",
              name, d.topicId(), d.partitions().size(), rf, overrides);
          for (var p : d.partitions()) {
            // a replica on a node that is not live comes back from Metadata as a node without an address
            String offline = p.replicas().stream().filter(org.apache.kafka.common.Node::isEmpty)
                .map(n -> Integer.toString(n.id())).collect(Collectors.joining(","));
            out().printf("\tTopic: %s\tPartition: %d\tLeader: %s\tReplicas: %s\tIsr: %s%s%n", name, p.partition(),
                p.leader() == null || p.leader().isEmpty() ? "none" : Integer.toString(p.leader().id()),
                p.replicas().stream().map(n -> Integer.toString(n.id())).collect(Collectors.joining(",")),
                p.isr().stream().map(n -> Integer.toString(n.id())).collect(Collectors.joining(",")),
                offline.isEmpty() ? "" : "\tOffline: " + offline);
          }
        }
      }
      return 0;
    }
  }

  @Command(name = "alter", mixinStandardHelpOptions = true, description = "Add partitions to a topic, or change its configs.")
  static final class Alter extends ClientCommand {
    @Parameters(index = "0", paramLabel = "TOPIC", description = "Name of the topic.")
    String topic;

    @Option(names = "--partitions", paramLabel = "N", description = "New (larger) partition count.")
    Integer partitions;

    @Option(names = "--config", paramLabel = "KEY=VALUE", description = "Set a topic config (repeatable).")
    Map<String, String> configs = new LinkedHashMap<>();

    @Option(names = "--delete-config", paramLabel = "KEY", description = "Remove a topic config override (repeatable).")
    List<String> deleteConfigs = new ArrayList<>();

    @Override
    int run() throws Exception {
      if (partitions == null && configs.isEmpty() && deleteConfigs.isEmpty()) {
        throw new CliException("nothing to alter: give --partitions, --config or --delete-config", 2);
      }
      try (var admin = Admin.create(connection.admin())) {
        try {
          admin.describeTopics(List.of(topic)).allTopicNames().get();
          if (partitions != null) {
            admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(partitions))).all().get();
          }
          if (!configs.isEmpty() || !deleteConfigs.isEmpty()) {
            List<AlterConfigOp> ops = new ArrayList<>();
            configs.forEach((k, v) -> ops.add(new AlterConfigOp(new ConfigEntry(k, v), AlterConfigOp.OpType.SET)));
            deleteConfigs.forEach(k -> ops.add(new AlterConfigOp(new ConfigEntry(k, null), AlterConfigOp.OpType.DELETE)));
            Map<ConfigResource, Collection<AlterConfigOp>> alter = new HashMap<>();
            alter.put(new ConfigResource(ConfigResource.Type.TOPIC, topic), ops);
            admin.incrementalAlterConfigs(alter).all().get();
          }
        } catch (ExecutionException e) {
          throw unknown(e, topic);
        }
        out().println("Altered topic " + topic + ".");
      }
      return 0;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a topic and its data.")
  static final class Delete extends ClientCommand {
    @Parameters(index = "0", paramLabel = "TOPIC", description = "Name of the topic.")
    String topic;

    @Option(names = "--if-exists", description = "Succeed when the topic does not exist.")
    boolean ifExists;

    @Override
    int run() throws Exception {
      try (var admin = Admin.create(connection.admin())) {
        try {
          admin.deleteTopics(List.of(topic)).all().get();
        } catch (ExecutionException e) {
          if (ifExists && e.getCause() instanceof UnknownTopicOrPartitionException) return 0;
          throw unknown(e, topic);
        }
        out().println("Deleted topic " + topic + ".");
      }
      return 0;
    }
  }
}
