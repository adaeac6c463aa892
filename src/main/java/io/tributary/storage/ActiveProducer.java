package io.tributary.storage;

/**
 * What a partition knows of one producer (DescribeProducers): its epoch, the sequence of its last batch (-1 if none is
 * retained), the newest timestamp of its batches, the epoch of the transaction coordinator that wrote its last marker
 * (-1 if none), and the first offset of its open transaction here (-1 if none).
 */
public record ActiveProducer(long producerId, short producerEpoch, int lastSequence, long lastTimestamp,
                             int coordinatorEpoch, long currentTxnStartOffset) {}
