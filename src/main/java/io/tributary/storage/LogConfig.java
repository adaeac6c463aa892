package io.tributary.storage;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueType;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.errors.InvalidConfigurationException;

/**
 * Immutable settings of one partition log, under Kafka's topic-level config names
 * ({@code segment.bytes}, {@code retention.ms}, ...). Broker defaults come from the
 * {@code tributary.log} section of the HOCON config; a topic's overrides are layered on top.
 * Thread-safe (immutable).
 *
 * <p>Known topic keys are listed by {@link #knownKeys()}. {@link #describe()} gives every known
 * key with its effective value; {@link #overriddenKeys()} tells which of them were set by the
 * topic ({@code TOPIC_CONFIG} source in DescribeConfigs) — the others are defaults
 * ({@code DEFAULT_CONFIG}); {@link #entries()} gives both at once as {@link Entry} records.
 *
 * <p>Keys that are accepted and reported but have no effect on this broker (yet):
 * {@code compression.type} (batches are always stored as the producer compressed them, i.e. the
 * {@code producer} behaviour), the compaction tuning keys ({@code delete.retention.ms},
 * {@code min.compaction.lag.ms}, {@code max.compaction.lag.ms}, {@code min.cleanable.dirty.ratio}),
 * {@code preallocate}, {@code file.delete.delay.ms}, {@code segment.jitter.ms},
 * {@code unclean.leader.election.enable}, {@code message.downconversion.enable} and the
 * timestamp-skew limits. {@code message.timestamp.type=LogAppendTime} stamps each batch with the
 * broker's clock on append, as Kafka does for v2 batches (attributes, max timestamp and CRC).
 */
public final class LogConfig {

  /** Where a described value comes from (DescribeConfigs {@code ConfigSource}). */
  public enum Source { TOPIC_CONFIG, DEFAULT_CONFIG }

  /** One described config entry. */
  public record Entry(String name, String value, Source source) {
    public boolean isDefault() { return source == Source.DEFAULT_CONFIG; }
  }

  private enum Type { INT, LONG, DOUBLE, BOOLEAN, STRING, LIST }

  private record Def(String key, Type type, double min, double max, List<String> allowed) {}

  private static final Map<String, Def> DEFS = new LinkedHashMap<>();

  private static void def(String key, Type type, double min, double max, String... allowed) {
    DEFS.put(key, new Def(key, type, min, max, List.of(allowed)));
  }

  // every key's default is in reference.conf (tributary.log); here only what a value may be
  static {
    double inf = Double.POSITIVE_INFINITY;
    double ninf = Double.NEGATIVE_INFINITY;
    def("segment.bytes", Type.INT, 14, inf);
    def("segment.ms", Type.LONG, 1, inf);
    def("retention.ms", Type.LONG, -1, inf);
    def("retention.bytes", Type.LONG, ninf, inf);
    def("max.message.bytes", Type.INT, 0, inf);
    def("index.interval.bytes", Type.INT, 0, inf);
    def("segment.index.bytes", Type.INT, 4, inf);
    def("flush.messages", Type.LONG, 1, inf);
    def("flush.ms", Type.LONG, 0, inf);
    def("cleanup.policy", Type.LIST, 0, 0, "delete", "compact");
    def("min.insync.replicas", Type.INT, 1, inf);
    def("message.timestamp.type", Type.STRING, 0, 0, "CreateTime", "LogAppendTime");
    def("compression.type", Type.STRING, 0, 0, "uncompressed", "zstd", "lz4", "snappy", "gzip", "producer");
    def("delete.retention.ms", Type.LONG, 0, inf);
    def("min.compaction.lag.ms", Type.LONG, 0, inf);
    def("max.compaction.lag.ms", Type.LONG, 1, inf);
    def("min.cleanable.dirty.ratio", Type.DOUBLE, 0, 1);
    def("file.delete.delay.ms", Type.LONG, 0, inf);
    def("segment.jitter.ms", Type.LONG, 0, inf);
    def("preallocate", Type.BOOLEAN, 0, 0);
    def("unclean.leader.election.enable", Type.BOOLEAN, 0, 0);
    def("message.downconversion.enable", Type.BOOLEAN, 0, 0);
    def("message.timestamp.difference.max.ms", Type.LONG, 0, inf);
    def("message.timestamp.before.max.ms", Type.LONG, 0, inf);
    def("message.timestamp.after.max.ms", Type.LONG, 0, inf);
    def("leader.replication.throttled.replicas", Type.STRING, 0, 0);
    def("follower.replication.throttled.replicas", Type.STRING, 0, 0);
  }

  /** Every topic-level key this broker accepts, in a stable order. */
  public static Set<String> knownKeys() {
    return Collections.unmodifiableSet(DEFS.keySet());
  }

  private final Map<String, String> values; // effective value for every known key, canonical string form
  private final Set<String> overridden;
  private final boolean flushAlways;
  private final long retentionCheckIntervalMs;
  private final long producerIdExpirationMs;

