package dev.tether;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.GcFinalization;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** {@link CallbackSlot#setWeak}: the slot never keeps its owner alive. */
class CallbackSlotWeakOwnerTest {

  /** Stands for a connection object that registers its own method as a callback. */
  static final class Owner {
    final List<String> received = new ArrayList<>();

    void onMessage(String value) {
      received.add(value);
    }
  }

  @Test
  void setWeak_ownerAlive_callbackReceivesOwnerAndValue() {
    CallbackSlot<String> slot = CallbackSlot.create("onMessage");
    Owner owner = new Owner();
    slot.setWeak(owner, Owner::onMessage);
    assertTrue(slot.invoke("hello"));
    assertEquals(List.of("hello"), owner.received);
  }

  @Test
  void setWeak_ownerCollected_slotEmptiesItselfAndNeverCallsAgain() {
    CallbackSlot<String> slot = CallbackSlot.create("onMessage");
    AtomicInteger callsAfterCollection = new AtomicInteger();
    WeakReference<Owner> ownerRef = installWeakly(slot, callsAfterCollection);

    GcFinalization.awaitClear(ownerRef);
    GcFinalization.awaitDone(() -> !slot.isSet());

    assertFalse(slot.invoke("late"));
    assertEquals(0, callsAfterCollection.get());
    assertEquals(1, slot.droppedCount());
  }

  @Test
  void setWeak_replacedBeforeCollection_cleanerDoesNotEmptyTheNewCallback() {
    CallbackSlot<String> slot = CallbackSlot.create("onMessage");
    WeakReference<Owner> ownerRef = installWeakly(slot, new AtomicInteger());
    List<String> seen = new ArrayList<>();
    slot.set(seen::add);
    GcFinalization.awaitClear(ownerRef);
    GcFinalization.awaitFullGc();
    assertTrue(slot.isSet());
    assertTrue(slot.invoke("x"));
    assertEquals(List.of("x"), seen);
  }

  @Test
  void setWeak_ownerReachableOnlyThroughSlot_isCollected() {
    CallbackSlot<String> slot = CallbackSlot.create("onMessage");
    WeakReference<Owner> ownerRef = installWeakly(slot, new AtomicInteger());
    GcFinalization.awaitClear(ownerRef); // fails with a timeout if the slot kept it
    assertSame(null, ownerRef.get());
  }

  private static WeakReference<Owner> installWeakly(
      CallbackSlot<String> slot, AtomicInteger calls) {
    Owner owner = new Owner();
    slot.setWeak(owner, (o, v) -> calls.incrementAndGet());
    return new WeakReference<>(owner);
  }
}
