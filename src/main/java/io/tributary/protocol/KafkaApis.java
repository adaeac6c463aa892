package io.tributary.protocol;

import java.time.Duration;
import org.apache.kafka.common.protocol.ApiKeys;

/**
 * Which handler serves which API, and from which version. The lowest versions are those that
 * carry v2 record batches (Produce v3, Fetch v4) or that Kafka clients of that era send; the
 * highest are what kafka-clients 3.9 can parse.
 */
public final class KafkaApis {
  private KafkaApis() {}

  public static void registerAll(ApiRegistry registry, BrokerContext broker) {
    registry.register(ApiKeys.METADATA, 0, new MetadataHandler(broker));
    registry.register(ApiKeys.PRODUCE, 3, new ProduceHandler(broker));
    registry.register(ApiKeys.FETCH, 4, new FetchHandler(broker, new FetchSessions(1000, Duration.ofMinutes(2))));
    registry.register(ApiKeys.LIST_OFFSETS, 1, new ListOffsetsHandler(broker));
    registry.register(ApiKeys.INIT_PRODUCER_ID, 0, new InitProducerIdHandler(broker));
  }
}
