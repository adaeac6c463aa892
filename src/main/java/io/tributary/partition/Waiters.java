package io.tributary.partition;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One-shot callbacks waiting for something of a partition to move (its high watermark, its log end): each
 * registration is run once, by the thread that makes the move. Thread-safe.
 */
final class Waiters {
  private final Set<Runnable> registered = ConcurrentHashMap.newKeySet();

  void add(Runnable waiter) {
    registered.add(waiter);
  }

  boolean remove(Runnable waiter) {
    return registered.remove(waiter);
  }

  boolean isEmpty() {
    return registered.isEmpty();
  }

  /**
   * Runs every waiter registered now, once. One that registers again while it runs (an acks=all produce whose
   * offset the high watermark has not reached yet) waits for the next move: it is not run again in this pass.
   * Iterating the live set instead would meet such a waiter again, and two of them in one hash bin kept the
   * waking thread running them in turn forever.
   */
  void wake() {
    for (Runnable waiter : List.copyOf(registered)) {
      if (registered.remove(waiter)) waiter.run();
    }
  }
}
