package io.tributary.partition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WaitersTest {
  /**
   * A waiter that registers again each time it runs, as an acks=all produce does while the high watermark is below
   * its offset. All of them share one hash code, so they share a bin of the set. At most {@code MAX_RUNS} runs, so
   * that a broken wake() fails the test instead of spinning.
   */
  private static final class Rearming implements Runnable {
    static final int MAX_RUNS = 1000;
    final Waiters waiters;
    int runs;

    Rearming(Waiters waiters) {
      this.waiters = waiters;
    }

    @Override
    public void run() {
      if (++runs < MAX_RUNS) waiters.add(this);
    }

    @Override
    public int hashCode() {
      return 42;
    }

    @Override
    public boolean equals(Object o) {
      return this == o;
    }
  }

  @Test
  void aWaiterThatRegistersAgainWhileWokenRunsOncePerWake() {
    // two of them in one bin kept the waking thread (a follower's fetch on the leader) running them in turn,
    // so the follower never fetched again and acks=all produces hung until their timeout
    var waiters = new Waiters();
    List<Rearming> rearming = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      var w = new Rearming(waiters);
      rearming.add(w);
      waiters.add(w);
    }
    waiters.wake();
    rearming.forEach(w -> assertEquals(1, w.runs, "runs of one waiter in one wake"));
    waiters.wake();
    rearming.forEach(w -> assertEquals(2, w.runs, "runs after the second wake"));
    assertFalse(waiters.isEmpty(), "they registered again");
  }

  @Test
  void aWaiterRunsOnceAndIsThenGone() {
    var waiters = new Waiters();
    int[] runs = {0};
    Runnable once = () -> runs[0]++;
    waiters.add(once);
    waiters.wake();
    waiters.wake();
    assertEquals(1, runs[0]);
    assertTrue(waiters.isEmpty());
    waiters.add(once);
    assertTrue(waiters.remove(once), "a removed waiter is not run");
    waiters.wake();
    assertEquals(1, runs[0]);
  }
}
