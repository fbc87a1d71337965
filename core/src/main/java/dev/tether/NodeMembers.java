package dev.tether;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link Lifecycle} node owns besides its children: the slots it created and the resources
 * given to {@link Lifecycle#own}, each oldest first, and their close, newest first.
 *
 * <p><b>Note:</b> not thread-safe. While a node holds it, it is guarded by {@code
 * StripedLocks.of(node)}, as the node's other structure; the node creates it with its first slot
 * or resource (a node without any holds none). The node's close takes it under that lock and drops
 * the node's reference; the node is CLOSING by then and refuses every registration, so from then
 * on it is confined to the closing thread. {@link #closeNewestFirst} runs user code, so it and
 * {@link #stillRunning} run without the lock; confinement makes that safe.
 *
 * <p>Invariants: {@code slots[0, slotCount)} and {@code resources[0, resourceCount)} are the
 * registrations in order; nothing is removed before the close.
 */
final class NodeMembers {
  static final CallbackSlot<?>[] NO_SLOTS = new CallbackSlot<?>[0];
  private static final AutoCloseable[] NO_RESOURCES = new AutoCloseable[0];

  private CallbackSlot<?>[] slots = NO_SLOTS;
  private int slotCount;
  private AutoCloseable[] resources = NO_RESOURCES;
  private int resourceCount;

  void addSlot(CallbackSlot<?> slot) {
    slots = append(slots, slotCount, slot);
    slotCount++; // after the append: a failed copy leaves the count matching the array
  }

  void addResource(AutoCloseable resource) {
    resources = append(resources, resourceCount, resource);
    resourceCount++;
  }

  /** The slots, oldest first; a copy. */
  CallbackSlot<?>[] slotsSnapshot() {
    return Arrays.copyOf(slots, slotCount);
  }

  /**
   * Closes the slots, then the resources, each newest first, and returns {@code failure} combined
   * with theirs ({@link CloseWalk#combine}); a checked exception of a resource is wrapped in a
   * {@link ResourceCloseException} naming {@code node}'s path. Never throws, not even a
   * VirtualMachineError: the walk rethrows it once every node is CLOSED.
   */
  @Nullable Throwable closeNewestFirst(@Nullable Throwable failure, Lifecycle node) {
    for (int i = slotCount - 1; i >= 0; i--) {
      try {
        slots[i].close();
      } catch (Throwable e) { // even a VirtualMachineError: the walk rethrows it once all is CLOSED
        failure = CloseWalk.combine(failure, e);
      }
    }
    for (int i = resourceCount - 1; i >= 0; i--) {
      try {
        resources[i].close();
      } catch (Throwable e) {
        failure =
            CloseWalk.combine(
                failure,
                e instanceof Exception checked && !(e instanceof RuntimeException)
                    ? new ResourceCloseException(
                        node.path(), LifecycleDiagnostics.describeResource(resources[i]), checked)
                    : e);
      }
    }
    return failure;
  }

  /**
   * After {@link #closeNewestFirst}: the node's {@code lingering}, the slots whose removed
   * callbacks still run (the closer's own call, or one whose wait broke a cycle): of {@code
   * owned}'s slots, of the slots given to {@code own()}, then of {@code childrenLingering}.
   */
  static CallbackSlot<?>[] stillRunning(
      @Nullable NodeMembers owned, List<CallbackSlot<?>> childrenLingering) {
    List<CallbackSlot<?>> stillRunning = new ArrayList<>(0);
    if (owned != null) {
      for (int i = 0; i < owned.slotCount; i++) {
        if (owned.slots[i].runsRemovedCallbacks()) {
          stillRunning.add(owned.slots[i]);
        }
      }
      for (int i = 0; i < owned.resourceCount; i++) {
        if (owned.resources[i] instanceof CallbackSlot<?> slot && slot.runsRemovedCallbacks()) {
          stillRunning.add(slot); // a slot given to own()
        }
      }
    }
    for (CallbackSlot<?> slot : childrenLingering) {
      if (slot.runsRemovedCallbacks()) {
        stillRunning.add(slot);
      }
    }
    return stillRunning.isEmpty() ? NO_SLOTS : stillRunning.toArray(NO_SLOTS);
  }

  private static <T> T[] append(T[] array, int index, T element) {
    T[] target = index < array.length ? array : Arrays.copyOf(array, Math.max(4, index * 2));
    target[index] = element;
    return target;
  }
}
