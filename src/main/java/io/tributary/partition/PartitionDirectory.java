package io.tributary.partition;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * Where a partition lives on disk ({@code <data>/<topic>-<partition>}, Kafka's layout) and which
 * topic incarnation it belongs to: Kafka's {@code partition.metadata} file holds the topic id, so
 * a directory left behind by a deleted topic is never mistaken for a new topic of the same name.
 * Stateless, thread-safe.
 */
final class PartitionDirectory {
  static final String METADATA_FILE = "partition.metadata";

  private PartitionDirectory() {}

  static Path of(Path dataDir, TopicPartition tp) {
    return dataDir.resolve(tp.topic() + "-" + tp.partition());
  }

  /** The partition a directory name denotes, if it looks like one ({@code name-N}). */
  static Optional<TopicPartition> parse(String dirName) {
    int dash = dirName.lastIndexOf('-');
    if (dash <= 0 || dash == dirName.length() - 1) return Optional.empty();
    try {
      return Optional.of(new TopicPartition(dirName.substring(0, dash), Integer.parseInt(dirName.substring(dash + 1))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  static Optional<Uuid> readTopicId(Path dir) throws IOException {
    Path file = dir.resolve(METADATA_FILE);
    if (!Files.exists(file)) return Optional.empty();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.startsWith("topic_id:")) {
        try {
          return Optional.of(Uuid.fromString(line.substring("topic_id:".length()).trim()));
        } catch (IllegalArgumentException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }

  static void writeTopicId(Path dir, Uuid topicId) throws IOException {
    Files.createDirectories(dir);
    Path tmp = dir.resolve(METADATA_FILE + ".tmp");
    Files.writeString(tmp, "version: 0\ntopic_id: " + topicId + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, dir.resolve(METADATA_FILE), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
