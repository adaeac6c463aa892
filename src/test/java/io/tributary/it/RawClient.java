package io.tributary.it;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;

/** One plain socket speaking the Kafka protocol with kafka-clients' request and response classes. */
final class RawClient implements AutoCloseable {
  private final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;
  private int correlationId;

  RawClient(String host, int port) throws IOException {
    socket = new Socket(host, port);
    socket.setSoTimeout(120_000);
    in = new DataInputStream(socket.getInputStream());
    out = new DataOutputStream(socket.getOutputStream());
  }

  /** Sends {@code builder}'s request in {@code version} and waits for its response. */
  @SuppressWarnings("unchecked")
  synchronized <R extends AbstractResponse> R send(AbstractRequest.Builder<?> builder, int version) throws IOException {
    AbstractRequest request = builder.build((short) version);
    var header = new RequestHeader(request.apiKey(), (short) version, "raw-client", ++correlationId);
    ByteBuffer buffer = request.serializeWithHeader(header);
    byte[] bytes = new byte[buffer.remaining()];
    buffer.get(bytes);
    out.writeInt(bytes.length);
    out.write(bytes);
    out.flush();
    byte[] response = new byte[in.readInt()];
    in.readFully(response);
    return (R) AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
