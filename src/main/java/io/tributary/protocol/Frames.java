package io.tributary.protocol;

import akka.util.ByteString;
import akka.util.ByteStringBuilder;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.network.TransferableChannel;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.protocol.SendBuilder;
import org.apache.kafka.common.requests.ResponseHeader;

/** Encoding of Kafka responses into size-prefixed frames. Stateless, thread-safe. */
public final class Frames {
  private Frames() {}

  /**
   * One response frame: 4-byte size, the response header in the version the API demands
   * (ApiVersions always uses header v0 so that a client on any version can read it), then the body.
   * A Fetch answer's record batches are not copied into the frame: as Kafka's own {@link SendBuilder} does for
   * a socket, the frame refers to the buffers the batches were read into.
   */
  public static ByteString encodeResponse(ApiKeys api, short version, int correlationId, ApiMessage body) {
    short headerVersion = api.responseHeaderVersion(version);
    if (api == ApiKeys.FETCH) {
      return zeroCopy(new ResponseHeader(correlationId, headerVersion), body, version);
    }
    var header = new ResponseHeaderData().setCorrelationId(correlationId);
    var cache = new ObjectSerializationCache();
    int size = header.size(cache, headerVersion) + body.size(cache, version);
    ByteBuffer buffer = ByteBuffer.allocate(4 + size);
    buffer.putInt(size);
    var accessor = new ByteBufferAccessor(buffer);
    header.write(accessor, cache, headerVersion);
    body.write(accessor, cache, version);
    return ByteString.fromArrayUnsafe(buffer.array());
  }

  private static ByteString zeroCopy(ResponseHeader header, ApiMessage body, short version) {
    var send = SendBuilder.buildResponseSend(header, body, version);
    var out = new ByteStringChannel();
    try {
      while (!send.completed()) send.writeTo(out);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e); // the channel writes to memory: it cannot fail
    }
    return out.result();
  }

  /**
   * A channel that "writes" by appending the buffers it is given to a ByteString: heap buffers are wrapped, not
   * copied (their bytes must not change afterwards: the fetched batches and the send's own buffers do not).
   */
  private static final class ByteStringChannel implements TransferableChannel {
    private final ByteStringBuilder builder = ByteString.createBuilder();

    ByteString result() {
      return builder.result();
    }

    @Override
    public int write(ByteBuffer src) {
      int n = src.remaining();
      if (n == 0) return 0;
      if (src.hasArray()) {
        builder.append(ByteString.fromArrayUnsafe(src.array(), src.arrayOffset() + src.position(), n));
        src.position(src.limit());
      } else {
        builder.append(ByteString.fromByteBuffer(src));
        src.position(src.limit());
      }
      return n;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) {
      long n = 0;
      for (int i = offset; i < offset + length; i++) n += write(srcs[i]);
      return n;
    }

    @Override
    public long write(ByteBuffer[] srcs) {
      return write(srcs, 0, srcs.length);
    }

    @Override
    public boolean hasPendingWrites() {
      return false;
    }

    @Override
    public long transferFrom(FileChannel fileChannel, long position, long count) throws IOException {
      ByteBuffer buffer = ByteBuffer.allocate((int) count);
      while (buffer.hasRemaining()) {
        if (fileChannel.read(buffer, position + buffer.position()) < 0) break;
      }
      buffer.flip();
      return write(buffer);
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public void close() {
    }
  }
}
