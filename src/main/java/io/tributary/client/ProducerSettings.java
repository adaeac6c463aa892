package io.tributary.client;

import akka.actor.ClassicActorSystemProvider;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Immutable settings of a stream producer: the {@code tributary.client.producer} section of reference.conf,
 * serializers, and the properties handed to {@link KafkaProducer}. Every {@code withXxx} returns a copy.
 */
public final class ProducerSettings<K, V> {
  /** The config section read by {@link #create(ClassicActorSystemProvider, Serializer, Serializer)}. */
  public static final String CONFIG_PATH = "tributary.client.producer";

  private final Map<String, String> properties;
  private final Serializer<K> keySerializer;
  private final Serializer<V> valueSerializer;
  private final int parallelism;
  private final Duration closeTimeout;
  private final String dispatcher;

  private ProducerSettings(Map<String, String> properties, Serializer<K> keySerializer, Serializer<V> valueSerializer,
                           int parallelism, Duration closeTimeout, String dispatcher) {
    this.properties = Collections.unmodifiableMap(new TreeMap<>(properties));
    this.keySerializer = keySerializer;
    this.valueSerializer = valueSerializer;
    this.parallelism = parallelism;
    this.closeTimeout = closeTimeout;
    this.dispatcher = dispatcher;
  }

  /** Settings from the system's {@code tributary.client.producer} section. */
  public static <K, V> ProducerSettings<K, V> create(ClassicActorSystemProvider system, Serializer<K> keySerializer,
                                                     Serializer<V> valueSerializer) {
    return create(system.classicSystem().settings().config().getConfig(CONFIG_PATH), keySerializer, valueSerializer);
  }

  /** Settings from a config section shaped like {@code tributary.client.producer}. */
  public static <K, V> ProducerSettings<K, V> create(Config section, Serializer<K> keySerializer,
                                                     Serializer<V> valueSerializer) {
    return new ProducerSettings<>(KafkaClientsConfig.flatten(section.getConfig("kafka-clients")), keySerializer,
        valueSerializer, section.getInt("parallelism"), section.getDuration("close-timeout"),
        section.getString("use-dispatcher"));
  }

  public ProducerSettings<K, V> withBootstrapServers(String servers) {
    return withProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
  }

  /** A kafka-clients producer property (Kafka's name), overriding the config's. */
  public ProducerSettings<K, V> withProperty(String key, String value) {
    var p = new TreeMap<>(properties);
    p.put(key, value);
    return new ProducerSettings<>(p, keySerializer, valueSerializer, parallelism, closeTimeout, dispatcher);
  }

  public ProducerSettings<K, V> withParallelism(int value) {
    return new ProducerSettings<>(properties, keySerializer, valueSerializer, value, closeTimeout, dispatcher);
  }

  public ProducerSettings<K, V> withCloseTimeout(Duration value) {
    return new ProducerSettings<>(properties, keySerializer, valueSerializer, parallelism, value, dispatcher);
  }

  public ProducerSettings<K, V> withDispatcher(String value) {
    return new ProducerSettings<>(properties, keySerializer, valueSerializer, parallelism, closeTimeout, value);
  }

  public Map<String, String> properties() {
    return properties;
  }

  public int parallelism() {
    return parallelism;
  }

  public Duration closeTimeout() {
    return closeTimeout;
  }

  public String dispatcher() {
    return dispatcher;
  }

  /** A new KafkaProducer with these properties and serializers; the caller closes it. */
  public KafkaProducer<K, V> createKafkaProducer() {
    var p = new Properties();
    p.putAll(properties);
    return new KafkaProducer<>(p, keySerializer, valueSerializer);
  }

  @Override
  public String toString() {
    return "ProducerSettings" + properties + " parallelism=" + parallelism;
  }
}
