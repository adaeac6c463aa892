package io.tributary.it;

import io.tributary.storage.FileChannelOpener;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * Segment channels that fail like a broken disk, for the partition directories named when they are broken:
 * from {@link #breakWrites} on every write fails, from {@link #breakFsync} on every fsync does ({@code EIO}).
 * Reads keep working, and other partitions' channels are the file system's own.
 */
final class FailingChannels implements FileChannelOpener {
  enum Failure { NONE, WRITE, FSYNC }

  private final String partitionDir;
  private volatile Failure failure = Failure.NONE;

  /** @param partitionDir the partition directory whose channels may fail, e.g. {@code "topic-0"} */
  FailingChannels(String partitionDir) {
    this.partitionDir = partitionDir;
  }

  void breakWrites() { failure = Failure.WRITE; }

  void breakFsync() { failure = Failure.FSYNC; }

  void mend() { failure = Failure.NONE; }

  @Override
  public FileChannel open(Path file, OpenOption... options) throws IOException {
    FileChannel real = FileChannel.open(file, options);
    return file.getParent().getFileName().toString().equals(partitionDir) ? new Channel(real) : real;
  }

  private final class Channel extends FileChannel {
    private final FileChannel real;

    Channel(FileChannel real) {
      this.real = real;
    }

    private void writeAllowed() throws IOException {
      if (failure == Failure.WRITE) throw new IOException("Input/output error (write)");
    }

    @Override public int read(ByteBuffer dst) throws IOException { return real.read(dst); }
    @Override public long read(ByteBuffer[] dsts, int offset, int length) throws IOException { return real.read(dsts, offset, length); }
    @Override public int read(ByteBuffer dst, long position) throws IOException { return real.read(dst, position); }

    @Override
    public int write(ByteBuffer src) throws IOException {
      writeAllowed();
      return real.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      writeAllowed();
      return real.write(srcs, offset, length);
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      writeAllowed();
      return real.write(src, position);
    }

    @Override
    public void force(boolean metaData) throws IOException {
      if (failure == Failure.FSYNC) throw new IOException("Input/output error (fsync)");
      real.force(metaData);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
      writeAllowed();
      return real.transferFrom(src, position, count);
    }

    @Override public long position() throws IOException { return real.position(); }
    @Override public FileChannel position(long newPosition) throws IOException { real.position(newPosition); return this; }
    @Override public long size() throws IOException { return real.size(); }
    @Override public FileChannel truncate(long size) throws IOException { real.truncate(size); return this; }
    @Override public long transferTo(long position, long count, WritableByteChannel target) throws IOException { return real.transferTo(position, count, target); }
    @Override public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException { return real.map(mode, position, size); }
    @Override public FileLock lock(long position, long size, boolean shared) throws IOException { return real.lock(position, size, shared); }
    @Override public FileLock tryLock(long position, long size, boolean shared) throws IOException { return real.tryLock(position, size, shared); }
    @Override protected void implCloseChannel() throws IOException { real.close(); }
  }
}
