package io.tributary.txn;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Settings of the transaction coordinator, read from {@code tributary.transaction} (see reference.conf). The
 * Kafka-named settings keep Kafka's broker names: {@code tributary.transaction.transaction.max.timeout.ms} is Kafka's
 * {@code transaction.max.timeout.ms}, and so on. Immutable.
 *
 * @param partitions transaction.state.log.num.partitions: transactional id T is coordinated by the leader of
 *     partition {@code abs(hash(T)) % partitions} of {@code __transaction_state}
 * @param replicationFactor transaction.state.log.replication.factor, capped at the live nodes on creation
 * @param maxTimeoutMs transaction.max.timeout.ms: a larger transaction.timeout.ms gets INVALID_TRANSACTION_TIMEOUT
 * @param idExpirationMs transactional.id.expiration.ms: an id without a transaction for this long is forgotten
 * @param abortTimedOutInterval transaction.abort.timed.out.transaction.cleanup.interval.ms: how often a coordinator
 *     looks for an expired transaction (and for an expired id)
 * @param askTimeout how long a request waits for its coordinator entity
 * @param markerRetryBackoff pause before markers are sent again after a failure (leader moved, node down)
 * @param markerRequestTimeout how long a WriteTxnMarkers request waits for its answer
 * @param markerConnectTimeout how long connecting to a partition leader may take
 * @param partitionVerification transaction.partition.verification.enable: Produce checks with the coordinator that a
 *     partition was added to the transaction before a producer's first transactional batch there (KIP-890)
 */
public record TransactionSettings(
    int partitions,
    int replicationFactor,
    int maxTimeoutMs,
    long idExpirationMs,
    Duration abortTimedOutInterval,
    Duration askTimeout,
    Duration markerRetryBackoff,
    Duration markerRequestTimeout,
    Duration markerConnectTimeout,
    int snapshotEvery,
    int keepSnapshots,
    Duration journalFailureMinBackoff,
    Duration journalFailureMaxBackoff,
    double journalFailureRandomFactor,
    boolean partitionVerification) {

  public static TransactionSettings fromConfig(Config root) {
    var c = root.getConfig("tributary.transaction");
    return new TransactionSettings(
        c.getInt("transaction.state.log.num.partitions"),
        c.getInt("transaction.state.log.replication.factor"),
        c.getInt("transaction.max.timeout.ms"),
        c.getLong("transactional.id.expiration.ms"),
        Duration.ofMillis(c.getLong("transaction.abort.timed.out.transaction.cleanup.interval.ms")),
        c.getDuration("ask-timeout"),
        c.getDuration("markers.retry-backoff"),
        c.getDuration("markers.request-timeout"),
        c.getDuration("markers.connect-timeout"),
        c.getInt("snapshot-every"),
        c.getInt("keep-snapshots"),
        c.getDuration("journal-failure-backoff.min"),
        c.getDuration("journal-failure-backoff.max"),
        c.getDouble("journal-failure-backoff.random-factor"),
        c.getBoolean("transaction.partition.verification.enable"));
  }

  /** Kafka's validateTransactionTimeoutMs. */
  public boolean validTimeout(int transactionTimeoutMs) {
    return transactionTimeoutMs > 0 && transactionTimeoutMs <= maxTimeoutMs;
  }
}
