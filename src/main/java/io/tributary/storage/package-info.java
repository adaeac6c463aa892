/**
 * The segment store: one {@link io.tributary.storage.PartitionLog} per partition directory, in
 * Apache Kafka's on-disk layout ({@code 00000000000000000000.log} / {@code .index} /
 * {@code .timeindex} / {@code .txnindex} / {@code .snapshot}), plain Java, no actors.
 *
 * <p>Shape (Kafka's): {@link io.tributary.storage.LogSegments} (skip list by base offset) of
 * {@link io.tributary.storage.LogSegment}s with lazily loaded, disposable
 * {@link io.tributary.storage.OffsetIndex} / {@link io.tributary.storage.TimeIndex} (both
 * {@link io.tributary.storage.AbstractIndex}es);
 * {@link io.tributary.storage.BatchValidator} checks producer input (headers + CRC only);
 * {@link io.tributary.storage.ProducerStateManager} implements idempotent-producer dedup;
 * {@link io.tributary.storage.LogRecovery} re-validates the tail after an unclean stop.
 * {@code PartitionLog} is the only public face; behind it {@link io.tributary.storage.LogLoader}
 * opens a directory, {@link io.tributary.storage.LogReader} is the lock-free read side,
 * {@link io.tributary.storage.LogRetention} moves the log start offset and deletes segments,
 * {@link io.tributary.storage.LogFlusher} keeps the recovery point,
 * {@link io.tributary.storage.LogTruncation} removes the end (a follower dropping what diverges from
 * its leader), {@link io.tributary.storage.LeaderEpochCache} keeps Kafka's
 * {@code leader-epoch-checkpoint} (answering {@link io.tributary.storage.EpochEndOffset}s) and
 * {@link io.tributary.storage.LogCompactor} rewrites segments for compacted topics.
 *
 * <p>Transactions (Kafka's storage rules): {@code ProducerStateManager} tracks each producer's open transaction and
 * publishes what holds back the last stable offset ({@link io.tributary.storage.UnstableOffsets}); markers are
 * written with {@code PartitionLog.appendTxnMarker} (leader) or arrive with the leader's batches (followers); an
 * aborted transaction goes into the {@code .txnindex} of the segment holding its marker
 * ({@link io.tributary.storage.TransactionIndex} of {@link io.tributary.storage.AbortedTxn}s, Kafka's format), which
 * recovery rebuilds for the segments it re-validates, truncation cuts and retention deletes with its segment.
 *
 * <p>Replication: the leader appends with {@code PartitionLog.append} (offsets and its epoch assigned);
 * followers store the leader's batches unchanged with {@code appendAsFollower}, truncate with
 * {@code truncateTo} / {@code truncateFullyAndStartAt}, and answer OffsetForLeaderEpoch with
 * {@code endOffsetForEpoch}.
 *
 * <p>Decisions: indexes live in heap buffers laid out as their files (loaded on first use per
 * segment, written to their files on roll, flush and close) rather than memory maps; they are
 * rebuilt from the log whenever missing or failing the sanity check. Appends patch only baseOffset and partitionLeaderEpoch (in
 * the caller's buffer) and write the whole request with one positional FileChannel write; follower
 * appends patch nothing. Reads are lock-free: whole batches with one positional read into a heap
 * buffer; a truncated segment is replaced by a fresh instance rather than cut under its readers.
 */
package io.tributary.storage;
