package io.tributary.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.tributary.node.BrokerNode;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.common.message.CreateTopicsRequestData;
import org.apache.kafka.common.message.CreateTopicsRequestData.CreatableTopic;
import org.apache.kafka.common.message.DeleteRecordsRequestData;
import org.apache.kafka.common.message.DescribeClusterRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.IncrementalAlterConfigsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractRequest;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.CreateTopicsRequest;
import org.apache.kafka.common.requests.CreateTopicsResponse;
import org.apache.kafka.common.requests.DeleteRecordsRequest;
import org.apache.kafka.common.requests.DeleteRecordsResponse;
import org.apache.kafka.common.requests.DescribeClusterRequest;
import org.apache.kafka.common.requests.DescribeClusterResponse;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.IncrementalAlterConfigsRequest;
import org.apache.kafka.common.requests.IncrementalAlterConfigsResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Admin API answers that the AdminClient never provokes (it de-duplicates, retries unknown
 * partitions, waits for unknown nodes), checked with raw requests against a real node.
 */
class AdminApiWireTest {
  @TempDir
  static Path dataDir;

  static BrokerNode node;
  static Socket socket;
  static DataOutputStream out;
  static DataInputStream in;
  static int correlationId;

  @BeforeAll
  static void start() throws Exception {
    node = BrokerNode.start(ConfigFactory.parseString("tributary.kafka.port = 0\n"
        + "tributary.node.data-dir = \"" + dataDir.toString().replace("\\", "\\\\") + "\"\n"
        + "akka.remote.artery.canonical.port = 0\n"));
    socket = new Socket("127.0.0.1", node.port());
    socket.setSoTimeout(30_000);
    out = new DataOutputStream(socket.getOutputStream());
    in = new DataInputStream(socket.getInputStream());
  }

  @AfterAll
  static void stop() throws Exception {
    if (socket != null) socket.close();
    if (node != null) node.close();
  }

  @SuppressWarnings("unchecked")
  private static <T extends AbstractResponse> T send(AbstractRequest request) throws Exception {
    var header = new RequestHeader(request.apiKey(), request.version(), "wire-test", ++correlationId);
    ByteBuffer frame = request.serializeWithHeader(header);
    byte[] bytes = new byte[frame.remaining()];
    frame.get(bytes);
    out.writeInt(bytes.length);
    out.write(bytes);
    out.flush();
    byte[] response = new byte[in.readInt()];
    in.readFully(response);
    return (T) AbstractResponse.parseResponse(ByteBuffer.wrap(response), header);
  }

  private static CreatableTopic topic(String name) {
    return new CreatableTopic().setName(name).setNumPartitions(1).setReplicationFactor((short) 1);
  }

  @Test
  void createTopicsDuplicatesAndExpiredDeadline() throws Exception {
    var data = new CreateTopicsRequestData().setTimeoutMs(30_000);
    data.topics().add(topic("twice"));
    data.topics().add(topic("twice"));
    data.topics().add(topic("once"));
    CreateTopicsResponse response = send(new CreateTopicsRequest.Builder(data).build((short) 7));
    var twice = response.data().topics().stream().filter(t -> t.name().equals("twice")).toList();
    assertEquals(1, twice.size());
    assertEquals(Errors.INVALID_REQUEST.code(), twice.get(0).errorCode());
    assertEquals("Duplicate topic name.", twice.get(0).errorMessage());
    var once = response.data().topics().find("once");
    assertEquals(Errors.NONE.code(), once.errorCode());
    assertEquals(1, once.numPartitions());
    assertTrue(once.configs().stream().anyMatch(c -> c.name().equals("retention.ms")));

    var expired = new CreateTopicsRequestData().setTimeoutMs(0);
    expired.topics().add(topic("too-late"));
    CreateTopicsResponse late = send(new CreateTopicsRequest.Builder(expired).build((short) 7));
    assertEquals(Errors.REQUEST_TIMED_OUT.code(), late.data().topics().find("too-late").errorCode());
    assertTrue(node.metadata().current().topic("too-late").isEmpty());

    // v0: no validateOnly, no messages, still created
    var old = new CreateTopicsRequestData().setTimeoutMs(30_000);
    old.topics().add(topic("created-by-v0"));
    CreateTopicsResponse v0 = send(new CreateTopicsRequest.Builder(old).build((short) 0));
    assertEquals(Errors.NONE.code(), v0.data().topics().find("created-by-v0").errorCode());
  }

