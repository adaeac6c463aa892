package io.tributary.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.Address;
import akka.cluster.UniqueAddress;
import akka.cluster.ddata.SelfUniqueAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two Controllers can exist for a moment (a partition before the Split Brain Resolver acts): the state written by
 * the one that took over later, with the higher controller epoch, wins every merge, and a stale Controller cannot
 * advance a register that holds a newer epoch, whatever the versions.
 */
class ControllerEpochTest {
  private static final SelfUniqueAddress NODE_A = new SelfUniqueAddress(new UniqueAddress(new Address("akka", "tributary", "a", 1), 1L));
  private static final SelfUniqueAddress NODE_B = new SelfUniqueAddress(new UniqueAddress(new Address("akka", "tributary", "b", 1), 2L));

  private static MetadataState state(long version, int epoch, long nextProducerId) {
    return new MetadataState(version, epoch, "c", nextProducerId, Map.of(), Map.of(), Map.of());
  }

  @Test
  void theHigherEpochWinsAMergeEvenWithALowerVersion() {
    var stale = MetadataStore.register(NODE_A, state(11, 2, 5000)); // the old Controller's write, made alone
    var successor = MetadataStore.register(NODE_B, state(10, 3, 2000));
    assertEquals(successor.getValue(), stale.merge(successor).getValue());
    assertEquals(successor.getValue(), successor.merge(stale).getValue());
    // the same version from both: still the epoch decides, not the node's address
    var sameVersion = MetadataStore.register(NODE_A, state(10, 2, 9000));
    assertEquals(successor.getValue(), sameVersion.merge(successor).getValue());
    assertEquals(successor.getValue(), successor.merge(sameVersion).getValue());
  }

  @Test
  void aStaleControllerCannotAdvanceANewerEpoch() {
    var current = MetadataStore.register(NODE_B, state(10, 3, 2000));
    var failure = assertThrows(IllegalStateException.class, () -> MetadataStore.advance(current, NODE_A, state(11, 2, 3000)));
    assertTrue(failure.getMessage().contains("epoch 3"), failure.getMessage());
    assertThrows(IllegalStateException.class, () -> MetadataStore.advance(current, NODE_A, state(10, 3, 3000)));
    assertEquals(state(11, 3, 3000), MetadataStore.advance(current, NODE_B, state(11, 3, 3000)).getValue());
  }

  @Test
  void aTakeoverRaisesTheEpochAndOrdersAfterEverythingBefore() {
    var before = state(100, 4, 0);
    var takeover = before.withNextControllerEpoch();
    assertEquals(5, takeover.controllerEpoch());
    assertTrue(takeover.isNewerThan(state(1_000_000, 4, 0)));
    assertTrue(takeover.stamp() > state(1_000_000, 4, 0).stamp());
  }
}
