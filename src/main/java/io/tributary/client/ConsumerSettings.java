package io.tributary.client;

import akka.actor.ClassicActorSystemProvider;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Immutable settings of a stream consumer: the {@code tributary.client.consumer} section of reference.conf
 * (poll timing, the buffer bound, timeouts, dispatcher), deserializers, and the properties handed to
 * {@link KafkaConsumer}. Every {@code withXxx} returns a copy.
 */
public final class ConsumerSettings<K, V> {
  /** The config section read by {@link #create(ClassicActorSystemProvider, Deserializer, Deserializer)}. */
  public static final String CONFIG_PATH = "tributary.client.consumer";

  private final Map<String, String> properties;
  private final Deserializer<K> keyDeserializer;
  private final Deserializer<V> valueDeserializer;
  private final Duration pollTimeout;
  private final Duration pollInterval;
  private final long maxBufferBytes;
  private final Duration commitTimeout;
  private final Duration closeTimeout;
  private final Duration flushTimeout;
  private final String dispatcher;

  private ConsumerSettings(Map<String, String> properties, Deserializer<K> keyDeserializer,
                           Deserializer<V> valueDeserializer, Duration pollTimeout, Duration pollInterval,
                           long maxBufferBytes, Duration commitTimeout, Duration closeTimeout, Duration flushTimeout,
                           String dispatcher) {
    this.properties = Collections.unmodifiableMap(new TreeMap<>(properties));
    this.keyDeserializer = keyDeserializer;
    this.valueDeserializer = valueDeserializer;
    this.pollTimeout = pollTimeout;
    this.pollInterval = pollInterval;
    this.maxBufferBytes = maxBufferBytes;
    this.commitTimeout = commitTimeout;
    this.closeTimeout = closeTimeout;
    this.flushTimeout = flushTimeout;
    this.dispatcher = dispatcher;
  }

  /** Settings from the system's {@code tributary.client.consumer} section. */
  public static <K, V> ConsumerSettings<K, V> create(ClassicActorSystemProvider system, Deserializer<K> keyDeserializer,
                                                     Deserializer<V> valueDeserializer) {
    return create(system.classicSystem().settings().config().getConfig(CONFIG_PATH), keyDeserializer, valueDeserializer);
  }

  /** Settings from a config section shaped like {@code tributary.client.consumer}. */
  public static <K, V> ConsumerSettings<K, V> create(Config section, Deserializer<K> keyDeserializer,
                                                     Deserializer<V> valueDeserializer) {
    return new ConsumerSettings<>(KafkaClientsConfig.flatten(section.getConfig("kafka-clients")), keyDeserializer,
        valueDeserializer, section.getDuration("poll-timeout"), section.getDuration("poll-interval"),
        section.getBytes("max-buffer-bytes"), section.getDuration("commit-timeout"),
        section.getDuration("close-timeout"), section.getDuration("flush-timeout"), section.getString("use-dispatcher"));
  }

  private ConsumerSettings<K, V> copy(Map<String, String> p, Duration pollTimeout, Duration pollInterval,
                                      long maxBufferBytes, Duration commitTimeout, Duration closeTimeout,
                                      String dispatcher) {
    return new ConsumerSettings<>(p, keyDeserializer, valueDeserializer, pollTimeout, pollInterval, maxBufferBytes,
        commitTimeout, closeTimeout, flushTimeout, dispatcher);
  }

  public ConsumerSettings<K, V> withBootstrapServers(String servers) {
    return withProperty(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
  }

  public ConsumerSettings<K, V> withGroupId(String groupId) {
    return withProperty(ConsumerConfig.GROUP_ID_CONFIG, groupId);
  }

  /** A kafka-clients consumer property (Kafka's name), overriding the config's. */
  public ConsumerSettings<K, V> withProperty(String key, String value) {
    var p = new TreeMap<>(properties);
    p.put(key, value);
    return copy(p, pollTimeout, pollInterval, maxBufferBytes, commitTimeout, closeTimeout, dispatcher);
  }

  public ConsumerSettings<K, V> withPollTimeout(Duration value) {
    return copy(properties, value, pollInterval, maxBufferBytes, commitTimeout, closeTimeout, dispatcher);
  }

  public ConsumerSettings<K, V> withPollInterval(Duration value) {
    return copy(properties, pollTimeout, value, maxBufferBytes, commitTimeout, closeTimeout, dispatcher);
  }

  /** The bound of records buffered between the KafkaConsumer and the stream (see reference.conf). */
  public ConsumerSettings<K, V> withMaxBufferBytes(long value) {
    if (value < 1) throw new IllegalArgumentException("max-buffer-bytes must be positive");
    return copy(properties, pollTimeout, pollInterval, value, commitTimeout, closeTimeout, dispatcher);
  }

  public ConsumerSettings<K, V> withCommitTimeout(Duration value) {
    return copy(properties, pollTimeout, pollInterval, maxBufferBytes, value, closeTimeout, dispatcher);
  }

  public ConsumerSettings<K, V> withCloseTimeout(Duration value) {
    return copy(properties, pollTimeout, pollInterval, maxBufferBytes, commitTimeout, value, dispatcher);
  }

  public ConsumerSettings<K, V> withDispatcher(String value) {
    return copy(properties, pollTimeout, pollInterval, maxBufferBytes, commitTimeout, closeTimeout, value);
  }

  public Map<String, String> properties() {
    return properties;
  }

  public Duration pollTimeout() {
    return pollTimeout;
  }

  public Duration pollInterval() {
    return pollInterval;
  }

  public long maxBufferBytes() {
    return maxBufferBytes;
  }

  /** How long a {@link Committer}'s commit of a batch waits for this consumer before it fails. */
  public Duration flushTimeout() {
    return flushTimeout;
  }

  public Duration commitTimeout() {
    return commitTimeout;
  }

  public Duration closeTimeout() {
    return closeTimeout;
  }

  public String dispatcher() {
    return dispatcher;
  }

  /** A new KafkaConsumer with these properties and deserializers; the caller owns (and closes) it. */
  public KafkaConsumer<K, V> createKafkaConsumer() {
    var p = new Properties();
    p.putAll(properties);
    return new KafkaConsumer<>(p, keyDeserializer, valueDeserializer);
  }

  @Override
  public String toString() {
    return "ConsumerSettings" + properties + " maxBufferBytes=" + maxBufferBytes;
  }
}
