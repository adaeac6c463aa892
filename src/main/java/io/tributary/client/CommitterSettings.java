package io.tributary.client;

import akka.actor.ClassicActorSystemProvider;
import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Immutable settings of {@link Committer}: commit after {@code maxBatch} offsets or {@code maxInterval},
 * whichever comes first, with at most {@code parallelism} batches awaiting their commit (a consumer sends
 * one commit at a time and answers the batches that wait meanwhile with its next). Defaults (reference.conf,
 * {@code tributary.client.committer}) are Alpakka Kafka's: 1000 offsets, 10 s.
 */
public final class CommitterSettings {
  public static final String CONFIG_PATH = "tributary.client.committer";

  private final int maxBatch;
  private final Duration maxInterval;
  private final int parallelism;

  private CommitterSettings(int maxBatch, Duration maxInterval, int parallelism) {
    if (maxBatch < 1 || parallelism < 1) throw new IllegalArgumentException("max-batch and parallelism must be >= 1");
    this.maxBatch = maxBatch;
    this.maxInterval = maxInterval;
    this.parallelism = parallelism;
  }

  public static CommitterSettings create(ClassicActorSystemProvider system) {
    return create(system.classicSystem().settings().config().getConfig(CONFIG_PATH));
  }

  public static CommitterSettings create(Config section) {
    return new CommitterSettings(section.getInt("max-batch"), section.getDuration("max-interval"),
        section.getInt("parallelism"));
  }

  public CommitterSettings withMaxBatch(int value) {
    return new CommitterSettings(value, maxInterval, parallelism);
  }

  public CommitterSettings withMaxInterval(Duration value) {
    return new CommitterSettings(maxBatch, value, parallelism);
  }

  public CommitterSettings withParallelism(int value) {
    return new CommitterSettings(maxBatch, maxInterval, value);
  }

  public int maxBatch() {
    return maxBatch;
  }

  public Duration maxInterval() {
    return maxInterval;
  }

  public int parallelism() {
    return parallelism;
  }

  @Override
  public String toString() {
    return "CommitterSettings(maxBatch=" + maxBatch + ", maxInterval=" + maxInterval + ", parallelism=" + parallelism + ")";
  }
}
