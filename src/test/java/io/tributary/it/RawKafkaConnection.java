package io.tributary.it;

import java.io.Closeable;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.RequestHeader;

/** A plain socket to the Kafka listener for sending hand-made (and broken) frames. Not thread-safe. */
final class RawKafkaConnection implements Closeable {
  private final Socket socket;
  private final DataInputStream in;
  private final OutputStream out;

  RawKafkaConnection(String bootstrap) throws IOException {
    int colon = bootstrap.lastIndexOf(':');
    socket = new Socket();
    socket.connect(new InetSocketAddress(bootstrap.substring(0, colon), Integer.parseInt(bootstrap.substring(colon + 1))), 10_000);
    socket.setSoTimeout(30_000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
  }

  /** Header and body of a request, without the size prefix; the body in {@code bodyVersion}. */
  static byte[] request(RequestHeader header, ApiMessage body, short bodyVersion) {
    var cache = new ObjectSerializationCache();
    int size = header.data().size(cache, header.headerVersion()) + body.size(cache, bodyVersion);
    ByteBuffer buffer = ByteBuffer.allocate(size);
    var accessor = new ByteBufferAccessor(buffer);
    header.data().write(accessor, cache, header.headerVersion());
    body.write(accessor, cache, bodyVersion);
    return buffer.array();
  }

  /** Just a request header. */
  static byte[] header(RequestHeader header) {
    var cache = new ObjectSerializationCache();
    ByteBuffer buffer = ByteBuffer.allocate(header.data().size(cache, header.headerVersion()));
    header.data().write(new ByteBufferAccessor(buffer), cache, header.headerVersion());
    return buffer.array();
  }

  /** Sends a size prefix and {@code body}. */
  void sendFrame(byte[] body) throws IOException {
    ByteBuffer frame = ByteBuffer.allocate(4 + body.length);
    frame.putInt(body.length).put(body);
    sendRaw(frame.array());
  }

  void sendRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  void shutdownOutput() throws IOException {
    socket.shutdownOutput();
  }

  /** Reads one response frame (without its size prefix). */
  ByteBuffer readFrame() throws IOException {
    int size = in.readInt();
    byte[] body = new byte[size];
    in.readFully(body);
    return ByteBuffer.wrap(body);
  }

  /**
   * True when the broker closed the connection (end of stream or reset) within {@code timeout}
   * without sending anything; false if it is still open then. Bytes received instead are an error.
   */
  boolean closedByBroker(Duration timeout) throws IOException {
    socket.setSoTimeout((int) timeout.toMillis());
    try {
      int b = in.read();
      if (b == -1) return true;
      throw new AssertionError("expected the broker to close the connection, but it sent data (first byte " + b + ")");
    } catch (SocketTimeoutException e) {
      return false;
    } catch (EOFException | SocketException e) {
      return true; // connection reset
    } finally {
      if (!socket.isClosed()) socket.setSoTimeout(30_000);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
