package dev.tether;

import dev.tether.internal.LockCycle;
import dev.tether.internal.ThreadNames;
import dev.tether.internal.events.CallbackDeadlockEvent;
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
 * <p>Detection relies on {@link java.lang.management.ThreadMXBean} lock-owner information; for a
 * virtual thread parked on a {@code java.util.concurrent} lock, on its park blocker matched to the
 * synchronizers a platform thread holds; and, from JDK 25 on, on the JDK's JSON thread dump for a
 * virtual thread blocked on a monitor. The cases the running JDK does not expose (a lock held by a
 * virtual thread before JDK 26, a monitor before JDK 25) stay waits, which the stall report names;
 * the guarantees document lists them. Each detection is also recorded as the JFR event
 * {@code dev.tether.CallbackDeadlock}.
 *
 * @since 0.1.0
 */
public final class CallbackDeadlockException extends IllegalStateException {
  private static final long serialVersionUID = 1L;

  private final String slotName;
  private final String waitingThreadName;
  private final String callbackThreadName;
  private final String lockName;

  @SuppressWarnings("serial") // always a List.of list, which serializes
  private final List<StackTraceElement> callbackThreadStack;

  /**
   * @param slotName the slot's name or the lifecycle's path (the JFR event's {@code target})
   * @param waitedFor what the waiter waited for, in words
   * @param waiting the waiting thread, which holds the lock
   * @param cycle the lock cycle found
   */
  CallbackDeadlockException(String slotName, String waitedFor, Thread waiting, LockCycle cycle) {
    super(
        "waiting for "
            + waitedFor
            + " on "
            + ThreadNames.describe(waiting)
            + " would deadlock: it waits for "
            + cycle.callbackThreadDescription()
            + ", which is blocked on "
            + cycle.lockName()
            + " that "
            + ThreadNames.describe(waiting)
            + " holds, directly or through others ("
            + String.join("; ", cycle.chain())
            + "). The slot is reset (or the lifecycle closing) all the same; the blocked call may"
            + " still finish.");
    this.slotName = slotName;
    this.waitingThreadName = waiting.getName();
    this.callbackThreadName = cycle.callbackThreadName();
    this.lockName = cycle.lockName();
    this.callbackThreadStack = List.of(cycle.callbackThreadStack());
    Throwable stack =
        new Throwable("stack of " + cycle.callbackThreadDescription(), null, false, true) {
          private static final long serialVersionUID = 1L;
        };
    stack.setStackTrace(cycle.callbackThreadStack());
    initCause(stack);
    CallbackDeadlockEvent event = new CallbackDeadlockEvent();
    if (event.shouldCommit()) {
      event.target = slotName;
      event.blockedThread = cycle.callbackThreadDescription();
      event.lock = cycle.lockName();
      event.chain = String.join("; ", cycle.chain());
      event.commit();
    }
  }

  /**
   * The name of the slot whose reset detected the deadlock, or, when a {@link Lifecycle#close()}
   * waited for another thread's close of the same node, that node's path.
   */
  public String slotName() {
    return slotName;
  }

  /** The name of the thread that called {@code reset()} and holds the lock (empty if unnamed). */
  public String waitingThreadName() {
    return waitingThreadName;
  }

  /**
   * The name of the thread waited for (running the callback, or closing), blocked on the lock;
   * empty for an unnamed thread, such as a virtual thread, which the message names by id.
   */
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
