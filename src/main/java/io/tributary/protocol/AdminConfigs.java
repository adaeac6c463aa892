package io.tributary.protocol;

import com.typesafe.config.Config;
import io.tributary.metadata.BrokerInfo;
import io.tributary.storage.LogConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigType;

/**
 * Config descriptions shared by DescribeConfigs and CreateTopics (v5+): the topic configs of a
 * topic (its overrides on top of the broker's {@code tributary.log} defaults) and the broker's own
 * configs, under Kafka's names, with Kafka's sources, types, synonyms and documentation.
 *
 * <p>Sources: a topic override is {@code TOPIC_CONFIG}; a default is {@code STATIC_BROKER_CONFIG}
 * when the operator set it (its HOCON value does not come from {@code reference.conf}: an
 * application.conf, an environment variable or a system property), else {@code DEFAULT_CONFIG}.
 * Tributary has no dynamic broker configs, so broker configs are all read-only. Thread-safe
 * (immutable after construction).
 */
final class AdminConfigs {

  /** One described config. */
  record Entry(String name, String value, ConfigSource source, boolean readOnly, ConfigType type, String doc,
               List<Synonym> synonyms) {}

  record Synonym(String name, String value, ConfigSource source) {}

  /** What Kafka knows of a topic config: its type, the broker config it defaults from, its documentation. */
  private record TopicKey(ConfigType type, String brokerName, String doc) {}

  private record BrokerKey(String name, ConfigType type, String path, Function<AdminConfigs, String> value, String doc) {}

  private static final Map<String, TopicKey> TOPIC_KEYS = new HashMap<>();

  /** Kafka's default.replication.factor, under its Tributary path. */
  private static final String DEFAULT_REPLICATION_FACTOR = "tributary.default.replication.factor";

  private static void topicKey(String name, ConfigType type, String brokerName, String doc) {
    TOPIC_KEYS.put(name, new TopicKey(type, brokerName, doc));
  }

