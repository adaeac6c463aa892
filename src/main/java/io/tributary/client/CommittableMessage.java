package io.tributary.client;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/** A record and the offset to commit once it has been processed. */
public record CommittableMessage<K, V>(ConsumerRecord<K, V> record, CommittableOffset committableOffset) {}
