package io.tributary.group.journal;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Settings of the offsets-topic journal, from {@code tributary.group} (see reference.conf), with Kafka's names where
 * Kafka has the setting. Immutable.
 *
 * @param partitions offsets.topic.num.partitions: a group's partition is {@code abs(hash(group)) % partitions}
 * @param transactionPartitions transaction.state.log.num.partitions (tributary.transaction): a transactional id's
 *     partition of the transaction state topic
 * @param commitTimeout offsets.commit.timeout.ms: how long a write waits for the high watermark
 * @param loadBufferBytes offsets.load.buffer.size: bytes read at a time when loading or replaying
 * @param loadTimeout how long loading a partition waits for the previous leader's records to be committed
 */
record JournalSettings(int partitions, int transactionPartitions, Duration commitTimeout, int loadBufferBytes,
                       Duration loadTimeout) {
  static JournalSettings fromConfig(Config root) {
    Config c = root.getConfig("tributary.group");
    return new JournalSettings(
        c.getInt("offsets.topic.num.partitions"),
        root.getInt("tributary.transaction.transaction.state.log.num.partitions"),
        Duration.ofMillis(c.getLong("offsets.commit.timeout.ms")),
        c.getInt("offsets.load.buffer.size"),
        Duration.ofMillis(c.getLong("offsets.load.timeout.ms")));
  }
}
