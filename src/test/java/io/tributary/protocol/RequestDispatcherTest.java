package io.tributary.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import akka.util.ByteString;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ListOffsetsRequestData;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsPartition;
import org.apache.kafka.common.message.ListOffsetsRequestData.ListOffsetsTopic;
import org.apache.kafka.common.message.ListOffsetsResponseData;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsPartitionResponse;
import org.apache.kafka.common.message.ListOffsetsResponseData.ListOffsetsTopicResponse;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ListOffsetsRequest;
import org.apache.kafka.common.requests.ListOffsetsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.Test;

/** What the dispatcher does with a handler's answer that cannot be written in the request's version. */
class RequestDispatcherTest {
  /** A handler that, like ListOffsets once did, sets leader_epoch (v4+) whatever the version. */
  private final ApiHandler<ListOffsetsRequest> setsLeaderEpochAlways = (ctx, request) ->
      CompletableFuture.completedFuture(new ListOffsetsResponseData().setTopics(List.of(new ListOffsetsTopicResponse()
          .setName("t").setPartitions(List.of(new ListOffsetsPartitionResponse().setPartitionIndex(0).setOffset(5).setLeaderEpoch(3))))));

  private final RequestDispatcher dispatcher =
      new RequestDispatcher(new ApiRegistry().register(ApiKeys.LIST_OFFSETS, 1, setsLeaderEpochAlways));

  @Test
  void aResponseThatCannotBeWrittenInItsVersionIsAnsweredWithUnknownServerError() throws Exception {
    for (short version = 1; version <= 3; version++) {
      var partition = listOffsets(version).data().topics().get(0).partitions().get(0);
      assertEquals(Errors.UNKNOWN_SERVER_ERROR, Errors.forCode(partition.errorCode()), "v" + version);
    }
  }

  @Test
  void theSameAnswerIsWrittenWhereTheVersionHasTheField() throws Exception {
    var partition = listOffsets((short) 4).data().topics().get(0).partitions().get(0);
    assertEquals(Errors.NONE, Errors.forCode(partition.errorCode()));
    assertEquals(3, partition.leaderEpoch());
  }

  private ListOffsetsResponse listOffsets(short version) throws Exception {
    var header = new RequestHeader(ApiKeys.LIST_OFFSETS, version, "test", 42);
    var data = new ListOffsetsRequestData().setReplicaId(-1).setTopics(List.of(new ListOffsetsTopic().setName("t")
        .setPartitions(List.of(new ListOffsetsPartition().setPartitionIndex(0).setTimestamp(-1)))));
    byte[] frame = WireClient.request(header, data).array();
    ByteBuffer response = dispatcher.dispatch(ByteString.fromArray(frame), new ConnectionInfo(1, new InetSocketAddress(0)))
        .toCompletableFuture().get().orElseThrow().asByteBuffer();
    assertEquals(response.remaining() - 4, response.getInt(), "size prefix");
    return (ListOffsetsResponse) AbstractResponse.parseResponse(response, header);
  }
}
