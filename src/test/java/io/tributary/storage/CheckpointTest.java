package io.tributary.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

/** A checkpoint that cannot be read counts as absent (-1), and says so once in the log. */
class CheckpointTest {
  @TempDir
  Path dir;
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Logger logger = (Logger) LoggerFactory.getLogger(Checkpoint.class);

  @BeforeEach
  void listen() {
    logged.start();
    logger.addAppender(logged);
  }

  @AfterEach
  void stopListening() {
    logger.detachAppender(logged);
  }

  @Test
  void writtenOffsetIsReadBack() throws Exception {
    var checkpoint = new Checkpoint(dir.resolve("cp"));
    checkpoint.write(42);
    assertEquals(42, checkpoint.read());
    assertEquals(0, logged.list.size());
  }

  @Test
  void absentIsMinusOneWithoutAWarning() {
    assertEquals(-1, new Checkpoint(dir.resolve("cp")).read());
    assertEquals(0, logged.list.size());
  }

  @ParameterizedTest
  @ValueSource(strings = {"0\nnot-a-number\n", "7\n12\n", "0\n", ""})
  void unreadableIsMinusOneWithOneWarningNamingTheFile(String content) throws Exception {
    Path file = dir.resolve("cp");
    Files.writeString(file, content);
    assertEquals(-1, new Checkpoint(file).read());
    assertEquals(1, logged.list.size());
    assertEquals(Level.WARN, logged.list.get(0).getLevel());
    assertTrue(logged.list.get(0).getFormattedMessage().contains(file.toString()));
  }
}
