package io.tributary.storage;

import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The segments of a log by base offset (a concurrent skip list, as Kafka's LogSegments).
 * Thread-safe: the single writer adds and removes, readers look up concurrently and see a
 * consistent map at all times.
 */
final class LogSegments {
  private final ConcurrentSkipListMap<Long, LogSegment> map = new ConcurrentSkipListMap<>();

  void add(LogSegment s) { map.put(s.baseOffset(), s); }
  void remove(LogSegment s) { map.remove(s.baseOffset(), s); }

  /** The segment that would contain {@code offset}: largest base offset <= offset. */
  LogSegment floor(long offset) {
    Map.Entry<Long, LogSegment> e = map.floorEntry(offset);
    return e == null ? null : e.getValue();
  }

  /** The segment after the one with this base offset. */
  LogSegment higher(long baseOffset) {
    Map.Entry<Long, LogSegment> e = map.higherEntry(baseOffset);
    return e == null ? null : e.getValue();
  }

  LogSegment first() {
    Map.Entry<Long, LogSegment> e = map.firstEntry();
    return e == null ? null : e.getValue();
  }

  LogSegment active() {
    Map.Entry<Long, LogSegment> e = map.lastEntry();
    return e == null ? null : e.getValue();
  }

  /** Ascending by base offset (weakly consistent view). */
  Collection<LogSegment> all() { return map.values(); }

  /** Segments with base offset >= {@code from}, ascending. */
  Collection<LogSegment> from(long from) { return map.tailMap(from, true).values(); }

  int count() { return map.size(); }

  long sizeInBytes() {
    long total = 0;
    for (LogSegment s : map.values()) {
      total += s.size();
    }
    return total;
  }
}
