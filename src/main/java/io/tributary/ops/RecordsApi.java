package io.tributary.ops;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The JSON records API, on Kafka clients pointed at this node's own Kafka listener: an Admin and a
 * producer shared by all calls (both thread-safe, created on first use), a consumer per read
 * (consumers are single-threaded, and a read is assign + seek + poll). Blocking: callers run it on
 * the HTTP server's blocking executor.
 *
 * Binary data: with {@code "encoding": "base64"} (produce body) or {@code ?encoding=base64} (read)
 * keys, values and header values are base64; the default, {@code utf8}, is text.
 */
final class RecordsApi implements AutoCloseable {
  static final ObjectMapper JSON = new ObjectMapper();

  private final Supplier<String> bootstrap;
  private final long timeoutMs;
  private final OpsSettings.Records limits;
  private Admin admin;
  private KafkaProducer<byte[], byte[]> producer;
  private boolean closed;

  RecordsApi(Supplier<String> bootstrap, Duration timeout, OpsSettings.Records limits) {
    this.bootstrap = bootstrap;
    this.timeoutMs = timeout.toMillis();
    this.limits = limits;
  }

  private String bootstrapServers() {
    String b = bootstrap.get();
    if (b == null) throw new HttpErrors.ApiError(Errors.BROKER_NOT_AVAILABLE, "The node is not ready");
    return b;
  }

