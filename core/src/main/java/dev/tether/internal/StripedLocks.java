package dev.tether.internal;

import java.util.concurrent.locks.ReentrantLock;

/**
 * A fixed set of locks shared by all objects, chosen by identity hash, for short critical
 * sections on slow paths (registering a child, detaching it). Saves a lock object per node.
 * A caller must never hold two stripes at once and never run user code or block while holding one.
 */
public final class StripedLocks {
  private static final int STRIPES = 64; // power of two
  private static final ReentrantLock[] LOCKS = new ReentrantLock[STRIPES];

  static {
    for (int i = 0; i < STRIPES; i++) {
      LOCKS[i] = new ReentrantLock();
    }
  }

  private StripedLocks() {}

  /** The lock guarding {@code object}'s structure. */
  public static ReentrantLock of(Object object) {
    int hash = System.identityHashCode(object);
    return LOCKS[(hash ^ (hash >>> 16)) & (STRIPES - 1)];
  }
}
