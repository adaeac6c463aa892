package io.tributary.protocol;

import static org.junit.jupiter.api.Assertions.fail;

import io.tributary.it.TestBrokers;
import io.tributary.node.BrokerNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.kafka.common.message.ApiVersionsRequestData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.requests.ApiVersionsResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every API this broker advertises in ApiVersions, at every version it advertises: a real request of that
 * version against a broker with realistic state, answered and parsed in that version, with the expected
 * error codes. The list comes from the broker itself, so advertising a version (or an API) without a
 * scenario here makes this test fail. Older clients (librdkafka, kafka-python, KafkaJS) speak the old
 * versions that the Java client never sends.
 */
class ApiVersionSweepTest {
  @TempDir
  static Path dataDir;

  private static final String GROUP_DELAY = "tributary.group.initial.rebalance.delay.ms = 0";
  // TxnLogScenarios write transactions without a coordinator; TransactionVerificationTest covers KIP-890's checks

  static BrokerNode node;
  static SweepFixture fixture;
  static WireClient wire;
  static VersionScenarios scenarios;

  @BeforeAll
  static void start() throws Exception {
    long firstTimestamp = System.currentTimeMillis() - 60_000;
    node = TestBrokers.start(dataDir, GROUP_DELAY, TestBrokers.NO_TXN_VERIFICATION);
    SweepFixture.writeTopics(node, firstTimestamp);
    node.close();
    node = TestBrokers.start(dataDir, GROUP_DELAY, TestBrokers.NO_TXN_VERIFICATION);
    fixture = new SweepFixture(node, firstTimestamp);
    wire = new WireClient(node.bootstrapServers());
    scenarios = new VersionScenarios(wire, fixture, node.settings().nodeId());
  }

  @AfterAll
  static void stop() throws Exception {
    if (wire != null) wire.close();
    if (fixture != null) fixture.close();
    if (node != null) node.close();
  }

  @TestFactory
  Stream<DynamicTest> everyAdvertisedApiVersion() throws Exception {
    ApiVersionsResponse advertised = wire.send(ApiKeys.API_VERSIONS, ApiKeys.API_VERSIONS.latestVersion(), new ApiVersionsRequestData()
        .setClientSoftwareName("wire-sweep").setClientSoftwareVersion("1.0"));
    List<DynamicTest> tests = new ArrayList<>();
    for (var range : advertised.data().apiKeys()) {
      ApiKeys api = ApiKeys.forId(range.apiKey());
      VersionScenarios.Scenario scenario = scenarios.forApi(api);
      if (scenario == null) {
        tests.add(DynamicTest.dynamicTest(api + " has a sweep scenario",
            () -> fail(api + " is advertised but VersionScenarios has no scenario for it")));
        continue;
      }
      for (short v = range.minVersion(); v <= range.maxVersion(); v++) {
        short version = v;
        tests.add(DynamicTest.dynamicTest(api + " v" + v, () -> scenario.run(version)));
      }
    }
    return tests.stream();
  }
}
