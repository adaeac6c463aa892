package io.tributary.client;

import org.apache.kafka.clients.consumer.ConsumerRecord;

/** A record of a {@link Transactional#source} and its {@link PartitionOffset}, to pass through to the sink. */
public record TransactionalMessage<K, V>(ConsumerRecord<K, V> record, PartitionOffset partitionOffset) {}
