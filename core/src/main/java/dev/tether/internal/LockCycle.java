package dev.tether.internal;

import java.util.List;

/**
 * A wait that cannot end because a thread running a removed callback is blocked on a lock whose
 * owner, directly or through other waiting threads, is the waiter itself.
 *
 * @param callbackThreadId the thread running the removed callback that the waiter waits for
 * @param callbackThreadName its name (empty for an unnamed thread)
 * @param callbackThreadDescription the thread as diagnostics name it, virtual and unnamed ones
 *     included ({@link ThreadNames#describe})
 * @param lockName the first lock on the chain, as {@code ThreadMXBean} names it
 * @param chain the steps from the callback thread back to the waiter, in words
 * @param callbackThreadStack the callback thread's stack at detection
 */
@SuppressWarnings("ArrayRecordComponent") // a snapshot for display; never compared or hashed
public record LockCycle(
    long callbackThreadId,
    String callbackThreadName,
    String callbackThreadDescription,
    String lockName,
    List<String> chain,
    StackTraceElement[] callbackThreadStack) {}
