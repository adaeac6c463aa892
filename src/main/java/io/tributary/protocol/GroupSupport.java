package io.tributary.protocol;

import java.net.InetAddress;

/** Small helpers shared by the consumer-group API handlers. Stateless. */
final class GroupSupport {
  private GroupSupport() {}

  /**
   * Kafka's isValidGroupId: JoinGroup, SyncGroup, Heartbeat, LeaveGroup and OffsetDelete need a
   * non-empty group id; OffsetCommit, OffsetFetch, DescribeGroups and DeleteGroups accept "" (for
   * backward compatibility, as Kafka does).
   */
  static boolean isValidGroupId(String groupId) {
    return groupId != null && !groupId.isEmpty();
  }

  /** The client host as Kafka reports it in DescribeGroups ({@code InetAddress.toString()}, e.g. "/127.0.0.1"). */
  static String clientHost(RequestContext ctx) {
    var remote = ctx.clientAddress();
    if (remote == null) return "";
    InetAddress address = remote.getAddress();
    return address == null ? "/" + remote.getHostString() : address.toString();
  }
}