  @Test
  void describeConfigsOfAnotherBrokerAndUnsupportedTypes() throws Exception {
    var data = new DescribeConfigsRequestData();
    data.resources().add(new DescribeConfigsRequestData.DescribeConfigsResource()
        .setResourceType((byte) 4).setResourceName("77").setConfigurationKeys(null));
    data.resources().add(new DescribeConfigsRequestData.DescribeConfigsResource()
        .setResourceType((byte) 4).setResourceName(String.valueOf(node.settings().nodeId()))
        .setConfigurationKeys(List.of("num.partitions")));
    data.resources().add(new DescribeConfigsRequestData.DescribeConfigsResource()
        .setResourceType((byte) 8).setResourceName("1").setConfigurationKeys(null));
    DescribeConfigsResponse response = send(new DescribeConfigsRequest.Builder(data).build((short) 4));
    var results = response.data().results();
    assertEquals(Errors.INVALID_REQUEST.code(), results.get(0).errorCode());
    assertEquals("Unexpected broker id, expected " + node.settings().nodeId() + " or empty string, but received 77",
        results.get(0).errorMessage());
    assertEquals(Errors.NONE.code(), results.get(1).errorCode());
    assertEquals(1, results.get(1).configs().size());
    assertEquals("num.partitions", results.get(1).configs().get(0).name());
    assertEquals(Errors.INVALID_REQUEST.code(), results.get(2).errorCode());
  }

  @Test
  void incrementalAlterConfigsDuplicateResources() throws Exception {
    var data = new IncrementalAlterConfigsRequestData();
    for (int i = 0; i < 2; i++) {
      var resource = new IncrementalAlterConfigsRequestData.AlterConfigsResource().setResourceType((byte) 2).setResourceName("dup");
      resource.configs().add(new IncrementalAlterConfigsRequestData.AlterableConfig()
          .setName("retention.ms").setConfigOperation((byte) 0).setValue("1000"));
      data.resources().add(resource);
    }
    IncrementalAlterConfigsResponse response = send(new IncrementalAlterConfigsRequest.Builder(data).build((short) 1));
    assertEquals(2, response.data().responses().size());
    for (var r : response.data().responses()) {
      assertEquals(Errors.INVALID_REQUEST.code(), r.errorCode());
      assertEquals("Each resource must appear at most once.", r.errorMessage());
    }
  }

  @Test
  void deleteRecordsOfUnknownPartitions() throws Exception {
    var data = new DeleteRecordsRequestData().setTimeoutMs(30_000);
    data.topics().add(new DeleteRecordsRequestData.DeleteRecordsTopic().setName("nowhere")
        .setPartitions(List.of(new DeleteRecordsRequestData.DeleteRecordsPartition().setPartitionIndex(0).setOffset(1))));
    DeleteRecordsResponse response = send(new DeleteRecordsRequest.Builder(data).build((short) 2));
    var partition = response.data().topics().find("nowhere").partitions().find(0);
    assertEquals(Errors.UNKNOWN_TOPIC_OR_PARTITION.code(), partition.errorCode());
    assertEquals(-1, partition.lowWatermark());
  }

  @Test
  void describeClusterEndpointTypes() throws Exception {
    DescribeClusterResponse brokers = send(new DescribeClusterRequest.Builder(
        new DescribeClusterRequestData().setEndpointType((byte) 1)).build((short) 1));
    assertEquals(Errors.NONE.code(), brokers.data().errorCode());
    assertEquals(Integer.MIN_VALUE, brokers.data().clusterAuthorizedOperations());
    assertEquals(node.settings().nodeId(), brokers.data().brokers().iterator().next().brokerId());

    DescribeClusterResponse controllers = send(new DescribeClusterRequest.Builder(
        new DescribeClusterRequestData().setEndpointType((byte) 2)).build((short) 1));
    assertEquals(Errors.MISMATCHED_ENDPOINT_TYPE.code(), controllers.data().errorCode());

    DescribeClusterResponse unknown = send(new DescribeClusterRequest.Builder(
        new DescribeClusterRequestData().setEndpointType((byte) 9)).build((short) 1));
    assertEquals(Errors.UNSUPPORTED_ENDPOINT_TYPE.code(), unknown.data().errorCode());
    assertEquals("", unknown.data().clusterId());
  }
}
