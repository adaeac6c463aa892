package io.tributary.group;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Extension;
import akka.actor.typed.ExtensionId;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;

/**
 * The committed offsets of the groups whose entities ran on this node since it started, for metrics
 * (consumer-group lag) without asking, and so waking, each group at every scrape.
 *
 * <p>Each {@link GroupEntity} projects its durable state here: the whole map when it recovers, then every
 * applied event. A passivated group keeps its entry, which stays exact because only the entity commits. A
 * deleted group, offset or topic's offsets leave with the event that removed them.
 */
public final class CommittedOffsetsView implements Extension {
  private final Map<String, Map<TopicPartition, Long>> groups = new ConcurrentHashMap<>();

  public static final ExtensionId<CommittedOffsetsView> ID = new ExtensionId<>() {
    @Override
    public CommittedOffsetsView createExtension(ActorSystem<?> system) {
      return new CommittedOffsetsView();
    }
  };

  public static CommittedOffsetsView get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** A copy of every known group's committed offsets. */
  public Map<String, Map<TopicPartition, Long>> snapshot() {
    var out = new HashMap<String, Map<TopicPartition, Long>>();
    groups.forEach((group, offsets) -> out.put(group, Map.copyOf(offsets)));
    return out;
  }

  void replace(String group, GroupEntity.State state) {
    if (state.offsets().isEmpty()) {
      groups.remove(group);
      return;
    }
    var offsets = new ConcurrentHashMap<TopicPartition, Long>();
    state.offsets().forEach((tp, o) -> offsets.put(tp, o.offset()));
    groups.put(group, offsets);
  }

  /** The group is no longer coordinated here (its offsets partition is led elsewhere): its lag is reported there. */
  void remove(String group) {
    groups.remove(group);
  }

  void apply(String group, GroupEntity.Event event) {
    if (event instanceof GroupEntity.OffsetsCommitted e) {
      var offsets = groups.computeIfAbsent(group, g -> new ConcurrentHashMap<>());
      e.offsets().forEach((tp, o) -> offsets.put(tp, o.offset()));
    } else if (event instanceof GroupEntity.OffsetsDeleted e) {
      var offsets = groups.get(group);
      if (offsets != null) {
        e.partitions().forEach(offsets::remove);
        if (offsets.isEmpty()) groups.remove(group, offsets);
      }
    } else if (event instanceof GroupEntity.TxnOffsetsCompleted) {
      // the offsets a commit made visible are in the state, not the event: the entity replaces its view then
    } else if (event instanceof GroupEntity.GroupDeleted) {
      groups.remove(group);
    }
  }
}
