package dev.tether;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The children of a {@link Lifecycle} node that are not yet closed, by name in creation order, and
 * the lingering slots of children that closed and detached while their removed callbacks still
 * ran.
 *
 * <p><b>Note:</b> not thread-safe: guarded by {@code StripedLocks.of(parent)}, the stripe of the
 * node that holds it, which creates it with its first child.
 *
 * <p>Invariants: a name maps to the one linked child of that name (so a path names one node); a
 * child is linked from its creation until its close detaches it, after it is CLOSED, so a closed
 * child's name may be used again and the map holds only children not yet detached: a long-lived
 * parent with many short-lived children does not grow per closed child (the table keeps the
 * capacity of the most children linked at once). A child that detaches with lingering slots adds
 * them to {@link #detachedLingering()} in the same lock acquisition in which it unlinks, and the
 * parent's close walk snapshots both under one acquisition ({@code CloseWalk.Frame}): it sees
 * each child either as a child or through its lingering slots, never neither.
 */
final class ChildList {
  private static final Lifecycle[] NO_CHILDREN = new Lifecycle[0];

  /** Insertion-ordered: oldest first; a reused name goes to the end, as a new child should. */
  private final LinkedHashMap<String, Lifecycle> byName = new LinkedHashMap<>();

  /**
   * The lingering slots of detached children: the parent's close waits for them, as for a child
   * closed by another thread. Pruned of finished calls whenever a child adds to it.
   */
  private CallbackSlot<?>[] detachedLingering = NodeMembers.NO_SLOTS;

  /**
   * Links {@code child} of {@code parent}.
   *
   * @throws IllegalArgumentException naming the path, linking nothing, if a child named {@code
   *     name} is linked
   */
  void add(String name, Lifecycle child, Lifecycle parent) {
    if (byName.putIfAbsent(name, child) != null) {
      throw new IllegalArgumentException(
          "lifecycle '"
              + parent.path()
              + "' already has a child named '"
              + name
              + "' that is not closed: paths must name one node; use a unique name such as '"
              + name
              + "-2'");
    }
  }

  /**
   * Unlinks {@code child} and keeps its {@code lingering} slots, if any, with those of earlier
   * children whose calls still run (the others are pruned).
   */
  void remove(String name, Lifecycle child, CallbackSlot<?>[] lingering) {
    byName.remove(name, child);
    if (lingering.length > 0) {
      List<CallbackSlot<?>> kept = new ArrayList<>(Arrays.asList(lingering));
      for (CallbackSlot<?> slot : detachedLingering) {
        if (slot.runsRemovedCallbacks()) {
          kept.add(slot);
        }
      }
      detachedLingering = kept.toArray(NodeMembers.NO_SLOTS);
    }
  }

  /** The linked children, oldest first; a copy. */
  List<Lifecycle> oldestFirst() {
    return new ArrayList<>(byName.values());
  }

  /** The linked children, newest first; a copy. */
  Lifecycle[] newestFirst() {
    Lifecycle[] children = byName.values().toArray(NO_CHILDREN);
    Collections.reverse(Arrays.asList(children));
    return children;
  }

  CallbackSlot<?>[] detachedLingering() {
    return detachedLingering;
  }
}