  static {
    topicKey(TopicConfig.CLEANUP_POLICY_CONFIG, ConfigType.LIST, "log.cleanup.policy", TopicConfig.CLEANUP_POLICY_DOC);
    topicKey(TopicConfig.COMPRESSION_TYPE_CONFIG, ConfigType.STRING, "compression.type", TopicConfig.COMPRESSION_TYPE_DOC);
    topicKey(TopicConfig.DELETE_RETENTION_MS_CONFIG, ConfigType.LONG, "log.cleaner.delete.retention.ms", TopicConfig.DELETE_RETENTION_MS_DOC);
    topicKey(TopicConfig.FILE_DELETE_DELAY_MS_CONFIG, ConfigType.LONG, "log.segment.delete.delay.ms", TopicConfig.FILE_DELETE_DELAY_MS_DOC);
    topicKey(TopicConfig.FLUSH_MESSAGES_INTERVAL_CONFIG, ConfigType.LONG, "log.flush.interval.messages", TopicConfig.FLUSH_MESSAGES_INTERVAL_DOC);
    topicKey(TopicConfig.FLUSH_MS_CONFIG, ConfigType.LONG, "log.flush.interval.ms", TopicConfig.FLUSH_MS_DOC);
    topicKey("follower.replication.throttled.replicas", ConfigType.LIST, null, null);
    topicKey("leader.replication.throttled.replicas", ConfigType.LIST, null, null);
    topicKey(TopicConfig.INDEX_INTERVAL_BYTES_CONFIG, ConfigType.INT, "log.index.interval.bytes", TopicConfig.INDEX_INTERVAL_BYTES_DOC);
    topicKey(TopicConfig.MAX_COMPACTION_LAG_MS_CONFIG, ConfigType.LONG, "log.cleaner.max.compaction.lag.ms", TopicConfig.MAX_COMPACTION_LAG_MS_DOC);
    topicKey(TopicConfig.MAX_MESSAGE_BYTES_CONFIG, ConfigType.INT, "message.max.bytes", TopicConfig.MAX_MESSAGE_BYTES_DOC);
    topicKey(TopicConfig.MESSAGE_DOWNCONVERSION_ENABLE_CONFIG, ConfigType.BOOLEAN, "log.message.downconversion.enable", TopicConfig.MESSAGE_DOWNCONVERSION_ENABLE_DOC);
    topicKey(TopicConfig.MESSAGE_TIMESTAMP_DIFFERENCE_MAX_MS_CONFIG, ConfigType.LONG, "log.message.timestamp.difference.max.ms", TopicConfig.MESSAGE_TIMESTAMP_DIFFERENCE_MAX_MS_DOC);
    topicKey(TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_CONFIG, ConfigType.LONG, "log.message.timestamp.before.max.ms", TopicConfig.MESSAGE_TIMESTAMP_BEFORE_MAX_MS_DOC);
    topicKey(TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_CONFIG, ConfigType.LONG, "log.message.timestamp.after.max.ms", TopicConfig.MESSAGE_TIMESTAMP_AFTER_MAX_MS_DOC);
    topicKey(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, ConfigType.STRING, "log.message.timestamp.type", TopicConfig.MESSAGE_TIMESTAMP_TYPE_DOC);
    topicKey(TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_CONFIG, ConfigType.DOUBLE, "log.cleaner.min.cleanable.ratio", TopicConfig.MIN_CLEANABLE_DIRTY_RATIO_DOC);
    topicKey(TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, ConfigType.LONG, "log.cleaner.min.compaction.lag.ms", TopicConfig.MIN_COMPACTION_LAG_MS_DOC);
    topicKey(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, ConfigType.INT, "min.insync.replicas", TopicConfig.MIN_IN_SYNC_REPLICAS_DOC);
    topicKey(TopicConfig.PREALLOCATE_CONFIG, ConfigType.BOOLEAN, "log.preallocate", TopicConfig.PREALLOCATE_DOC);
    topicKey(TopicConfig.RETENTION_BYTES_CONFIG, ConfigType.LONG, "log.retention.bytes", TopicConfig.RETENTION_BYTES_DOC);
    topicKey(TopicConfig.RETENTION_MS_CONFIG, ConfigType.LONG, "log.retention.ms", TopicConfig.RETENTION_MS_DOC);
    topicKey(TopicConfig.SEGMENT_BYTES_CONFIG, ConfigType.INT, "log.segment.bytes", TopicConfig.SEGMENT_BYTES_DOC);
    topicKey(TopicConfig.SEGMENT_INDEX_BYTES_CONFIG, ConfigType.INT, "log.index.size.max.bytes", TopicConfig.SEGMENT_INDEX_BYTES_DOC);
    topicKey(TopicConfig.SEGMENT_JITTER_MS_CONFIG, ConfigType.LONG, "log.roll.jitter.ms", TopicConfig.SEGMENT_JITTER_MS_DOC);
    topicKey(TopicConfig.SEGMENT_MS_CONFIG, ConfigType.LONG, "log.roll.ms", TopicConfig.SEGMENT_MS_DOC);
    topicKey(TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_CONFIG, ConfigType.BOOLEAN, "unclean.leader.election.enable", TopicConfig.UNCLEAN_LEADER_ELECTION_ENABLE_DOC);
  }

