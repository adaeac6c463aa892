package io.tributary.cli;

import akka.actor.CoordinatedShutdown;
import java.util.Optional;

/**
 * The {@code broker} process's exit status, from why its node stopped. A stop the operator asked for
 * (SIGTERM, Ctrl-C) is a success. Anything else is a failure, so that a supervisor restarting on failure
 * (systemd's {@code Restart=on-failure}, compose, Kubernetes) starts the node again: above all a node
 * that the cluster downed (its split brain resolver, or an operator) or removed has left for good: its
 * actor system cannot rejoin, only a new process on the same data directory can.
 */
final class BrokerExit {
  /** The operator stopped the node. */
  static final int STOPPED = 0;
  /** The node stopped by itself for another reason (it could not join, a fatal error, ...). */
  static final int FAILED = 1;
  /** The cluster downed this node or removed it from its members. */
  static final int REMOVED_FROM_CLUSTER = 3;

  private BrokerExit() {}

  /**
   * @param reason        the node's CoordinatedShutdown reason; empty when its actor system stopped without one
   * @param stopRequested the process's own shutdown hook stopped the node (SIGTERM, SIGINT)
   */
  static int status(Optional<CoordinatedShutdown.Reason> reason, boolean stopRequested) {
    if (stopRequested) return STOPPED;
    if (reason.isEmpty()) return FAILED;
    var r = reason.get();
    // the shutdown hook Akka installs runs CoordinatedShutdown on SIGTERM before (or instead of) ours
    if (r == CoordinatedShutdown.jvmExitReason()) return STOPPED;
    if (r == CoordinatedShutdown.clusterDowningReason() || r == CoordinatedShutdown.clusterLeavingReason()) {
      return REMOVED_FROM_CLUSTER;
    }
    return FAILED;
  }

  /** One line for stderr about a stop with a non-zero status. */
  static String describe(Optional<CoordinatedShutdown.Reason> reason, int status) {
    String why;
    if (reason.isEmpty()) {
      why = "the node's actor system stopped";
    } else if (reason.get() == CoordinatedShutdown.clusterDowningReason()) {
      why = "the cluster downed this node";
    } else if (reason.get() == CoordinatedShutdown.clusterLeavingReason()) {
      why = "this node was removed from the cluster";
    } else {
      why = "the node stopped (" + reason.get() + ")";
    }
    return why + "; exiting with status " + status + " so that its supervisor starts it again";
  }
}
