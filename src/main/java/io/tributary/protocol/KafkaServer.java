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
import java.util.concurrent.TimeUnit;
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
                         int maxConnections, Duration idleTimeout) {}

  private final Tcp.ServerBinding binding;
  private final SharedKillSwitch connections;
  private final AtomicInteger inFlight;
  private final AtomicInteger openConnections;

  private KafkaServer(Tcp.ServerBinding binding, SharedKillSwitch connections, AtomicInteger inFlight, AtomicInteger open) {
    this.binding = binding;
    this.connections = connections;
    this.inFlight = inFlight;
    this.openConnections = open;
  }

  public static CompletionStage<KafkaServer> bind(ActorSystem<?> system, Settings settings, RequestDispatcher dispatcher) {
    var killSwitch = KillSwitches.shared("kafka-connections");
    var inFlight = new AtomicInteger();
    var open = new AtomicInteger();
    var ids = new AtomicLong();
    return Tcp.get(system)
        .bind(settings.host(), settings.port(), 1024, List.<akka.io.Inet.SocketOption>of(), false, java.util.Optional.of(settings.idleTimeout()))
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
        .thenApply(b -> new KafkaServer(b, killSwitch, inFlight, open));
  }

  private static Flow<ByteString, ByteString, NotUsed> connectionFlow(
      Settings settings, RequestDispatcher dispatcher, ConnectionInfo info, SharedKillSwitch killSwitch, AtomicInteger inFlight) {
    return Flow.<ByteString>create()
        .via(killSwitch.flow())
        .via(Framing.lengthField(4, 0, settings.maxRequestBytes() + 4, ByteOrder.BIG_ENDIAN))
        .mapAsync(settings.maxInFlightPerConnection(), frame -> {
          inFlight.incrementAndGet();
          try {
            return dispatcher.dispatch(frame.drop(4), info).whenComplete((r, e) -> inFlight.decrementAndGet());
          } catch (RuntimeException e) {
            inFlight.decrementAndGet();
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
    return CompletableFuture.supplyAsync(() -> {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (inFlight.get() > 0 && System.nanoTime() < deadline) {
        try {
          TimeUnit.MILLISECONDS.sleep(10); // shutdown only: a short bounded wait for in-flight requests
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      return Done.getInstance();
    });
  }

  /** Closes every client connection. */
  public void closeConnections() {
    connections.shutdown();
  }
}
