package io.tributary.metadata;

/**
 * What this node's Controller tells its node's metadata view about its own writes. Distributed Data stores a write in
 * the local replica, and notifies local subscribers, before any other node has it, and keeps it there when no majority
 * confirms it. A Controller cut off from the majority could thus shrink ISRs in its own node's view alone, and that
 * node, leading with the smaller ISR, would acknowledge records the replicas the majority elects from lack. So the
 * view takes a state this node's Controller wrote only once a majority confirmed it.
 */
interface LocalWrites {
  /** The Controller is about to write {@code next}: the view does not take it from the local replica. */
  void writing(MetadataState next);

  /** The write of {@code next} ended: confirmed by a majority (the view takes it now) or not (it never does). */
  void settled(MetadataState next, boolean confirmed);
}
