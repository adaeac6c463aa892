package io.tributary.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;

/**
 * Opens the file channels of segment logs ({@code <base>.log}), through which every record is written and
 * fsynced. The seam exists so that a failing disk can be simulated for real: a channel whose write or force
 * throws takes the partition offline exactly as a failing device would (root's writes cannot be stopped
 * with file permissions).
 */
@FunctionalInterface
public interface FileChannelOpener {
  /** The file system's own channels. */
  FileChannelOpener DEFAULT = FileChannel::open;

  FileChannel open(Path file, OpenOption... options) throws IOException;
}
