package io.tributary.protocol;

import akka.util.ByteString;
import java.nio.ByteBuffer;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

/** Encoding of Kafka responses into size-prefixed frames. Stateless, thread-safe. */
public final class Frames {
  private Frames() {}

  /**
   * One response frame: 4-byte size, the response header in the version the API demands
   * (ApiVersions always uses header v0 so that a client on any version can read it), then the body.
   */
  public static ByteString encodeResponse(ApiKeys api, short version, int correlationId, ApiMessage body) {
    short headerVersion = api.responseHeaderVersion(version);
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
}
