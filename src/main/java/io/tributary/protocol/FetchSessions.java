package io.tributary.protocol;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.message.FetchRequestData;
import org.apache.kafka.common.message.FetchResponseData;
import org.apache.kafka.common.message.FetchResponseData.FetchableTopicResponse;
import org.apache.kafka.common.message.FetchResponseData.PartitionData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FetchMetadata;

/**
 * Incremental fetch sessions (KIP-227, Fetch v7+). A full fetch (epoch 0) creates a session that
 * remembers the partitions and what was last sent for each; later requests (epoch 1, 2, ...) name
 * only changed partitions, and the response carries only partitions with news (records, an
 * error, a moved high watermark or log start). Requests with epoch -1 and clients older than v7
 * are served sessionless. When the cache is full and no session is idle long enough to evict, a
 * client is answered with session id 0, which KIP-227 allows: it just keeps sending full fetches.
 * Thread-safe; one session is used by one client connection at a time.
 */
public final class FetchSessions {

  /** One partition as a request (or the session) names it. */
  public record Requested(String topic, Uuid topicId, int partition, long fetchOffset, int maxBytes, int currentLeaderEpoch,
                          int lastFetchedEpoch) {}

  /** One partition's answer. */
  public record Answer(String topic, Uuid topicId, PartitionData data) {}

  /** The session context of one request. */
  public record Context(Errors error, SessionState session, boolean incremental, List<Requested> partitions) {}

  private record Key(String topic, Uuid topicId, int partition) {}

  /** A cached session. Guarded by its own monitor. */
  static final class SessionState {
    final int id;
    int nextEpoch = 1;
    long lastUsedNanos = System.nanoTime();
    final Map<Key, Requested> partitions = new LinkedHashMap<>();
    final Map<Key, long[]> lastSent = new ConcurrentHashMap<>(); // hw, logStart

    SessionState(int id) {
      this.id = id;
    }
  }

  private final Map<Integer, SessionState> sessions = new ConcurrentHashMap<>();
  private final int maxSessions;
  private final long evictableAfterNanos;

  /**
   * @param maxSessions    sessions kept (Kafka's {@code max.incremental.fetch.session.cache.slots})
   * @param evictableAfter how long a session must be unused before a new one may take its place
   */
  public record Settings(int maxSessions, java.time.Duration evictableAfter) {}

  public FetchSessions(Settings settings) {
    this.maxSessions = settings.maxSessions();
    this.evictableAfterNanos = settings.evictableAfter().toNanos();
  }

  Context open(FetchRequestData data, short version) {
    List<Requested> requested = requested(data, version);
    if (version < 7) {
      return new Context(Errors.NONE, null, false, requested);
    }
    int id = data.sessionId();
    int epoch = data.sessionEpoch();
    if (epoch == FetchMetadata.FINAL_EPOCH) {
      if (id != FetchMetadata.INVALID_SESSION_ID) sessions.remove(id);
      return new Context(Errors.NONE, null, false, requested);
    }
    if (epoch == FetchMetadata.INITIAL_EPOCH) {
      if (id != FetchMetadata.INVALID_SESSION_ID) sessions.remove(id);
      SessionState session = create();
      if (session != null) {
        synchronized (session) {
          requested.forEach(r -> session.partitions.put(key(r), r));
        }
      }
      return new Context(Errors.NONE, session, false, requested);
    }
    SessionState session = sessions.get(id);
    if (session == null) {
      return new Context(Errors.FETCH_SESSION_ID_NOT_FOUND, null, false, List.of());
    }
    synchronized (session) {
      if (session.nextEpoch != epoch) {
        return new Context(Errors.INVALID_FETCH_SESSION_EPOCH, null, false, List.of());
      }
      for (Requested r : requested) session.partitions.put(key(r), r);
      for (var forgotten : data.forgottenTopicsData()) {
        for (int p : forgotten.partitions()) {
          Key k = version >= 13 ? new Key(null, forgotten.topicId(), p) : new Key(forgotten.topic(), Uuid.ZERO_UUID, p);
          session.partitions.remove(k);
          session.lastSent.remove(k);
        }
      }
      session.lastUsedNanos = System.nanoTime();
      return new Context(Errors.NONE, session, true, new ArrayList<>(session.partitions.values()));
    }
  }

