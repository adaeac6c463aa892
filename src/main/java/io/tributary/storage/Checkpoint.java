package io.tributary.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-offset checkpoint file in the partition directory (Kafka's text format:
 * version line {@code 0}, then the offset), replaced atomically (tmp file, fsync, rename).
 * Used for {@code log-start-offset-checkpoint} and {@code recovery-point-offset-checkpoint}.
 * Not thread-safe: written by the log's single writer.
 */
final class Checkpoint {
  private static final Logger log = LoggerFactory.getLogger(Checkpoint.class);
  private final Path file;

  Checkpoint(Path file) { this.file = file; }

  /**
   * The stored offset, or -1 if absent or unreadable. An unreadable file is logged: -1 is the safe answer for
   * both checkpoints (the log start falls back to the first segment, recovery starts from the beginning).
   */
  long read() {
    if (!Files.exists(file)) {
      return -1;
    }
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      if (lines.size() < 2 || !lines.get(0).trim().equals("0")) {
        log.warn("Ignoring checkpoint {}: not version 0 followed by an offset", file);
        return -1;
      }
      return Long.parseLong(lines.get(1).trim());
    } catch (IOException | NumberFormatException e) {
      log.warn("Ignoring unreadable checkpoint {}: {}", file, e.toString());
      return -1;
    }
  }

  void write(long offset) throws IOException {
    writeAtomically(file, ("0\n" + offset + "\n").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Replaces {@code file} with {@code bytes} so that a crash leaves either the old or the new content: written
   * to {@code <file>.tmp}, fsynced, renamed over the file (a leftover {@code .tmp} is deleted on open).
   */
  static void writeAtomically(Path file, byte[] bytes) throws IOException {
    Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.wrap(bytes);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }
}
