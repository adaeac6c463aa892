package io.tributary.group;

import java.util.ArrayList;
import java.util.Objects;
import akka.Done;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.HeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;

/**
 * The group's replies as kafka-clients' generated response data, filled as Kafka's GroupCoordinator
 * fills them and already correct for the request version (see package-info), so a protocol handler
 * only adds the throttle time. Pure: reads the live group, never changes it.
 */
final class GroupReplies {
  private GroupReplies() {}

  static JoinGroupResponseData joinSuccess(
      ClassicGroup group, short version, String memberId, boolean withMembers, String leader, boolean skipAssignment) {
    return new JoinGroupResponseData()
        .setErrorCode(Errors.NONE.code())
        .setGenerationId(group.generationId)
        .setProtocolType(version >= 7 ? group.protocolType : null)
        .setProtocolName(version >= 7 ? group.protocolName : Objects.requireNonNullElse(group.protocolName, ""))
        .setLeader(leader == null ? "" : leader)
        .setSkipAssignment(version >= 9 && skipAssignment)
        .setMemberId(memberId)
        .setMembers(withMembers ? group.currentMemberMetadata(version >= 5) : new ArrayList<>());
  }

  static JoinGroupResponseData joinError(short version, String memberId, Errors error) {
    return new JoinGroupResponseData()
        .setErrorCode(error.code())
        .setGenerationId(-1)
        .setProtocolType(null)
        .setProtocolName(version >= 7 ? null : "")
        .setLeader("")
        .setMemberId(memberId);
  }

  static SyncGroupResponseData syncSuccess(ClassicGroup group, byte[] assignment) {
    return new SyncGroupResponseData()
        .setErrorCode(Errors.NONE.code())
        .setProtocolType(group.protocolType)
        .setProtocolName(group.protocolName)
        .setAssignment(assignment);
  }

  static SyncGroupResponseData syncError(Errors error) {
    return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0]);
  }

  /** DescribeGroups: a group that does not exist is Dead with no error; metadata and assignments only when Stable. */
  static DescribedGroup describedGroup(String groupId, ClassicGroup group, boolean exists) {
    var d = new DescribedGroup().setGroupId(groupId).setErrorCode(Errors.NONE.code());
    if (!exists) {
      d.setGroupState(ClassicGroup.Phase.DEAD.kafkaName).setProtocolType("").setProtocolData("");
    } else {
      var stable = group.is(ClassicGroup.Phase.STABLE);
      d.setGroupState(group.phase.kafkaName)
          .setProtocolType(group.protocolType == null ? "" : group.protocolType)
          .setProtocolData(stable ? group.protocolName : "");
      for (var m : group.members.values()) {
        d.members().add(new DescribedGroupMember()
            .setMemberId(m.memberId)
            .setGroupInstanceId(m.groupInstanceId)
            .setClientId(m.clientId)
            .setClientHost(m.clientHost)
            .setMemberMetadata(stable ? m.metadata(group.protocolName) : new byte[0])
            .setMemberAssignment(stable ? m.assignment : new byte[0]));
      }
    }
    return d;
  }

  /** This group's line in ListGroups; Dead when it does not exist. */
  static ListedGroup listedGroup(String groupId, ClassicGroup group, boolean exists) {
    return new ListedGroup()
        .setGroupId(groupId)
        .setProtocolType(exists && group.protocolType != null ? group.protocolType : "")
        .setGroupState(exists ? group.phase.kafkaName : ClassicGroup.Phase.DEAD.kafkaName)
        .setGroupType("classic");
  }

  /**
   * What a request whose events could not be persisted gets instead of {@code reply}: the same
   * response with {@code error} (per partition or per member where the response has no top-level
   * error, as Kafka answers a failed append). JoinGroup depends on the request version and is built
   * by {@link #joinError}. {@code Done} has no error form: it is returned unchanged and the caller
   * must not send it (see GroupEntity).
   */
  @SuppressWarnings("unchecked")
  static <T> T failed(T reply, Errors error) {
    Object failed;
    if (reply instanceof SyncGroupResponseData) {
      failed = syncError(error);
    } else if (reply instanceof HeartbeatResponseData) {
      failed = new HeartbeatResponseData().setErrorCode(error.code());
    } else if (reply instanceof LeaveGroupResponseData r) {
      var f = r.duplicate().setErrorCode(error.code());
      f.members().forEach(m -> m.setErrorCode(error.code()));
      failed = f;
    } else if (reply instanceof OffsetCommitResponseData r) {
      var f = r.duplicate();
      f.topics().forEach(t -> t.partitions().forEach(p -> p.setErrorCode(error.code())));
      failed = f;
    } else if (reply instanceof DeletableGroupResult r) {
      failed = r.duplicate().setErrorCode(error.code());
    } else if (reply instanceof OffsetDeleteResponseData) {
      failed = new OffsetDeleteResponseData().setErrorCode(error.code());
    } else if (reply instanceof OffsetFetchResponseGroup r) {
      failed = new OffsetFetchResponseGroup().setGroupId(r.groupId()).setErrorCode(error.code());
    } else if (reply instanceof DescribedGroup r) {
      failed = new DescribedGroup().setGroupId(r.groupId()).setErrorCode(error.code());
    } else if (reply instanceof ListedGroup || reply instanceof Done) {
      failed = reply;
    } else {
      throw new IllegalArgumentException("no failed form for " + reply.getClass());
    }
    return (T) failed;
  }
}
