package io.tributary.protocol;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/**
 * One plain socket that sends kafka-clients' generated request data in an exact version and parses the
 * answer in that version, as a client of that version would. Not thread-safe.
 */
final class WireClient implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;
  private int correlationId;

  WireClient(String bootstrap) throws IOException {
    int colon = bootstrap.lastIndexOf(':');
    socket = new Socket(bootstrap.substring(0, colon), Integer.parseInt(bootstrap.substring(colon + 1)));
    socket.setSoTimeout(60_000);
    in = new DataInputStream(socket.getInputStream());
    out = new DataOutputStream(socket.getOutputStream());
  }

  /**
   * Sends {@code body} as {@code api} v{@code version} and returns the parsed answer. A body that cannot be
   * written in that version is a bug of the caller (IllegalArgumentException); a connection the broker closes
   * instead of answering is an IOException naming the API and version.
   */
  @SuppressWarnings("unchecked")
  <R extends AbstractResponse> R send(ApiKeys api, short version, ApiMessage body) throws IOException {
    var header = new RequestHeader(api, version, "wire-sweep", ++correlationId);
    ByteBuffer buffer = request(header, body);
    out.writeInt(buffer.capacity());
    out.write(buffer.array());
    out.flush();
    byte[] response;
    try {
      response = new byte[in.readInt()];
      in.readFully(response);
    } catch (EOFException e) {
      throw new IOException("the broker closed the connection instead of answering " + api + " v" + version, e);
    }
    return (R) AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
  }

  /** The header and {@code body} in the header's version, without the size prefix. */
  static ByteBuffer request(RequestHeader header, ApiMessage body) {
    var cache = new ObjectSerializationCache();
    short headerVersion = header.headerVersion();
    short version = header.apiVersion();
    try {
      var buffer = ByteBuffer.allocate(header.data().size(cache, headerVersion) + body.size(cache, version));
      var accessor = new ByteBufferAccessor(buffer);
      header.data().write(accessor, cache, headerVersion);
      body.write(accessor, cache, version);
      return buffer;
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("test bug: request cannot be written as " + header.apiKey() + " v" + version + ": " + e, e);
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
