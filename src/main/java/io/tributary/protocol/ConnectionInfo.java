package io.tributary.protocol;

import java.net.InetSocketAddress;

/** A client connection: its node-unique id and the peer's address. */
public record ConnectionInfo(long id, InetSocketAddress remote) {
  @Override
  public String toString() {
    return "connection " + id + " (" + remote + ")";
  }
}
