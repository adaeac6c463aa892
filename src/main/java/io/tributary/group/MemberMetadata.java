package io.tributary.group;

import akka.actor.typed.ActorRef;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;

/**
 * A live member of a classic group, as Kafka's MemberMetadata: identity, timeouts, the protocols it
 * supports (in preference order) and, while a JoinGroup or SyncGroup of it is parked, where to send
 * the answer. Mutable; owned by one {@link ClassicGroup}, so confined to its entity actor, and copied
 * with it before a command changes it ({@link #copy}).
 */
final class MemberMetadata {
  String memberId;
  final String groupInstanceId;
  String clientId;
  String clientHost;
  int rebalanceTimeoutMs;
  int sessionTimeoutMs;
  final String protocolType;
  List<GroupEntity.Protocol> protocols;
  byte[] assignment = new byte[0];

  /** Parked JoinGroup (null when none) and the request version it came with. */
  ActorRef<JoinGroupResponseData> awaitingJoin;
  short joinVersion;
  /** Parked SyncGroup (null when none). */
  ActorRef<SyncGroupResponseData> awaitingSync;
  /** A member that joined but has not been part of a completed join yet. */
  boolean isNew;
  /** Bumped whenever the session timer is (re)started; a timer message with an older value is stale. */
  long heartbeatEpoch;

  MemberMetadata(
      String memberId,
      String groupInstanceId,
      String clientId,
      String clientHost,
      int rebalanceTimeoutMs,
      int sessionTimeoutMs,
      String protocolType,
      List<GroupEntity.Protocol> protocols) {
    this.memberId = memberId;
    this.groupInstanceId = groupInstanceId;
    this.clientId = clientId;
    this.clientHost = clientHost;
    this.rebalanceTimeoutMs = rebalanceTimeoutMs;
    this.sessionTimeoutMs = sessionTimeoutMs;
    this.protocolType = protocolType;
    this.protocols = List.copyOf(protocols);
  }

  /** An independent copy (protocol list and byte arrays are never changed in place, so they are shared). */
  MemberMetadata copy() {
    var c = new MemberMetadata(memberId, groupInstanceId, clientId, clientHost, rebalanceTimeoutMs, sessionTimeoutMs, protocolType, protocols);
    c.assignment = assignment;
    c.awaitingJoin = awaitingJoin;
    c.joinVersion = joinVersion;
    c.awaitingSync = awaitingSync;
    c.isNew = isNew;
    c.heartbeatEpoch = heartbeatEpoch;
    return c;
  }

  boolean isStatic() {
    return groupInstanceId != null;
  }

  boolean isAwaitingJoin() {
    return awaitingJoin != null;
  }

  boolean supports(String protocol) {
    return protocols.stream().anyMatch(p -> p.name().equals(protocol));
  }

  /** This member's metadata for {@code protocol}, empty if it does not support it. */
  byte[] metadata(String protocol) {
    return protocols.stream().filter(p -> p.name().equals(protocol)).map(GroupEntity.Protocol::metadata).findFirst().orElse(new byte[0]);
  }

  /** True when {@code other} is the same protocol list with the same metadata, in the same order. */
  boolean matches(List<GroupEntity.Protocol> other) {
    if (other.size() != protocols.size()) return false;
    for (int i = 0; i < other.size(); i++) {
      var a = protocols.get(i);
      var b = other.get(i);
      if (!a.name().equals(b.name()) || !Arrays.equals(a.metadata(), b.metadata())) return false;
    }
    return true;
  }

  /** The member's most preferred protocol among {@code candidates}. */
  String vote(Set<String> candidates) {
    return protocols.stream().map(GroupEntity.Protocol::name).filter(candidates::contains).findFirst()
        .orElseThrow(() -> new IllegalStateException("member " + memberId + " supports none of " + candidates));
  }
}
