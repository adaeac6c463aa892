/**
 * The reactive JVM API: Akka Streams sources and sinks for Tributary or any Kafka-protocol broker, modelled on
 * Alpakka Kafka's javadsl and built, as Alpakka is, on kafka-clients.
 *
 * <ul>
 *   <li>{@link io.tributary.client.Consumer}: plain, committable, at-most-once and per-partition sources, with a
 *       materialized {@link io.tributary.client.Consumer.Control}; {@link io.tributary.client.Subscriptions}.</li>
 *   <li>{@link io.tributary.client.Producer}: {@code plainSink}, {@code flow} (with pass-through),
 *       {@code committableSink}.</li>
 *   <li>{@link io.tributary.client.Committer}: batched commits (count or time) that also commit on revoke.</li>
 *   <li>{@link io.tributary.client.Transactional}: consume → transform → produce with exactly-once (the output
 *       and the consumer offsets committed in one Kafka transaction).</li>
 *   <li>Settings read from {@code tributary.client.*} in reference.conf.</li>
 *   <li>{@link io.tributary.client.EmbeddedBroker}: a real broker for application tests.</li>
 * </ul>
 *
 * <p>Design: one classic actor per consumer owns its KafkaConsumer (which is single-threaded), polling on a
 * dedicated dispatcher. Records go into a per-partition buffer shared with the emitting stage(s) under one
 * lock; partitions whose share of the buffer is full are paused, so memory is bounded by configuration and
 * never by the broker's backlog. Depends on kafka-clients and Akka Streams; only {@code EmbeddedBroker}
 * depends on {@code io.tributary.node}.
 */
package io.tributary.client;
