package io.tributary.protocol;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * A client connection: its node-unique id, the peer's address, and the little state that must
 * follow the connection's request order. Requests of one connection are dispatched one after
 * another by its stream, so {@link #produceOrder} is only read and written from that sequence.
 */
public final class ConnectionInfo {
  private final long id;
  private final InetSocketAddress remote;
  /** Completes when the appends of the connection's latest produce request have been handed to their partitions. */
  CompletableFuture<Void> produceOrder = CompletableFuture.completedFuture(null);

  public ConnectionInfo(long id, InetSocketAddress remote) {
    this.id = id;
    this.remote = remote;
  }

  public long id() {
    return id;
  }

  public InetSocketAddress remote() {
    return remote;
  }

  @Override
  public String toString() {
    return "connection " + id + " (" + remote + ")";
  }
}
