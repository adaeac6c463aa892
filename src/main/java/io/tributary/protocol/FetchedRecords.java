package io.tributary.protocol;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.network.TransferableChannel;
import org.apache.kafka.common.record.BaseRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.RecordsSend;

/**
 * One partition's batches in a Fetch answer, read from the log in several pieces of whole batches instead of one
 * buffer: a fetch of a megabyte then needs no single megabyte-sized array, which the JVM's G1 collector would have to
 * allocate as a "humongous" object, starting a concurrent cycle for each. On the wire the pieces are simply
 * consecutive ({@link Frames} writes them without copying). Immutable.
 */
final class FetchedRecords implements BaseRecords {
  private final List<MemoryRecords> pieces;
  private final int size;

  FetchedRecords(List<MemoryRecords> pieces) {
    this.pieces = List.copyOf(pieces);
    this.size = this.pieces.stream().mapToInt(MemoryRecords::sizeInBytes).sum();
  }

  @Override
  public int sizeInBytes() {
    return size;
  }

  /** Every batch, in offset order. */
  Iterable<? extends RecordBatch> batches() {
    return () -> pieces.stream().flatMap(p -> java.util.stream.StreamSupport.stream(p.batches().spliterator(), false))
        .map(b -> (RecordBatch) b).iterator();
  }

  @Override
  public RecordsSend<FetchedRecords> toSend() {
    return new RecordsSend<>(this, size) {
      @Override
      protected int writeTo(TransferableChannel channel, int previouslyWritten, int remaining) throws IOException {
        int skip = previouslyWritten;
        int written = 0;
        for (MemoryRecords piece : pieces) {
          ByteBuffer buffer = piece.buffer(); // a duplicate: the piece itself is not consumed
          if (skip >= buffer.remaining()) {
            skip -= buffer.remaining();
            continue;
          }
          buffer.position(buffer.position() + skip);
          skip = 0;
          int n = channel.write(buffer);
          written += n;
          if (buffer.hasRemaining()) break; // the channel is full: the rest on the next call
        }
        return written;
      }
    };
  }
}