  /** The broker configs described for this node's BROKER resource, beyond the log defaults. */
  private static final List<BrokerKey> BROKER_KEYS = List.of(
      new BrokerKey("broker.id", ConfigType.INT, "tributary.node.id", c -> String.valueOf(c.broker.nodeId()),
          "The broker id of this server (Tributary: tributary.node.id)."),
      new BrokerKey("node.id", ConfigType.INT, "tributary.node.id", c -> String.valueOf(c.broker.nodeId()),
          "The node id of this server (Tributary: tributary.node.id)."),
      new BrokerKey("log.dirs", ConfigType.STRING, "tributary.node.data-dir",
          c -> Path.of(c.config.getString("tributary.node.data-dir")).toAbsolutePath().normalize().toString(),
          "The directory in which the log data is kept (Tributary: tributary.node.data-dir)."),
      new BrokerKey("listeners", ConfigType.STRING, "tributary.kafka.port", AdminConfigs::listeners,
          "The address the Kafka listener binds (Tributary: tributary.kafka.host and tributary.kafka.port)."),
      new BrokerKey("advertised.listeners", ConfigType.STRING, "tributary.kafka.advertised-port", AdminConfigs::advertisedListeners,
          "The address clients are told to connect to (Tributary: tributary.kafka.advertised-host and advertised-port)."),
      new BrokerKey("num.partitions", ConfigType.INT, "tributary.num.partitions", c -> String.valueOf(c.broker.defaultPartitions()),
          "The default number of log partitions per topic."),
      new BrokerKey("auto.create.topics.enable", ConfigType.BOOLEAN, "tributary.auto.create.topics.enable",
          c -> String.valueOf(c.broker.autoCreateTopics()), "Enable auto creation of topic on the server."),
      new BrokerKey("default.replication.factor", ConfigType.INT, DEFAULT_REPLICATION_FACTOR,
          c -> String.valueOf(defaultReplicationFactor(c.broker)),
          "The replication factor for automatically created topics, and for topics created with -1 as the replication factor."),
      new BrokerKey("auto.leader.rebalance.enable", ConfigType.BOOLEAN, "tributary.auto.leader.rebalance.enable",
          c -> c.configValue("tributary.auto.leader.rebalance.enable"),
          "Enables auto leader balancing. The controller checks the distribution of partition leaderships at regular "
              + "intervals (leader.imbalance.check.interval.seconds) and moves leadership back to preferred replicas."),
      new BrokerKey("leader.imbalance.check.interval.seconds", ConfigType.LONG, "tributary.leader.imbalance.check.interval.seconds",
          c -> c.configValue("tributary.leader.imbalance.check.interval.seconds"),
          "The frequency with which the partition rebalance check is triggered by the controller."),
      new BrokerKey("leader.imbalance.per.broker.percentage", ConfigType.INT, "tributary.leader.imbalance.per.broker.percentage",
          c -> c.configValue("tributary.leader.imbalance.per.broker.percentage"),
          "The ratio of leader imbalance allowed per broker. The controller triggers a leader balance if it goes above "
              + "this value per broker. The value is specified in percentage."),
      new BrokerKey("delete.topic.enable", ConfigType.BOOLEAN, null, c -> "true",
          "Enables delete topic. Tributary always allows it."),
      new BrokerKey("log.retention.check.interval.ms", ConfigType.LONG, "tributary.log.retention.check.interval.ms",
          c -> String.valueOf(c.broker.logDefaults().retentionCheckIntervalMs()),
          "The frequency in milliseconds that the log cleaner checks whether any log is eligible for deletion."),
      new BrokerKey("socket.request.max.bytes", ConfigType.INT, "tributary.kafka.socket.request.max.bytes",
          c -> c.configValue("tributary.kafka.socket.request.max.bytes"), "The maximum number of bytes in a socket request."),
      new BrokerKey("connections.max.idle.ms", ConfigType.LONG, "tributary.kafka.connections.max.idle.ms",
          c -> c.configValue("tributary.kafka.connections.max.idle.ms"),
          "Idle connections timeout: the server socket processor threads close the connections that idle more than this."));

  private final BrokerContext broker;
  private final Config config;
  private final Map<String, String> builtInDefaults = LogConfig.defaults().describe();

  AdminConfigs(BrokerContext broker) {
    this.broker = broker;
    this.config = broker.system().settings().config();
  }

  /**
   * Kafka's default.replication.factor: the replicas of an auto-created topic and of a CreateTopics topic whose
   * replication factor is -1. Read from the node's config (NodeSettings checks it at start).
   */
  static short defaultReplicationFactor(BrokerContext broker) {
    return (short) broker.system().settings().config().getInt(DEFAULT_REPLICATION_FACTOR);
  }

