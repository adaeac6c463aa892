package io.tributary.ops;

import io.tributary.concurrent.Failures;
import akka.Done;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.DispatcherSelector;
import akka.cluster.MemberStatus;
import akka.cluster.typed.Cluster;
import akka.http.javadsl.Http;
import akka.http.javadsl.ServerBinding;
import akka.http.javadsl.model.ContentTypes;
import akka.http.javadsl.model.HttpResponse;
import akka.http.javadsl.model.StatusCode;
import akka.http.javadsl.model.StatusCodes;
import akka.http.javadsl.server.AllDirectives;
import akka.http.javadsl.server.PathMatchers;
import akka.http.javadsl.server.Route;
import akka.http.javadsl.unmarshalling.Unmarshaller;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tributary.partition.Partitions;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Supplier;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's HTTP server (akka-http): {@code /health}, {@code /ready}, {@code /metrics} and the
 * JSON records API under {@code /v1}. It starts before the Kafka listener, so that {@code /health}
 * answers during a long startup (503 until the node is an Up cluster member) while {@code /ready} says 503
 * until the node is ready, and again from the moment a shutdown begins.
 */
public final class OpsServer extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(OpsServer.class);

  private final ActorSystem<?> system;
  private final OpsSettings settings;
  private final NodeMetrics metrics;
  private final RecordsApi records;
  private final Executor blocking;
  private volatile Supplier<List<Partitions.OfflinePartition>> offlinePartitions = List::of;
  private volatile String bootstrapServers;
  private volatile boolean ready;
  private ServerBinding binding;

  private OpsServer(ActorSystem<?> system, OpsSettings settings, NodeMetrics metrics) {
    this.system = system;
    this.settings = settings;
    this.metrics = metrics;
    this.records = settings.recordsApiEnabled()
        ? new RecordsApi(() -> bootstrapServers, settings.requestTimeout(), settings.records()) : null;
    this.blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig(settings.blockingDispatcher()));
  }

  /** Binds the HTTP server; {@code metrics} is null when metrics are off. */
  public static CompletionStage<OpsServer> start(ActorSystem<?> system, OpsSettings settings, NodeMetrics metrics) {
    var server = new OpsServer(system, settings, metrics);
    return Http.get(system).newServerAt(settings.host(), settings.port()).bind(server.routes())
        .thenApply(b -> {
          server.binding = b;
          log.info("HTTP server on {}:{} (/health, /ready{}{})", b.localAddress().getHostString(), b.localAddress().getPort(),
              metrics != null ? ", /metrics" : "", settings.recordsApiEnabled() ? ", /v1 records API" : "");
          return server;
        });
  }

  /** Where {@code /health} learns which partitions a storage failure took offline. */
  public void reportOfflinePartitions(Supplier<List<Partitions.OfflinePartition>> source) {
    this.offlinePartitions = source;
  }

  /** The node accepts Kafka connections at {@code bootstrapServers}: {@code /ready} says so, the records API uses it. */
  public void ready(String bootstrapServers) {
    this.bootstrapServers = bootstrapServers;
    this.ready = true;
  }

  /** Shutdown has begun: {@code /ready} answers 503 from now on, the records API's clients close. */
  public void notReady() {
    ready = false;
    if (records != null) blocking.execute(records::close);
  }

  public boolean isReady() {
    return ready;
  }

  public InetSocketAddress localAddress() {
    return binding.localAddress();
  }

  /** Stops the server (requests in flight get a moment to finish). */
  public CompletionStage<Done> stop() {
    // closing the records API's Kafka clients blocks: not on the shutdown task's (Akka default) thread
    CompletableFuture<Void> closed = records == null ? CompletableFuture.completedFuture(null)
        : CompletableFuture.runAsync(records::close, blocking);
    return closed
        .exceptionally(e -> {
          log.warn("Closing the records API's Kafka clients failed: {}", Failures.unwrap(e).toString());
          return null;
        })
        .thenCompose(x -> binding.terminate(settings.shutdownGrace()))
        .thenApply(t -> Done.getInstance());
  }

  // ---- routes -------------------------------------------------------------------------------------

  Route routes() {
    return concat(
        path("health", () -> get(this::health)),
        path("ready", () -> get(() -> ready ? json(StatusCodes.OK, status("READY"))
            : json(StatusCodes.SERVICE_UNAVAILABLE, status("NOT_READY")))),
        path("metrics", () -> get(() -> metrics == null
            ? error(new HttpErrors.ApiError(Errors.INVALID_REQUEST, StatusCodes.NOT_FOUND, "Metrics are off (tributary.metrics.enabled)"))
            : completeWithFuture(CompletableFuture.supplyAsync(
                () -> HttpResponse.create().withEntity(ContentTypes.TEXT_PLAIN_UTF8, metrics.scrape()), blocking)))),
        pathPrefix("v1", () -> withRequestTimeout(scala.concurrent.duration.Duration.fromNanos(
            settings.requestTimeout().plus(settings.records().timeoutMargin()).plus(settings.records().httpTimeoutMargin()).toNanos()), this::recordsRoutes)));
  }

  private Route recordsRoutes() {
    if (records == null) {
      return complete(StatusCodes.NOT_FOUND, "The records API is off (tributary.http.records-api.enabled)");
    }
    return concat(
        path("topics", () -> get(() -> call(records::listTopics))),
        path("groups", () -> get(() -> call(records::groups))),
        pathPrefix("topics", () -> pathPrefix(PathMatchers.segment(), topic -> concat(
            pathEnd(() -> get(() -> call(() -> records.describeTopic(topic)))),
            path("records", () -> post(() -> entity(Unmarshaller.entityToString(),
                body -> call(() -> records.produce(topic, body))))),
            path(PathMatchers.segment("partitions").slash(PathMatchers.segment()).slash("records"), partition ->
                get(() -> parameterOptional("offset", offset -> parameterOptional("limit", limit ->
                    parameterOptional("encoding", encoding -> call(() -> records.read(topic,
                        RecordsApi.parseInt(partition, "partition"), offset, limit, encoding)))))))))));
  }

  /** Runs a blocking records-API call off the HTTP threads, bounded by the request timeout. */
  private Route call(Callable<ObjectNode> task) {
    CompletableFuture<HttpResponse> response = CompletableFuture.supplyAsync(() -> {
          try {
            return task.call();
          } catch (RuntimeException e) {
            throw e;
          } catch (Exception e) {
            throw new java.util.concurrent.CompletionException(e);
          }
        }, blocking)
        .orTimeout(settings.requestTimeout().plus(settings.records().timeoutMargin()).toMillis(), TimeUnit.MILLISECONDS)
        .handle((body, failure) -> {
          if (failure == null) return response(StatusCodes.OK, body);
          Throwable t = Failures.unwrap(failure);
          if (t instanceof RecordsApi.ResponseError r) return response(r.error.status, r.body);
          var error = HttpErrors.toApiError(t);
          if (error.status.intValue() >= 500) log.warn("HTTP API call failed: {}", t.toString());
          return response(error.status, errorBody(error));
        });
    return completeWithFuture(response);
  }

  /**
   * UP while this node is an Up (or WeaklyUp) member of the cluster, else 503 DOWN: a node still joining, leaving,
   * or downed serves no partitions, and one that stays so should be restarted. An Up node whose failed write or
   * fsync took partitions offline is DEGRADED, still with 200: its other partitions work (as a Kafka broker with an
   * offline log directory keeps running), and a restart by a liveness probe would not mend the disk.
   */
  private Route health() {
    MemberStatus member = Cluster.get(system).selfMember().status();
    if (!isServingMember(member)) {
      return json(StatusCodes.SERVICE_UNAVAILABLE, status("DOWN").put("member_status", member.toString()));
    }
    var offline = offlinePartitions.get();
    if (offline.isEmpty()) return json(StatusCodes.OK, status("UP").put("member_status", member.toString()));
    var body = status("DEGRADED").put("member_status", member.toString());
    var list = body.putArray("offline_partitions");
    for (var p : offline) {
      list.addObject()
          .put("topic", p.topicPartition().topic())
          .put("partition", p.topicPartition().partition())
          .put("error", Errors.KAFKA_STORAGE_ERROR.name())
          .put("reason", p.reason());
    }
    return json(StatusCodes.OK, body);
  }

  /** Up, or WeaklyUp (up on this side of a partition that keeps the leader from moving members to Up). */
  static boolean isServingMember(MemberStatus status) {
    return status == MemberStatus.up() || status == MemberStatus.weaklyUp();
  }

  private Route json(StatusCode status, ObjectNode body) {
    return complete(response(status, body));
  }

  private Route error(HttpErrors.ApiError error) {
    return complete(response(error.status, errorBody(error)));
  }

  private static ObjectNode status(String status) {
    return RecordsApi.JSON.createObjectNode().put("status", status);
  }

  static ObjectNode errorBody(HttpErrors.ApiError error) {
    return RecordsApi.JSON.createObjectNode()
        .put("error_code", error.error.code())
        .put("error", error.error.name())
        .put("message", error.getMessage());
  }

  private static HttpResponse response(StatusCode status, ObjectNode body) {
    try {
      return HttpResponse.create().withStatus(status)
          .withEntity(ContentTypes.APPLICATION_JSON, RecordsApi.JSON.writeValueAsBytes(body));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
