package dev.tether;

import java.util.List;

/**
 * Thrown by {@link CallbackSlot#reset()} (and the methods that wait like it) when waiting for a
 * running callback would deadlock on a user lock: the callback's thread is blocked on a lock
 * ({@code synchronized} monitor or {@code java.util.concurrent} lock) that the resetting thread
 * holds, directly or through a chain of lock owners and waiting resets.
 *
 * <p>When it is thrown, the slot has been reset all the same: the callback will not be called
 * again; only the call that is stuck on the lock may still be running. The message names the slot,
 * both threads and the lock; {@link #callbackThreadStack()} is the callback thread's stack at
 * detection, also attached as this exception's cause so that loggers print it.
 *
 * <p>Detection relies on {@link java.lang.management.ThreadMXBean} lock-owner information and
 * therefore sees platform threads only; a virtual thread blocked on a lock is not reported, and its
 * wait is not turned into this exception.
 *
 * @since 0.1.0
 */
public final class CallbackDeadlockException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final String slotName;
  private final String waitingThreadName;
  private final String callbackThreadName;
  private final String lockName;
  private final List<StackTraceElement> callbackThreadStack;

  CallbackDeadlockException(String slotName, String waitedFor, String waitingThreadName,
      String callbackThreadName, String lockName, String chain,
      StackTraceElement[] callbackThreadStack) {
    super("waiting for " + waitedFor + " on thread '" + waitingThreadName
        + "' would deadlock: it waits for thread '" + callbackThreadName
        + "', which is blocked on " + lockName + " that thread '" + waitingThreadName
        + "' holds, directly or through others (" + chain + "). The slot is reset (or the"
        + " lifecycle closing) all the same; the blocked call may still finish.");
    this.slotName = slotName;
    this.waitingThreadName = waitingThreadName;
    this.callbackThreadName = callbackThreadName;
    this.lockName = lockName;
    this.callbackThreadStack = List.of(callbackThreadStack);
    Throwable stack = new Throwable("stack of callback thread '" + callbackThreadName + "'", null,
        false, true) { private static final long serialVersionUID = 1L; };
    stack.setStackTrace(callbackThreadStack);
    initCause(stack);
  }

  /**
   * The name of the slot whose reset detected the deadlock, or, when a {@link Lifecycle#close()}
   * waited for another thread's close of the same node, that node's path.
   */
  public String slotName() {
    return slotName;
  }

  /** The thread that called {@code reset()} and holds the lock. */
  public String waitingThreadName() {
    return waitingThreadName;
  }

  /** The thread waited for (running the callback, or closing), blocked on the lock. */
  public String callbackThreadName() {
    return callbackThreadName;
  }

  /** The lock the callback thread is blocked on, as {@code ThreadMXBean} names it. */
  public String lockName() {
    return lockName;
  }

  /** The callback thread's stack when the deadlock was detected, innermost frame first. */
  public List<StackTraceElement> callbackThreadStack() {
    return callbackThreadStack;
  }
}
