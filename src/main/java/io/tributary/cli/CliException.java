package io.tributary.cli;

/** A failure to report as one line on stderr, with the exit code to return. */
final class CliException extends RuntimeException {
  final int exitCode;

  CliException(String message) {
    this(message, 1);
  }

  CliException(String message, int exitCode) {
    super(message, null, false, false);
    this.exitCode = exitCode;
  }
}
