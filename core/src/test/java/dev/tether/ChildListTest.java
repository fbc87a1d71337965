package dev.tether;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Unit tests for {@link ChildList}: the pruning of detached children's lingering slots, which the
 * public API of {@link Lifecycle} cannot observe.
 */
class ChildListTest {
  private final Lifecycle parent = Lifecycle.root("parent");

  @Test
  void remove_childWithLingeringSlots_keepsThemAndPrunesFinishedOnes() {
    ChildList list = new ChildList();
    Lifecycle a = Lifecycle.root("a");
    Lifecycle b = Lifecycle.root("b");
    list.add("a", a, parent);
    list.add("b", b, parent);
    CallbackSlot<String> finished = parent.slot("finished");
    CallbackSlot<String> handedOver = parent.slot("handed-over");
    assertFalse(finished.runsRemovedCallbacks());

    list.remove("a", a, new CallbackSlot<?>[] {finished});
    assertArrayEquals(new CallbackSlot<?>[] {finished}, list.detachedLingering());
    list.remove("b", b, new CallbackSlot<?>[] {handedOver});

    // a detaching child's slots are kept as given; earlier ones only while their calls run
    assertArrayEquals(new CallbackSlot<?>[] {handedOver}, list.detachedLingering());
    assertEquals(List.of(), list.oldestFirst());
  }
}
