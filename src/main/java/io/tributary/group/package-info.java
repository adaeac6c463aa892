/**
 * Consumer groups: {@link io.tributary.group.GroupEntity}, one sharded event-sourced entity per
 * group id (entity type key {@code group}, persistence id {@code group|<id>}), implementing
 * Kafka's classic group protocol and storing the group's committed offsets.
 *
 * <h2>For the protocol handlers</h2>
 *
 * Reach a group with {@code ClusterSharding.get(system).entityRefFor(GroupEntity.ENTITY_KEY,
 * groupId).ask(replyTo -> new GroupEntity.Xxx(..., replyTo), timeout)} after {@link
 * io.tributary.group.GroupEntity#init} ran on the node. Replies are kafka-clients' generated
 * response data, filled as Kafka's GroupCoordinator fills them; the handler sets the throttle time
 * and, where noted, adapts to the request version:
 *
 * <table>
 *   <caption>commands and replies</caption>
 *   <tr><th>API</th><th>command</th><th>reply</th></tr>
 *   <tr><td>JoinGroup</td><td>{@code Join} (memberId "" for new; instance id null when dynamic;
 *       the request's apiVersion)</td><td>{@code JoinGroupResponseData}, already version-correct
 *       (protocolName "" below v7, skipAssignment only v9+, member instance ids only v5+)</td></tr>
 *   <tr><td>SyncGroup</td><td>{@code Sync} (protocolType/Name null below v5)</td><td>{@code
 *       SyncGroupResponseData}</td></tr>
 *   <tr><td>Heartbeat</td><td>{@code Heartbeat}</td><td>{@code HeartbeatResponseData}</td></tr>
 *   <tr><td>LeaveGroup</td><td>{@code Leave} with one {@code LeavingMember} per member (v0-2:
 *       one, from the top-level member id)</td><td>{@code LeaveGroupResponseData} with per-member
 *       errors; below v3 use the first member's error as the top-level error and drop the
 *       members</td></tr>
 *   <tr><td>OffsetCommit</td><td>{@code CommitOffsets} (v0-1 without generation: -1 and "")</td>
 *       <td>{@code OffsetCommitResponseData}; sent after the event is persisted</td></tr>
 *   <tr><td>OffsetFetch</td><td>{@code FetchOffsets} (null partitions = all)</td><td>{@code
 *       OffsetFetchResponseGroup} (the v8+ group form; below v8 copy its topics into the top-level
 *       form)</td></tr>
 *   <tr><td>DescribeGroups</td><td>{@code Describe}, one per group</td><td>{@code
 *       DescribedGroup}; a group that does not exist is "Dead" with no error, as Kafka 3.9</td></tr>
 *   <tr><td>ListGroups</td><td>{@code GetOverview}, per known group</td><td>{@code
 *       ListedGroup} (state "Dead" = does not exist; filter it out)</td></tr>
 *   <tr><td>DeleteGroups</td><td>{@code DeleteGroup}, one per group</td><td>{@code
 *       DeletableGroupResult}: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP or NONE</td></tr>
 *   <tr><td>OffsetDelete</td><td>{@code DeleteOffsets}</td><td>{@code OffsetDeleteResponseData}
 *       (GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, or per-partition GROUP_SUBSCRIBED_TO_TOPIC)</td></tr>
 *   <tr><td>topic deletion</td><td>{@code RemoveTopicOffsets}</td><td>{@code akka.Done}</td></tr>
 * </table>
 *
 * Left to the protocol layer, as Kafka's KafkaApis/coordinator front does: INVALID_GROUP_ID for a
 * null or empty group id (empty is allowed for OffsetCommit, OffsetFetch, DescribeGroups and
 * DeleteGroups), NOT_COORDINATOR/COORDINATOR_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION for commits
 * to topics that do not exist (filter them before {@code CommitOffsets} and merge the errors in),
 * authorization, and the list of group ids for ListGroups (not kept here yet). The ask timeout of
 * JoinGroup must exceed the request's rebalance timeout plus {@code
 * tributary.group.initial.rebalance.delay.ms} (a JoinGroup is parked until the rebalance
 * completes); SyncGroup likewise up to the rebalance timeout.
 *
 * <h2>Decisions</h2>
 *
 * <ul>
 *   <li>Only durable facts are events ({@code GenerationStarted}, {@code AssignmentsReceived},
 *       {@code StaticMemberReplaced}, {@code OffsetsCommitted}, {@code OffsetsDeleted}, {@code
 *       GroupDeleted}); parked requests, pending member ids and timers live in {@link
 *       io.tributary.group.ClassicGroup}. After recovery a Stable generation continues (members
 *       get a fresh session timeout) and a generation whose assignment never arrived rebalances.
 *       A generation is persisted when its join completes, so generation ids never go back.
 *   <li>Commands decide, events change: a command handler validates, changes a copy of the live
 *       group and returns events plus replies; the copy, the replies, the timers and the node's
 *       offsets view take effect in {@code thenRun} once the events are persisted. The event
 *       handler is pure, so replay rebuilds the live durable state (GroupReplayPropertyTest). A
 *       failed persist (journal failure: restart; rejected event: stop) answers its requests with
 *       COORDINATOR_NOT_AVAILABLE, Kafka's answer to a failed append; JoinGroup/SyncGroup requests
 *       parked in a stopping entity get NOT_COORDINATOR, as Kafka's onGroupUnloaded.
 *   <li>Timers are actor timers keyed per purpose, never 0 ms; each timer message carries an epoch
 *       or generation, so a message stashed while an event was being persisted cannot act late.
 *   <li>Dynamic members that do not rejoin within the rebalance timeout are removed; static
 *       members are kept (their session timeout decides), as Kafka does. Members that got their
 *       JoinGroup response but do not send SyncGroup within the rebalance timeout are removed.
 *   <li>A superseded parked JoinGroup/SyncGroup of the same member is answered with
 *       REBALANCE_IN_PROGRESS instead of being dropped (Kafka drops it), so no ask dangles.
 *   <li>Offsets: retention as Kafka's (KIP-211): an Empty group that used group management loses
 *       all offsets once empty for {@code offsets.retention.minutes}; a group that never had
 *       members loses each offset by its commit time; then an empty group without offsets is
 *       forgotten. Per-request retention times of OffsetCommit v2-4 are ignored.
 *   <li>Serialization: {@link io.tributary.group.GroupSerializer} writes a format byte in front of
 *       every event and snapshot; every format ever written stays readable (fixture test).
 *   <li>Snapshots every {@code tributary.group.snapshot-every} events, keeping {@code
 *       keep-snapshots}, with older events deleted; a deletion snapshots at once.
 * </ul>
 */
package io.tributary.group;