  FetchResponseData respond(Context ctx, List<Answer> answers, short version) {
    var response = new FetchResponseData().setThrottleTimeMs(0).setErrorCode(Errors.NONE.code());
    SessionState session = ctx.session();
    response.setSessionId(session == null ? FetchMetadata.INVALID_SESSION_ID : session.id);
    FetchableTopicResponse current = null;
    for (int i = 0; i < answers.size(); i++) {
      Answer a = answers.get(i);
      Requested r = ctx.partitions().get(i);
      if (session != null) {
        Key k = key(r);
        long[] last = session.lastSent.get(k);
        PartitionData d = a.data();
        boolean news = d.errorCode() != Errors.NONE.code() || (d.records() != null && d.records().sizeInBytes() > 0)
            || last == null || last[0] != d.highWatermark() || last[1] != d.logStartOffset();
        session.lastSent.put(k, new long[] {d.highWatermark(), d.logStartOffset()});
        if (ctx.incremental() && !news) continue;
      }
      if (current == null || !sameTopic(current, a, version)) {
        current = new FetchableTopicResponse().setTopic(a.topic()).setTopicId(a.topicId());
        response.responses().add(current);
      }
      current.partitions().add(a.data());
    }
    if (session != null) {
      synchronized (session) {
        session.nextEpoch = FetchMetadata.nextEpoch(session.nextEpoch - (ctx.incremental() ? 0 : 1));
        session.lastUsedNanos = System.nanoTime();
      }
    }
    return response;
  }

  private static boolean sameTopic(FetchableTopicResponse t, Answer a, short version) {
    return version >= 13 ? t.topicId().equals(a.topicId()) : java.util.Objects.equals(t.topic(), a.topic());
  }

  private SessionState create() {
    if (sessions.size() >= maxSessions && !evictOne()) {
      return null;
    }
    int id;
    SessionState session;
    do {
      id = ThreadLocalRandom.current().nextInt(1, Integer.MAX_VALUE);
      session = new SessionState(id);
    } while (sessions.putIfAbsent(id, session) != null);
    return session;
  }

  /** Evicts the least recently used session if it has been idle long enough. */
  private boolean evictOne() {
    long now = System.nanoTime();
    var oldest = sessions.values().stream().min((a, b) -> Long.compare(a.lastUsedNanos, b.lastUsedNanos));
    if (oldest.isPresent() && now - oldest.get().lastUsedNanos > evictableAfterNanos) {
      return sessions.remove(oldest.get().id) != null;
    }
    return false;
  }

  int size() {
    return sessions.size();
  }

  private static Key key(Requested r) {
    return r.topicId() != null && !r.topicId().equals(Uuid.ZERO_UUID) && r.topic() == null
        ? new Key(null, r.topicId(), r.partition())
        : new Key(r.topic(), Uuid.ZERO_UUID, r.partition());
  }

  private static List<Requested> requested(FetchRequestData data, short version) {
    List<Requested> out = new ArrayList<>();
    for (var topic : data.topics()) {
      for (var p : topic.partitions()) {
        out.add(new Requested(version >= 13 ? null : topic.topic(), version >= 13 ? topic.topicId() : Uuid.ZERO_UUID,
            p.partition(), p.fetchOffset(), p.partitionMaxBytes(), p.currentLeaderEpoch(),
            version >= 12 ? p.lastFetchedEpoch() : RecordBatch.NO_PARTITION_LEADER_EPOCH));
      }
    }
    return out;
  }
}
