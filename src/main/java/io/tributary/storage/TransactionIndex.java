package io.tributary.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A segment's aborted-transaction index, Kafka's {@code .txnindex}: the {@link AbortedTxn}s whose abort marker lies in
 * the segment, in marker order, appended as markers are written (or replayed by recovery). A read_committed fetch
 * collects the entries overlapping what it returns, so that the consumer can drop the aborted records.
 *
 * <p>The file is created with the first entry (most segments have none). Entries are kept in memory as well, as an
 * immutable list replaced on every change: readers on any thread see a whole list; the log's single writer appends,
 * truncates and deletes. The file is written without fsync on append: recovery rebuilds the indexes of every segment
 * it re-validates, and a flush of the segment forces it ({@link #flush()}).
 */
final class TransactionIndex {
  static final String SUFFIX = ".txnindex";

  private final Path file;
  private volatile List<AbortedTxn> entries;

  private TransactionIndex(Path file, List<AbortedTxn> entries) {
    this.file = file;
    this.entries = entries;
  }

  static Path fileFor(Path dir, long baseOffset) {
    return dir.resolve(LogSegment.fileName(baseOffset, SUFFIX));
  }

  /** Loads the index of the segment at {@code baseOffset}; a missing file is an empty index; a torn tail is dropped. */
  static TransactionIndex load(Path dir, long baseOffset) throws IOException {
    Path f = fileFor(dir, baseOffset);
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(f);
    } catch (NoSuchFileException e) {
      return new TransactionIndex(f, List.of());
    }
    List<AbortedTxn> list = new ArrayList<>(bytes.length / AbortedTxn.SIZE);
    ByteBuffer b = ByteBuffer.wrap(bytes);
    while (b.remaining() >= AbortedTxn.SIZE) {
      AbortedTxn txn = AbortedTxn.readFrom(b);
      if (txn == null) {
        break;
      }
      list.add(txn);
    }
    TransactionIndex index = new TransactionIndex(f, List.copyOf(list));
    if (list.size() * AbortedTxn.SIZE != bytes.length) {
      index.rewrite(); // a torn or unknown tail: keep what is whole
    }
    return index;
  }

  /** An empty index, its file removed (a new segment, or one whose index is rebuilt). */
  static TransactionIndex empty(Path dir, long baseOffset) throws IOException {
    Path f = fileFor(dir, baseOffset);
    Files.deleteIfExists(f);
    return new TransactionIndex(f, List.of());
  }

  List<AbortedTxn> entries() {
    return entries;
  }

  /** Adds an aborted transaction whose marker was just written. Writer only. */
  void append(AbortedTxn txn) throws IOException {
    List<AbortedTxn> old = entries;
    if (!old.isEmpty() && old.get(old.size() - 1).lastOffset() >= txn.lastOffset()) {
      throw new IllegalStateException("aborted transaction " + txn + " does not follow " + old.get(old.size() - 1)
          + " in " + file);
    }
    ByteBuffer b = ByteBuffer.allocate(AbortedTxn.SIZE);
    txn.writeTo(b);
    b.flip();
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      while (b.hasRemaining()) {
        ch.write(b);
      }
    }
    List<AbortedTxn> next = new ArrayList<>(old.size() + 1);
    next.addAll(old);
    next.add(txn);
    entries = List.copyOf(next);
  }

  /** Removes the entries whose marker is at or above {@code offset} (the log was cut there). Writer only. */
  void truncateTo(long offset) throws IOException {
    List<AbortedTxn> old = entries;
    List<AbortedTxn> kept = old.stream().filter(t -> t.lastOffset() < offset).toList();
    if (kept.size() != old.size()) {
      entries = kept;
      rewrite();
    }
  }

  /** Forgets every entry and removes the file (the segment's index is rebuilt from the log). Writer only. */
  void reset() throws IOException {
    entries = List.of();
    Files.deleteIfExists(file);
  }

  void delete() throws IOException {
    Files.deleteIfExists(file);
  }

  /** fsync of the file, if there is one. */
  void flush() throws IOException {
    if (entries.isEmpty()) {
      return;
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    } catch (NoSuchFileException e) {
      // removed meanwhile: nothing to force
    }
  }

  /**
   * Kafka's {@code TransactionIndex.collectAbortedTxns}: the entries that overlap {@code [fetchOffset, upperBound)}
   * (marker at or after the fetch offset, first offset below the bound) go to {@code out}.
   *
   * @return true when the search is complete: an entry's last stable offset reaches the bound, so no later segment
   *     holds an overlapping aborted transaction
   */
  boolean collect(long fetchOffset, long upperBound, List<AbortedTxn> out) {
    for (AbortedTxn txn : entries) {
      if (txn.lastOffset() >= fetchOffset && txn.firstOffset() < upperBound) {
        out.add(txn);
      }
      if (txn.lastStableOffset() >= upperBound) {
        return true;
      }
    }
    return false;
  }

  private void rewrite() throws IOException {
    List<AbortedTxn> list = entries;
    if (list.isEmpty()) {
      Files.deleteIfExists(file);
      return;
    }
    ByteBuffer b = ByteBuffer.allocate(list.size() * AbortedTxn.SIZE);
    for (AbortedTxn t : list) {
      t.writeTo(b);
    }
    b.flip();
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }
}
