package io.tributary.metadata;

import akka.cluster.Member;
import java.util.Optional;

/** A node's id as an Akka cluster role ({@code node-3}), so that every member's broker id is known to all. */
public final class NodeRoles {
  private static final String PREFIX = "node-";

  private NodeRoles() {}

  public static String roleOf(int nodeId) {
    return PREFIX + nodeId;
  }

  /** The node id carried by {@code member}'s roles, if it is a Tributary node. */
  public static Optional<Integer> nodeIdOf(Member member) {
    for (String role : member.getRoles()) {
      if (role.startsWith(PREFIX)) {
        try {
          return Optional.of(Integer.parseInt(role.substring(PREFIX.length())));
        } catch (NumberFormatException e) {
          return Optional.empty();
        }
      }
    }
    return Optional.empty();
  }
}
