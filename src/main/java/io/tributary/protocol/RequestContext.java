package io.tributary.protocol;

import java.net.InetSocketAddress;
import org.apache.kafka.common.requests.RequestHeader;

/** What a handler knows of a request beyond its body: the header and the connection it came on. */
public record RequestContext(RequestHeader header, ConnectionInfo connection) {
  public short apiVersion() {
    return header.apiVersion();
  }

  public InetSocketAddress clientAddress() {
    return connection.remote();
  }

  public long connectionId() {
    return connection.id();
  }
}