  private synchronized Admin admin() {
    if (closed) throw new HttpErrors.ApiError(Errors.BROKER_NOT_AVAILABLE, "The node is shutting down");
    if (admin == null) {
      var p = new Properties();
      p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
      p.put(AdminClientConfig.CLIENT_ID_CONFIG, "tributary-http");
      p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeoutMs);
      p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) Math.min(timeoutMs, Integer.MAX_VALUE));
      admin = Admin.create(p);
    }
    return admin;
  }

  private synchronized KafkaProducer<byte[], byte[]> producer() {
    if (closed) throw new HttpErrors.ApiError(Errors.BROKER_NOT_AVAILABLE, "The node is shutting down");
    if (producer == null) {
      var p = new Properties();
      p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
      p.put(ProducerConfig.CLIENT_ID_CONFIG, "tributary-http");
      p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeoutMs);
      p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, clientTimeoutMs());
      p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, clientTimeoutMs());
      p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
      producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }
    return producer;
  }

  /** {@code GET /v1/topics}. */
  ObjectNode listTopics() throws Exception {
    var names = new java.util.TreeSet<>(admin().listTopics().names().get(timeoutMs, TimeUnit.MILLISECONDS));
    var out = JSON.createObjectNode();
    var topics = out.putArray("topics");
    names.forEach(topics::add);
    return out;
  }

  private TopicDescription describe(String topic) throws Exception {
    return admin().describeTopics(List.of(topic)).topicNameValues().get(topic).get(timeoutMs, TimeUnit.MILLISECONDS);
  }

  /** {@code GET /v1/topics/{topic}}: partitions with their offsets, and the topic's configs. */
  ObjectNode describeTopic(String topic) throws Exception {
    var description = describe(topic);
    Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    for (var p : description.partitions()) {
      var tp = new TopicPartition(topic, p.partition());
      earliest.put(tp, OffsetSpec.earliest());
      latest.put(tp, OffsetSpec.latest());
    }
    var starts = admin().listOffsets(earliest).all().get(timeoutMs, TimeUnit.MILLISECONDS);
    var ends = admin().listOffsets(latest).all().get(timeoutMs, TimeUnit.MILLISECONDS);
    var resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
    var config = admin().describeConfigs(List.of(resource)).all().get(timeoutMs, TimeUnit.MILLISECONDS).get(resource);

    var out = JSON.createObjectNode();
    out.put("name", topic);
    out.put("topicId", description.topicId().toString());
    out.put("internal", description.isInternal());
    var partitions = out.putArray("partitions");
    for (var p : description.partitions()) {
      var tp = new TopicPartition(topic, p.partition());
      var node = partitions.addObject();
      node.put("partition", p.partition());
      node.put("leader", p.leader() == null ? -1 : p.leader().id());
      var replicas = node.putArray("replicas");
      p.replicas().forEach(r -> replicas.add(r.id()));
      node.put("beginningOffset", starts.get(tp).offset());
      node.put("endOffset", ends.get(tp).offset());
    }
    var configs = out.putObject("configs");
    Map<String, String> sorted = new TreeMap<>();
    if (config != null) config.entries().forEach(e -> sorted.put(e.name(), e.value()));
    sorted.forEach(configs::put);
    return out;
  }

  /** {@code POST /v1/topics/{topic}/records}. */
  ObjectNode produce(String topic, String body) throws Exception {
    JsonNode request = parse(body);
    boolean base64 = encoding(request.path("encoding").isMissingNode() ? null : request.path("encoding").asText());
    JsonNode records = request.get("records");
    if (records == null || !records.isArray() || records.isEmpty()) {
      throw badRequest("The body needs a non-empty \"records\" array");
    }
    List<ProducerRecord<byte[], byte[]>> toSend = new ArrayList<>();
    for (JsonNode r : records) {
      if (!r.isObject()) throw badRequest("Each record must be a JSON object");
      Integer partition = r.hasNonNull("partition") ? intField(r, "partition") : null;
      Long timestamp = r.hasNonNull("timestamp") ? longField(r, "timestamp") : null;
      toSend.add(new ProducerRecord<>(topic, partition, timestamp, bytes(r.get("key"), "key", base64),
          bytes(r.get("value"), "value", base64), headers(r.get("headers"), base64)));
    }
    describe(topic); // 404 for an unknown topic (never auto-created from HTTP)
    List<Future<RecordMetadata>> sent = new ArrayList<>();
    for (var record : toSend) sent.add(producer().send(record));
    producer().flush();
    var out = JSON.createObjectNode();
    var offsets = out.putArray("offsets");
    HttpErrors.ApiError firstError = null;
    for (var f : sent) {
      var node = offsets.addObject();
      try {
        var md = f.get(timeoutMs, TimeUnit.MILLISECONDS);
        node.put("partition", md.partition());
        node.put("offset", md.offset());
        node.put("timestamp", md.timestamp());
      } catch (java.util.concurrent.ExecutionException e) {
        var error = HttpErrors.toApiError(e);
        node.put("error", error.error.name());
        node.put("message", error.getMessage());
        if (firstError == null) firstError = error;
      }
    }
    if (firstError != null) {
      out.put("error_code", firstError.error.code());
      out.put("error", firstError.error.name());
      out.put("message", firstError.getMessage());
      throw new ResponseError(firstError, out);
    }
    return out;
  }

  /** {@code GET /v1/topics/{topic}/partitions/{p}/records?offset=&limit=&encoding=}. */
  ObjectNode read(String topic, int partition, Optional<String> offsetParam, Optional<String> limitParam,
                  Optional<String> encodingParam) throws Exception {
    boolean base64 = encoding(encodingParam.orElse(null));
    int limit = limitParam.map(v -> parseInt(v, "limit")).orElse(limits.defaultLimit());
    if (limit < 1 || limit > limits.maxLimit()) throw badRequest("limit must be between 1 and " + limits.maxLimit());
    Long offset = offsetParam.map(v -> (long) parseLong(v, "offset")).orElse(null);
    var p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    p.put(ConsumerConfig.CLIENT_ID_CONFIG, "tributary-http");
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "none");
    p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, limit);
    p.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeoutMs);
    p.put(ConsumerConfig.REQUEST_TIMEOUT_MS_CONFIG, clientTimeoutMs());
    try (var consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      var infos = consumer.partitionsFor(topic, Duration.ofMillis(timeoutMs));
      if (infos == null || infos.isEmpty()) {
        throw new HttpErrors.ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION, "Topic " + topic + " does not exist");
      }
      if (partition < 0 || partition >= infos.size()) {
        throw new HttpErrors.ApiError(Errors.UNKNOWN_TOPIC_OR_PARTITION,
            "Topic " + topic + " has no partition " + partition + " (it has " + infos.size() + ")");
      }
      var tp = new TopicPartition(topic, partition);
      long start = consumer.beginningOffsets(List.of(tp)).get(tp);
      long end = consumer.endOffsets(List.of(tp)).get(tp);
      long from = offset == null ? start : offset;
      if (from < start || from > end) {
        throw new HttpErrors.ApiError(Errors.OFFSET_OUT_OF_RANGE,
            "Offset " + from + " is outside the partition's range " + start + ".." + end);
      }
      consumer.assign(List.of(tp));
      consumer.seek(tp, from);
      List<ConsumerRecord<byte[], byte[]>> got = new ArrayList<>();
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
      while (got.size() < limit && System.nanoTime() < deadline) {
        for (var r : consumer.poll(limits.pollInterval())) {
          if (got.size() < limit) got.add(r);
        }
        if (consumer.position(tp) >= end) break; // everything up to the end offset seen when the read began
      }
      var out = JSON.createObjectNode();
      out.put("topic", topic);
      out.put("partition", partition);
      var records = out.putArray("records");
      for (var r : got) records.add(recordJson(r, base64));
      out.put("nextOffset", got.isEmpty() ? from : got.get(got.size() - 1).offset() + 1);
      out.put("endOffset", end);
      return out;
    }
  }

  static ObjectNode recordJson(ConsumerRecord<byte[], byte[]> r, boolean base64) {
    var node = JSON.createObjectNode();
    node.put("topic", r.topic());
    node.put("partition", r.partition());
    node.put("offset", r.offset());
    node.put("timestamp", r.timestamp());
    node.put("timestampType", r.timestampType().name);
    putBytes(node, "key", r.key(), base64);
    putBytes(node, "value", r.value(), base64);
    ArrayNode headers = node.putArray("headers");
    for (Header h : r.headers()) {
      var hn = headers.addObject();
      hn.put("name", h.key());
      putBytes(hn, "value", h.value(), base64);
    }
    return node;
  }

  private static void putBytes(ObjectNode node, String field, byte[] value, boolean base64) {
    if (value == null) node.putNull(field);
    else node.put(field, base64 ? Base64.getEncoder().encodeToString(value) : new String(value, StandardCharsets.UTF_8));
  }

  /** {@code GET /v1/groups}: every consumer group with its state and lag per partition. */
  ObjectNode groups() throws Exception {
    var listings = admin().listConsumerGroups().all().get(timeoutMs, TimeUnit.MILLISECONDS);
    List<String> ids = listings.stream().map(l -> l.groupId()).sorted().toList();
    Map<String, ConsumerGroupDescription> descriptions = ids.isEmpty() ? Map.of()
        : admin().describeConsumerGroups(ids).all().get(timeoutMs, TimeUnit.MILLISECONDS);
    var out = JSON.createObjectNode();
    var groups = out.putArray("groups");
    for (String id : ids) {
      var d = descriptions.get(id);
      var lag = GroupLag.of(admin(), id, d, timeoutMs);
      var g = groups.addObject();
      g.put("group", id);
      g.put("state", d == null ? "UNKNOWN" : d.state().toString());
      g.put("members", d == null ? 0 : d.members().size());
      g.put("lag", GroupLag.total(lag));
      var parts = g.putArray("partitions");
      for (var p : lag) {
        var pn = parts.addObject();
        pn.put("topic", p.topic());
        pn.put("partition", p.partition());
        pn.put("committedOffset", p.committed());
        pn.put("endOffset", p.end());
        pn.put("lag", p.lag());
      }
    }
    return out;
  }

  // ---- request parsing ----------------------------------------------------------------------------

  static JsonNode parse(String body) {
    try {
      JsonNode node = JSON.readTree(body);
      if (node == null || !node.isObject()) throw badRequest("The body must be a JSON object");
      return node;
    } catch (JsonProcessingException e) {
      throw badRequest("Malformed JSON: " + e.getOriginalMessage());
    }
  }

  private static boolean encoding(String value) {
    if (value == null || value.equalsIgnoreCase("utf8") || value.equalsIgnoreCase("utf-8")) return false;
    if (value.equalsIgnoreCase("base64")) return true;
    throw badRequest("encoding must be \"utf8\" or \"base64\", not \"" + value + "\"");
  }

  private static byte[] bytes(JsonNode node, String what, boolean base64) {
    if (node == null || node.isNull()) return null;
    if (!node.isTextual()) throw badRequest(what + " must be a string (or null)");
    if (!base64) return node.asText().getBytes(StandardCharsets.UTF_8);
    try {
      return Base64.getDecoder().decode(node.asText());
    } catch (IllegalArgumentException e) {
      throw badRequest(what + " is not valid base64");
    }
  }

  /** Headers as {@code [{"name": .., "value": ..}]} (repeatable names) or {@code {"name": "value"}}. */
  private static List<Header> headers(JsonNode node, boolean base64) {
    List<Header> out = new ArrayList<>();
    if (node == null || node.isNull()) return out;
    if (node.isArray()) {
      for (JsonNode h : node) {
        if (!h.isObject() || !h.path("name").isTextual()) throw badRequest("Each header needs a \"name\" string");
        out.add(new RecordHeader(h.get("name").asText(), bytes(h.get("value"), "header value", base64)));
      }
    } else if (node.isObject()) {
      node.fields().forEachRemaining(e -> out.add(new RecordHeader(e.getKey(), bytes(e.getValue(), "header value", base64))));
    } else {
      throw badRequest("headers must be an array of {\"name\", \"value\"} or an object");
    }
    return out;
  }

  private static int intField(JsonNode r, String field) {
    if (!r.get(field).canConvertToInt() || !r.get(field).isIntegralNumber()) throw badRequest(field + " must be an integer");
    return r.get(field).intValue();
  }

  private static long longField(JsonNode r, String field) {
    if (!r.get(field).isIntegralNumber()) throw badRequest(field + " must be an integer");
    return r.get(field).longValue();
  }

  static int parseInt(String v, String what) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw badRequest(what + " must be an integer, not \"" + v + "\"");
    }
  }

  private static long parseLong(String v, String what) {
    try {
      return Long.parseLong(v);
    } catch (NumberFormatException e) {
      throw badRequest(what + " must be an integer, not \"" + v + "\"");
    }
  }

  static HttpErrors.ApiError badRequest(String message) {
    return new HttpErrors.ApiError(Errors.INVALID_REQUEST, message);
  }

  /** A failure whose body is already built (a produce where some records failed). */
  static final class ResponseError extends RuntimeException {
    final HttpErrors.ApiError error;
    final ObjectNode body;

    ResponseError(HttpErrors.ApiError error, ObjectNode body) {
      super(error.getMessage(), null, false, false);
      this.error = error;
      this.body = body;
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (producer != null) producer.close(limits.clientCloseTimeout());
    if (admin != null) admin.close(limits.clientCloseTimeout());
  }

  private int clientTimeoutMs() {
    return (int) Math.min(Integer.MAX_VALUE, Math.max(timeoutMs, limits.minClientTimeout().toMillis()));
  }
}
