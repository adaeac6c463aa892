package io.tributary.it;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** Starts a test main class in a child JVM with the test classpath, and reads its stdout line by line. */
final class ChildProcesses {
  private ChildProcesses() {}

  /** A child JVM; {@code lines} sees each line it prints. */
  static Process start(Class<?> main, Consumer<String> lines, String... args) throws IOException {
    var command = new ArrayList<String>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of("-Xmx256m", "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(List.of(args));
    var process = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    var reader = new Thread(() -> {
      try (var in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = in.readLine()) != null) lines.accept(line);
      } catch (IOException ignored) {
        // the process died
      }
    }, "child-" + main.getSimpleName());
    reader.setDaemon(true);
    reader.start();
    return process;
  }

  /** kill -9 (SIGKILL), then wait for the process to be gone. */
  static void kill(Process process) throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(30, TimeUnit.SECONDS)) throw new AssertionError("child process did not die");
  }

  /** The first line starting with {@code prefix}, without it. */
  static CompletableFuture<String> firstLine(String prefix, List<Consumer<String>> listeners) {
    var result = new CompletableFuture<String>();
    listeners.add(line -> {
      if (line.startsWith(prefix)) result.complete(line.substring(prefix.length()));
    });
    return result;
  }

  static Duration timeout() {
    return Duration.ofSeconds(60);
  }
}
