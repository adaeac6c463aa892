package io.tributary.cli;

import io.tributary.ops.GroupLag;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.GroupNotEmptyException;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code groups list|describe|reset-offsets|delete}, through the Kafka Admin API. */
@Command(name = "groups", mixinStandardHelpOptions = true,
    description = "List, describe (offsets and lag), reset and delete consumer groups.",
    subcommands = {GroupsCommand.ListGroups.class, GroupsCommand.Describe.class, GroupsCommand.ResetOffsets.class,
        GroupsCommand.Delete.class})
final class GroupsCommand implements Runnable {
  @Spec
  CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand: one of list, describe, reset-offsets, delete");
  }

  static ConsumerGroupDescription describeExisting(Admin admin, String group) throws Exception {
    ConsumerGroupDescription d;
    try {
      d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof GroupIdNotFoundException) throw new CliException("consumer group '" + group + "' does not exist");
      throw e;
    }
    if (d == null || d.state() == ConsumerGroupState.DEAD) throw new CliException("consumer group '" + group + "' does not exist");
    return d;
  }

  @Command(name = "list", mixinStandardHelpOptions = true, description = "Print the consumer group ids, one per line.")
  static final class ListGroups extends ClientCommand {
    @Option(names = "--state", description = "Also print each group's state.")
    boolean state;

    @Override
    int run() throws Exception {
      try (var admin = Admin.create(connection.admin())) {
        var listings = admin.listConsumerGroups().all().get();
        var sorted = new TreeMap<String, String>();
        listings.forEach(l -> sorted.put(l.groupId(), l.state().map(Object::toString).orElse("Unknown")));
        sorted.forEach((g, s) -> out().println(state ? g + "\t" + s : g));
      }
      return 0;
    }
  }

  @Command(name = "describe", mixinStandardHelpOptions = true,
      description = "Per partition: committed offset, log end offset, lag and the member that owns it.")
  static final class Describe extends ClientCommand {
    @Parameters(index = "0", paramLabel = "GROUP", description = "Consumer group id.")
    String group;

    @Override
    int run() throws Exception {
      try (var admin = Admin.create(connection.admin())) {
        var d = describeExisting(admin, group);
        var lag = GroupLag.of(admin, group, d, connection.timeoutMs);
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"GROUP", "TOPIC", "PARTITION", "CURRENT-OFFSET", "LOG-END-OFFSET", "LAG", "CONSUMER-ID", "HOST", "CLIENT-ID"});
        for (var p : lag) {
          rows.add(new String[] {group, p.topic(), Integer.toString(p.partition()), num(p.committed()), num(p.end()), num(p.lag()),
              p.consumerId(), p.host(), p.clientId()});
        }
        if (lag.isEmpty()) {
          out().println("Consumer group '" + group + "' (" + d.state() + ") has no committed offsets and no members.");
          return 0;
        }
        printTable(rows);
        if (interactive()) err().println("State: " + d.state() + ", members: " + d.members().size() + ", total lag: " + GroupLag.total(lag));
      }
      return 0;
    }

    private static String num(long v) {
      return v < 0 ? "-" : Long.toString(v);
    }

    private void printTable(List<String[]> rows) {
      int[] widths = new int[rows.get(0).length];
      for (String[] r : rows) for (int i = 0; i < r.length; i++) widths[i] = Math.max(widths[i], r[i].length());
      for (String[] r : rows) {
        var line = new StringBuilder();
        for (int i = 0; i < r.length; i++) {
          line.append(r[i]);
          if (i < r.length - 1) line.append(" ".repeat(widths[i] - r[i].length() + 2));
        }
        out().println(line.toString().stripTrailing());
      }
    }
  }

  @Command(name = "reset-offsets", mixinStandardHelpOptions = true,
      description = {"Move a group's committed offsets (the group must have no active members).",
          "Prints the plan; applies it only with --execute."})
  static final class ResetOffsets extends ClientCommand {
    @Parameters(index = "0", paramLabel = "GROUP", description = "Consumer group id.")
    String group;

    @Option(names = "--topic", paramLabel = "TOPIC[:P,P...]",
        description = "Topic (optionally only some partitions) to reset (repeatable).")
    List<String> topics = new ArrayList<>();

    @Option(names = "--all-topics", description = "Reset every topic the group has committed offsets for.")
    boolean allTopics;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    static final class Target {
      @Option(names = "--to-earliest", description = "To the log start offset.") boolean earliest;
      @Option(names = "--to-latest", description = "To the log end offset.") boolean latest;
      @Option(names = "--to-offset", paramLabel = "OFFSET", description = "To this offset (clamped to the log's range).") Long offset;
      @Option(names = "--shift-by", paramLabel = "N", description = "By N (negative: back), clamped to the log's range.") Long shift;
    }

    @Option(names = "--execute", description = "Apply the new offsets (without it: only print them).")
    boolean execute;

    @Override
    int run() throws Exception {
      if (topics.isEmpty() == !allTopics) throw new CliException("give either --topic or --all-topics", 2);
      try (var admin = Admin.create(connection.admin())) {
        ConsumerGroupDescription d = null;
        try {
          d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof GroupIdNotFoundException)) throw e;
        }
        if (d != null && !d.members().isEmpty()) {
          throw new CliException("consumer group '" + group + "' has " + d.members().size()
              + " active member(s): stop them before resetting its offsets");
        }
        Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
            .partitionsToOffsetAndMetadata().get();
        Set<TopicPartition> partitions = new HashSet<>();
        if (allTopics) {
          partitions.addAll(committed.keySet());
        } else {
          for (String spec : topics) partitions.addAll(resolve(admin, spec));
        }
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(tp -> {
          earliest.put(tp, OffsetSpec.earliest());
          latest.put(tp, OffsetSpec.latest());
        });
        var starts = admin.listOffsets(earliest).all().get();
        var ends = admin.listOffsets(latest).all().get();
        Map<TopicPartition, OffsetAndMetadata> plan = new TreeMap<>(
            java.util.Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
        for (var tp : partitions) {
          long start = starts.get(tp).offset();
          long end = ends.get(tp).offset();
          long target;
          if (this.target.earliest) target = start;
          else if (this.target.latest) target = end;
          else if (this.target.offset != null) target = this.target.offset;
          else {
            var c = committed.get(tp);
            long current = c == null ? end : c.offset();
            target = current + this.target.shift;
          }
          plan.put(tp, new OffsetAndMetadata(Math.max(start, Math.min(end, target))));
        }
        out().println("GROUP\tTOPIC\tPARTITION\tNEW-OFFSET");
        plan.forEach((tp, o) -> out().println(group + "\t" + tp.topic() + "\t" + tp.partition() + "\t" + o.offset()));
        if (execute) {
          admin.alterConsumerGroupOffsets(group, plan).all().get();
        } else if (interactive()) {
          err().println("Dry run: nothing changed. Add --execute to apply.");
        }
      }
      return 0;
    }

    private static List<TopicPartition> resolve(Admin admin, String spec) throws Exception {
      String topic = spec;
      List<Integer> only = null;
      int colon = spec.indexOf(':');
      if (colon >= 0) {
        topic = spec.substring(0, colon);
        only = new ArrayList<>();
        for (String p : spec.substring(colon + 1).split(",")) {
          try {
            only.add(Integer.parseInt(p.trim()));
          } catch (NumberFormatException e) {
            throw new CliException("bad partition list in --topic " + spec, 2);
          }
        }
      }
      org.apache.kafka.clients.admin.TopicDescription description;
      try {
        description = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      } catch (ExecutionException e) {
        throw TopicsCommand.unknown(e, topic);
      }
      List<TopicPartition> out = new ArrayList<>();
      for (var p : description.partitions()) {
        if (only == null || only.contains(p.partition())) out.add(new TopicPartition(topic, p.partition()));
      }
      return out;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a consumer group and its offsets (it must have no members).")
  static final class Delete extends ClientCommand {
    @Parameters(index = "0", paramLabel = "GROUP", description = "Consumer group id.")
    String group;

    @Override
    int run() throws Exception {
      try (var admin = Admin.create(connection.admin())) {
        try {
          admin.deleteConsumerGroups(List.of(group)).all().get();
        } catch (ExecutionException e) {
          if (e.getCause() instanceof GroupIdNotFoundException) throw new CliException("consumer group '" + group + "' does not exist");
          if (e.getCause() instanceof GroupNotEmptyException) throw new CliException("consumer group '" + group + "' has active members");
          throw e;
        }
        out().println("Deleted consumer group '" + group + "'.");
      }
      return 0;
    }
  }
}