  /** Kafka's list-typed topic configs, the only ones APPEND and SUBTRACT apply to. */
  static boolean isList(String topicKey) {
    TopicKey k = TOPIC_KEYS.get(topicKey);
    return k != null && k.type() == ConfigType.LIST;
  }

  /** The broker default of a topic config (what APPEND/SUBTRACT start from when the topic has no override). */
  String topicDefault(String topicKey) {
    return broker.logDefaults().describe().get(topicKey);
  }

  /**
   * Every topic config of a topic whose overrides are {@code overrides}, sorted by name.
   *
   * @throws org.apache.kafka.common.errors.InvalidConfigurationException if the overrides are invalid
   */
  List<Entry> topic(Map<String, String> overrides) {
    var effective = broker.logDefaults().withOverrides(overrides);
    var brokerLevel = broker.logDefaults().describe();
    var overridden = effective.overriddenKeys();
    var out = new ArrayList<Entry>();
    for (var e : effective.describe().entrySet()) {
      String name = e.getKey();
      TopicKey key = TOPIC_KEYS.getOrDefault(name, new TopicKey(ConfigType.STRING, null, null));
      var synonyms = new ArrayList<Synonym>();
      if (overridden.contains(name)) {
        synonyms.add(new Synonym(name, e.getValue(), ConfigSource.TOPIC_CONFIG));
      }
      if (key.brokerName() != null) {
        if (operatorSet("tributary.log." + name)) {
          synonyms.add(new Synonym(key.brokerName(), brokerLevel.get(name), ConfigSource.STATIC_BROKER_CONFIG));
        }
        String builtIn = builtInDefaults.get(name);
        if (builtIn != null) {
          synonyms.add(new Synonym(key.brokerName(), builtIn, ConfigSource.DEFAULT_CONFIG));
        }
      }
      ConfigSource source = synonyms.isEmpty() ? ConfigSource.DEFAULT_CONFIG : synonyms.get(0).source();
      out.add(new Entry(name, e.getValue(), source, false, key.type(), key.doc(), synonyms));
    }
    out.sort((a, b) -> a.name().compareTo(b.name()));
    return out;
  }

  /** This node's broker configs (all static: read-only), sorted by name. */
  List<Entry> broker() {
    var out = new ArrayList<Entry>();
    for (BrokerKey key : BROKER_KEYS) {
      ConfigSource source = key.path() != null && operatorSet(key.path())
          ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
      String value = key.value().apply(this);
      out.add(new Entry(key.name(), value, source, true, key.type(), key.doc(), List.of(new Synonym(key.name(), value, source))));
    }
    for (var e : broker.logDefaults().describe().entrySet()) {
      TopicKey key = TOPIC_KEYS.get(e.getKey());
      if (key == null || key.brokerName() == null) continue;
      ConfigSource source = operatorSet("tributary.log." + e.getKey())
          ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
      String doc = key.doc() == null ? null : "The default of the topic config " + e.getKey() + ": " + key.doc();
      out.add(new Entry(key.brokerName(), e.getValue(), source, true, key.type(), doc,
          List.of(new Synonym(key.brokerName(), e.getValue(), source))));
    }
    out.sort((a, b) -> a.name().compareTo(b.name()));
    return out;
  }

  /** True when the operator set {@code path} (its value does not come from reference.conf). */
  private boolean operatorSet(String path) {
    if (!config.hasPath(path)) return false;
    String resource = config.getValue(path).origin().resource();
    return resource == null || !resource.endsWith("reference.conf");
  }

  private String configValue(String path) {
    return config.hasPath(path) ? String.valueOf(config.getValue(path).unwrapped()) : null;
  }

  private String listeners() {
    return "PLAINTEXT://" + config.getString("tributary.kafka.host") + ":" + config.getInt("tributary.kafka.port");
  }

  private String advertisedListeners() {
    BrokerInfo self = broker.metadata().current().brokers().get(broker.nodeId());
    if (self != null) return "PLAINTEXT://" + self.host() + ":" + self.port();
    return listeners();
  }
}
