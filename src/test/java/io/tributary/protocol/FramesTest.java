package io.tributary.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.ResponseHeaderData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.FetchResponse;
import org.apache.kafka.common.requests.ResponseHeader;
import org.junit.jupiter.api.Test;

/** A Fetch frame that refers to the fetched batches instead of copying them carries exactly the bytes a copy would. */
class FramesTest {

  @Test
  void aFetchFrameEqualsTheCopiedEncodingInEveryVersion() {
    for (short v = 4; v <= ApiKeys.FETCH.latestVersion(); v++) {
      var body = fetchResponse(v);
      byte[] zeroCopy = Frames.encodeResponse(ApiKeys.FETCH, v, 42, body).toArray();
      assertArrayEquals(copied(body, v), zeroCopy, "Fetch v" + v);

      ByteBuffer parsed = ByteBuffer.wrap(zeroCopy, 4, zeroCopy.length - 4).slice();
      assertEquals(zeroCopy.length - 4, ByteBuffer.wrap(zeroCopy).getInt(), "size prefix");
      assertEquals(42, ResponseHeader.parse(parsed, ApiKeys.FETCH.responseHeaderVersion(v)).correlationId());
      var response = (FetchResponse) AbstractResponse.parseResponse(ApiKeys.FETCH, parsed, v);
      var records = (MemoryRecords) response.data().responses().get(0).partitions().get(1).records();
      assertEquals(3, records.batches().iterator().next().countOrNull(), "Fetch v" + v);
    }
  }

  private static FetchResponseData fetchResponse(short v) {
    var batch = MemoryRecords.withRecords(7L, Compression.NONE, 5, new SimpleRecord("a".getBytes()),
        new SimpleRecord("b".getBytes()), new SimpleRecord("c".getBytes()));
    var empty = new FetchResponseData.PartitionData().setPartitionIndex(0).setHighWatermark(0).setRecords(MemoryRecords.EMPTY);
    var full = new FetchResponseData.PartitionData().setPartitionIndex(1).setHighWatermark(10).setLastStableOffset(10)
        .setLogStartOffset(0).setRecords(batch);
    var topic = new FetchResponseData.FetchableTopicResponse().setPartitions(List.of(empty, full));
    if (v >= 13) topic.setTopicId(Uuid.randomUuid());
    else topic.setTopic("frames");
    return new FetchResponseData().setSessionId(v >= 7 ? 9 : 0).setResponses(List.of(topic));
  }

  private static byte[] copied(FetchResponseData body, short v) {
    short headerVersion = ApiKeys.FETCH.responseHeaderVersion(v);
    var header = new ResponseHeaderData().setCorrelationId(42);
    var cache = new ObjectSerializationCache();
    int size = header.size(cache, headerVersion) + body.size(cache, v);
    ByteBuffer buffer = ByteBuffer.allocate(4 + size).putInt(size);
    var accessor = new ByteBufferAccessor(buffer);
    header.write(accessor, cache, headerVersion);
    body.write(accessor, cache, v);
    return buffer.array();
  }
}