  // parsed hot fields
  private final int segmentBytes;
  private final long segmentMs;
  private final long retentionMs;
  private final long retentionBytes;
  private final int maxMessageBytes;
  private final int indexIntervalBytes;
  private final int segmentIndexBytes;
  private final long flushMessages;
  private final long flushMs;
  private final boolean compact;
  private final boolean delete;
  private final int minInsyncReplicas;
  private final boolean logAppendTime;

  private LogConfig(Map<String, String> values, Set<String> overridden, boolean flushAlways, long retentionCheckIntervalMs,
                    long producerIdExpirationMs) {
    this.values = Collections.unmodifiableMap(values);
    this.overridden = Collections.unmodifiableSet(overridden);
    this.flushAlways = flushAlways;
    this.retentionCheckIntervalMs = retentionCheckIntervalMs;
    this.producerIdExpirationMs = producerIdExpirationMs;
    this.segmentBytes = Integer.parseInt(values.get("segment.bytes"));
    this.segmentMs = Long.parseLong(values.get("segment.ms"));
    this.retentionMs = Long.parseLong(values.get("retention.ms"));
    this.retentionBytes = Long.parseLong(values.get("retention.bytes"));
    this.maxMessageBytes = Integer.parseInt(values.get("max.message.bytes"));
    this.indexIntervalBytes = Integer.parseInt(values.get("index.interval.bytes"));
    this.segmentIndexBytes = Integer.parseInt(values.get("segment.index.bytes"));
    this.flushMessages = Long.parseLong(values.get("flush.messages"));
    this.flushMs = Long.parseLong(values.get("flush.ms"));
    List<String> policy = List.of(values.get("cleanup.policy").split(","));
    this.compact = policy.contains("compact");
    this.delete = policy.contains("delete");
    this.minInsyncReplicas = Integer.parseInt(values.get("min.insync.replicas"));
    this.logAppendTime = "LogAppendTime".equals(values.get("message.timestamp.type"));
  }

  /** The defaults in Tributary's own {@code reference.conf} (before any operator setting). */
  public static LogConfig defaults() {
    return fromConfig(ConfigFactory.empty());
  }

  /**
   * Defaults from the {@code tributary.log} config section; keys it lacks come from {@code reference.conf}.
   * Sizes may be given as HOCON byte sizes ({@code 1m}).
   */
  public static LogConfig fromConfig(Config logSection) {
    Config section = logSection.withFallback(
        ConfigFactory.defaultReference(LogConfig.class.getClassLoader()).getConfig("tributary.log"));
    Map<String, String> v = new LinkedHashMap<>();
    for (Def d : DEFS.values()) {
      v.put(d.key(), validate(d.key(), read(section, d)));
    }
    String p = section.getString("flush.policy").trim().toLowerCase(Locale.ROOT);
    if (!p.equals("always") && !p.equals("interval")) {
      throw new InvalidConfigurationException("Invalid value " + p
          + " for configuration tributary.log.flush.policy: String must be one of: interval, always");
    }
    return new LogConfig(v, Set.of(), p.equals("always"), section.getLong("retention.check.interval.ms"),
        section.getLong("producer.id.expiration.ms"));
  }

  private static String read(Config section, Def d) {
    var value = section.getValue(d.key());
    boolean size = (d.type() == Type.INT || d.type() == Type.LONG) && d.key().endsWith(".bytes");
    if (size && value.valueType() == ConfigValueType.STRING) {
      return String.valueOf(section.getBytes(d.key()));
    }
    return String.valueOf(value.unwrapped());
  }

  /**
   * A copy with topic-level overrides applied. Unknown keys or invalid values throw
   * {@link org.apache.kafka.common.errors.InvalidConfigurationException} with a Kafka-like message.
   */
  public LogConfig withOverrides(Map<String, String> topicConfigs) {
    if (topicConfigs == null || topicConfigs.isEmpty()) {
      return this;
    }
    Map<String, String> v = new LinkedHashMap<>(values);
    Set<String> o = new LinkedHashSet<>(overridden);
    for (var e : topicConfigs.entrySet()) {
      String key = e.getKey();
      if (!DEFS.containsKey(key)) {
        throw new InvalidConfigurationException("Unknown topic config name: " + key);
      }
      v.put(key, validate(key, e.getValue()));
      o.add(key);
    }
    return new LogConfig(v, o, flushAlways, retentionCheckIntervalMs, producerIdExpirationMs);
  }

