/**
 * The group journal of a cluster: Akka Persistence journal ({@link io.tributary.group.journal.OffsetsTopicJournal})
 * and snapshot store ({@link io.tributary.group.journal.OffsetsTopicSnapshotStore}) plugins whose storage is the
 * replicated internal topic {@code __consumer_offsets}, as Kafka keeps group state. A single node keeps Akka's LevelDB
 * journal (see {@code tributary.group.journal}).
 *
 * <h2>Decisions</h2>
 *
 * <ul>
 *   <li>Persistence id {@code group|G} is stored in offsets partition {@code abs(hash(G)) % offsets.topic.num.partitions},
 *       the partition whose leader coordinates G, so the group entity and its journal are on the same node and move
 *       together. Only the partition's leader reads or writes; elsewhere every call fails with NOT_LEADER_OR_FOLLOWER
 *       and the entity restarts (its requests get COORDINATOR_NOT_AVAILABLE or NOT_COORDINATOR, as before).
 *   <li>Record: key = persistence id, value = the Akka-serialized PersistentRepr or snapshot, headers = kind, sequence
 *       number, timestamp, serializer id and manifest ({@link io.tributary.group.journal.JournalRecord}). One
 *       AtomicWrite is one record batch, so it is all or nothing in the log.
 *   <li>acks=all: a write fails with NOT_ENOUGH_REPLICAS before the append when the ISR is below min.insync.replicas,
 *       and completes once the high watermark passes it (NOT_ENOUGH_REPLICAS_AFTER_APPEND if the ISR shrank below it
 *       meanwhile, a timeout after offsets.commit.timeout.ms). A failed write may still be in the log and become
 *       committed: like a Kafka produce that timed out, the client was told it failed and retries.
 *   <li>Index: when this node starts to lead a partition (first use in a leader epoch) it waits until the records the
 *       previous leader left are committed, then reads the whole partition into a per-persistence-id index of events
 *       and snapshots (offsets only). Reads wait until everything in the log is committed, so they never return a
 *       record a later leader could lose.
 *   <li>Deletion: deleteMessagesTo and snapshot deletions append marker records; replay and snapshot loading skip what
 *       they cover. Nothing is removed from the log: the offsets topic has neither retention nor compaction (its
 *       configs say retention.ms=-1, retention.bytes=-1), so it grows with every group event. Compaction that keeps
 *       the records after each group's last snapshot is not done yet.
 *   <li>A writer whose event does not follow the journal's highest sequence number of its persistence id is refused:
 *       its in-memory state missed events another leader added while this node did not lead the partition.
 * </ul>
 */
package io.tributary.group.journal;
