package io.tributary.protocol;

import akka.Done;
import akka.NotUsed;
import akka.actor.typed.ActorSystem;
import akka.stream.KillSwitches;
import akka.stream.SharedKillSwitch;
import akka.stream.javadsl.Flow;
import akka.stream.javadsl.Framing;
import akka.stream.javadsl.Sink;
import akka.stream.javadsl.Tcp;
import akka.util.ByteString;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka listener: Akka Streams TCP, one flow per connection:
 * length-prefixed frames (bounded by {@code socket.request.max.bytes}) → {@link RequestDispatcher}
 * with up to {@code max-in-flight-per-connection} requests at once → responses in request order.
 * A connection whose input is malformed fails its own flow and closes; nothing else is touched.
 */
public final class KafkaServer {
  private static final Logger log = LoggerFactory.getLogger(KafkaServer.class);

  /** Listener settings (from {@code tributary.kafka}). */
  public record Settings(String host, int port, int maxRequestBytes, int maxInFlightPerConnection,
                         int maxConnections, Duration idleTimeout, int backlog) {}

  /** Requests being handled on all connections, and who waits for there to be none. Thread-safe. */
  static final class InFlight {
    private final AtomicInteger count = new AtomicInteger();
    private final Queue<CompletableFuture<Done>> idleWaiters = new ConcurrentLinkedQueue<>();

    void begin() {
      count.incrementAndGet();
    }

    void end() {
      if (count.decrementAndGet() == 0) wakeIdleWaiters();
    }

    /** Completes the next time no request is in flight (at once if none is). */
    CompletableFuture<Done> whenIdle() {
      var idle = new CompletableFuture<Done>();
      idleWaiters.add(idle);
      if (count.get() == 0) wakeIdleWaiters(); // the last request may have ended before we were queued
      return idle;
    }

    private void wakeIdleWaiters() {
      CompletableFuture<Done> waiter;
      while ((waiter = idleWaiters.poll()) != null) waiter.complete(Done.getInstance());
    }
  }

  private final ActorSystem<?> system;
  private final Tcp.ServerBinding binding;
  private final SharedKillSwitch connections;
  private final InFlight inFlight;
  private final AtomicInteger openConnections;

  private KafkaServer(ActorSystem<?> system, Tcp.ServerBinding binding, SharedKillSwitch connections, InFlight inFlight,
                      AtomicInteger open) {
    this.system = system;
    this.binding = binding;
    this.connections = connections;
    this.inFlight = inFlight;
    this.openConnections = open;
  }

  public static CompletionStage<KafkaServer> bind(ActorSystem<?> system, Settings settings, RequestDispatcher dispatcher) {
    var killSwitch = KillSwitches.shared("kafka-connections");
    var inFlight = new InFlight();
    var open = new AtomicInteger();
    var ids = new AtomicLong();
    return Tcp.get(system)
        .bind(settings.host(), settings.port(), settings.backlog(), List.<akka.io.Inet.SocketOption>of(), false, java.util.Optional.of(settings.idleTimeout()))
        .to(Sink.foreach(connection -> {
          var info = new ConnectionInfo(ids.incrementAndGet(), connection.remoteAddress());
          if (open.incrementAndGet() > settings.maxConnections()) {
            open.decrementAndGet();
            log.warn("Refusing {}: max-connections ({}) reached", info, settings.maxConnections());
            connection.handleWith(Flow.<ByteString>create().take(0), system);
            return;
          }
          connection.handleWith(connectionFlow(settings, dispatcher, info, killSwitch, inFlight)
              .watchTermination((mat, done) -> {
                // the executor-taking variant: Akka's future would run a plain whenComplete as an async task
                done.whenCompleteAsync((d, e) -> {
                  open.decrementAndGet();
                  if (e != null) log.info("Closed {}: {}", info, e.getMessage());
                }, system.executionContext());
                return mat;
              }), system);
        }))
        .run(system)
        .thenApply(b -> new KafkaServer(system, b, killSwitch, inFlight, open));
  }

  private static Flow<ByteString, ByteString, NotUsed> connectionFlow(
      Settings settings, RequestDispatcher dispatcher, ConnectionInfo info, SharedKillSwitch killSwitch, InFlight inFlight) {
    return Flow.<ByteString>create()
        .via(killSwitch.flow())
        .via(Framing.lengthField(4, 0, settings.maxRequestBytes() + 4, ByteOrder.BIG_ENDIAN))
        .mapAsync(settings.maxInFlightPerConnection(), frame -> {
          inFlight.begin();
          try {
            return dispatcher.dispatch(frame.drop(4), info).whenComplete((r, e) -> inFlight.end());
          } catch (RuntimeException e) {
            inFlight.end();
            log.warn("Closing {}: {}", info, e.getMessage());
            throw e;
          }
        })
        .mapConcat(response -> response.map(List::of).orElse(List.of()));
  }

  public InetSocketAddress localAddress() {
    return binding.localAddress();
  }

  public int openConnections() {
    return openConnections.get();
  }

  /** Stops accepting new connections; open ones keep working. */
  public CompletionStage<Done> unbind() {
    return binding.unbind().thenApply(x -> Done.getInstance());
  }

  /** Completes when no request is being handled any more (or after {@code timeout}). */
  public CompletionStage<Done> awaitNoRequestsInFlight(Duration timeout) {
    var idle = inFlight.whenIdle();
    // no thread waits: the last request to end completes it, or the scheduler does at the deadline
    var deadline = system.scheduler().scheduleOnce(timeout, () -> idle.complete(Done.getInstance()), system.executionContext());
    return idle.whenComplete((d, e) -> deadline.cancel());
  }

  /** Closes every client connection. */
  public void closeConnections() {
    connections.shutdown();
  }
}