  /** Validates one value and returns its canonical string form. */
  private static String validate(String key, String raw) {
    Def d = DEFS.get(key);
    if (raw == null) {
      throw invalid(raw, key, "Value must be non-null");
    }
    String s = raw.trim();
    switch (d.type()) {
      case INT, LONG -> {
        long n;
        try {
          n = Long.parseLong(s);
        } catch (NumberFormatException ex) {
          throw invalid(raw, key, "Not a number of type " + d.type());
        }
        if (d.type() == Type.INT && (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE)) {
          throw invalid(raw, key, "Not a number of type INT");
        }
        checkRange(raw, d, n);
        return Long.toString(n);
      }
      case DOUBLE -> {
        double x;
        try {
          x = Double.parseDouble(s);
        } catch (NumberFormatException ex) {
          throw invalid(raw, key, "Not a number of type DOUBLE");
        }
        checkRange(raw, d, x);
        return Double.toString(x);
      }
      case BOOLEAN -> {
        if (!s.equalsIgnoreCase("true") && !s.equalsIgnoreCase("false")) {
          throw invalid(raw, key, "Expected value to be either true or false");
        }
        return s.toLowerCase(Locale.ROOT);
      }
      case LIST -> {
        Set<String> items = new LinkedHashSet<>();
        for (String item : s.split(",")) {
          String t = item.trim().toLowerCase(Locale.ROOT);
          if (t.isEmpty()) {
            continue;
          }
          if (!d.allowed().contains(t)) {
            throw invalid(raw, key, "String must be one of: " + String.join(", ", d.allowed()));
          }
          items.add(t);
        }
        if (items.isEmpty()) {
          throw invalid(raw, key, "Empty list");
        }
        return String.join(",", new TreeSet<>(items)); // "compact", "delete" or "compact,delete"
      }
      default -> {
        if (!d.allowed().isEmpty()) {
          String match = d.allowed().stream().filter(a -> a.equalsIgnoreCase(s)).findFirst()
              .orElseThrow(() -> invalid(raw, key, "String must be one of: " + String.join(", ", d.allowed())));
          return match;
        }
        return s;
      }
    }
  }

  private static void checkRange(String raw, Def d, double n) {
    if (n < d.min()) {
      throw invalid(raw, d.key(), "Value must be at least " + fmt(d.min()));
    }
    if (n > d.max()) {
      throw invalid(raw, d.key(), "Value must be no more than " + fmt(d.max()));
    }
  }

  private static String fmt(double x) {
    return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
  }

  private static InvalidConfigurationException invalid(String raw, String key, String why) {
    return new InvalidConfigurationException("Invalid value " + raw + " for configuration " + key + ": " + why);
  }

  /** Every topic-level key this broker knows, with its effective value as a string (for DescribeConfigs). */
  public Map<String, String> describe() {
    return values;
  }

  /** The keys set by the topic itself (DescribeConfigs source TOPIC_CONFIG); all others are defaults. */
  public Set<String> overriddenKeys() {
    return overridden;
  }

  /** Only the topic's own overrides, key → value (what a metadata store would persist). */
  public Map<String, String> overrides() {
    Map<String, String> m = new TreeMap<>();
    overridden.forEach(k -> m.put(k, values.get(k)));
    return m;
  }

  /** {@link #describe()} with the source of each value. */
  public List<Entry> entries() {
    return values.entrySet().stream()
        .map(e -> new Entry(e.getKey(), e.getValue(),
            overridden.contains(e.getKey()) ? Source.TOPIC_CONFIG : Source.DEFAULT_CONFIG))
        .toList();
  }

  public int segmentBytes() { return segmentBytes; }
  public long segmentMs() { return segmentMs; }
  public long retentionMs() { return retentionMs; }
  public long retentionBytes() { return retentionBytes; }
  public int maxMessageBytes() { return maxMessageBytes; }
  public long flushMessages() { return flushMessages; }
  public long flushMs() { return flushMs; }
  /** {@code tributary.log.flush.policy = always}: fsync before acknowledging (group commit). */
  public boolean flushAlways() { return flushAlways; }

  public int indexIntervalBytes() { return indexIntervalBytes; }
  public int segmentIndexBytes() { return segmentIndexBytes; }
  /** cleanup.policy contains {@code compact}. */
  public boolean compact() { return compact; }
  /** cleanup.policy contains {@code delete}: retention deletes old segments. */
  public boolean deleteRetention() { return delete; }
  public int minInsyncReplicas() { return minInsyncReplicas; }
  /** {@code message.timestamp.type=LogAppendTime}: batches get the broker's clock as their timestamp. */
  public boolean logAppendTime() { return logAppendTime; }
  /** How often the owner should call {@link PartitionLog#enforceRetention(long)} (broker-level). */
  public long retentionCheckIntervalMs() { return retentionCheckIntervalMs; }
  /** Producers idle this long are forgotten (broker-level, Kafka's producer.id.expiration.ms). */
  public long producerIdExpirationMs() { return producerIdExpirationMs; }

  @Override
  public boolean equals(Object o) {
    return o instanceof LogConfig c && c.values.equals(values) && c.overridden.equals(overridden)
        && c.flushAlways == flushAlways && c.retentionCheckIntervalMs == retentionCheckIntervalMs
        && c.producerIdExpirationMs == producerIdExpirationMs;
  }

  @Override
  public int hashCode() {
    return values.hashCode() * 31 + overridden.hashCode();
  }

  @Override
  public String toString() {
    return "LogConfig" + overrides() + (flushAlways ? " flush.policy=always" : "");
  }
}
