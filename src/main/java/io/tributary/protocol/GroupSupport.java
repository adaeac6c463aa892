package io.tributary.protocol;

import io.tributary.metadata.MetadataImage;
import java.net.InetAddress;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.ToIntFunction;

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

  /** Where a partition that metadata does not know is answered (UNKNOWN_TOPIC_OR_PARTITION). */
  interface UnknownPartition {
    void add(String topic, int partition);
  }

  /** Hands each of {@code topic}'s requested partitions to {@code known} or, when metadata lacks it, to {@code unknown}. */
  static <P> void splitByMetadata(MetadataImage image, String topic, List<P> partitions, ToIntFunction<P> index,
                                  Consumer<P> known, UnknownPartition unknown) {
    int count = image.topic(topic).map(t -> t.partitionCount()).orElse(0);
    for (P p : partitions) {
      int partition = index.applyAsInt(p);
      if (partition >= 0 && partition < count) known.accept(p);
      else unknown.add(topic, partition);
    }
  }

  /** The client host as Kafka reports it in DescribeGroups ({@code InetAddress.toString()}, e.g. "/127.0.0.1"). */
  static String clientHost(RequestContext ctx) {
    var remote = ctx.clientAddress();
    if (remote == null) return "";
    InetAddress address = remote.getAddress();
    return address == null ? "/" + remote.getHostString() : address.toString();
  }
}
