package dev.tether;

/**
 * What {@link CallbackSlot#invoke} does when called from inside the same slot's callback on the
 * same thread.
 *
 * <p>Detection is per thread and per slot, exact (no heuristics), and works on virtual threads.
 * An {@code invoke} on another thread, or on another slot, is never reentrant. The policy applies
 * to inline slots only: on a serial {@link Delivery} lane, an {@code invoke} from inside a lane
 * callback is always queued behind the current call, never nested and never rejected.
 *
 * @since 0.1.0
 */
public enum Reentrancy {
  /** Runs the nested call at once, on the stack of the running one. */
  ALLOW,
  /**
   * Queues the value and delivers it right after the running call returns, on the same thread,
   * before the outermost {@code invoke} returns, in FIFO order; the nested {@code invoke} returns
   * {@code true} at once. This is the default: it keeps the callback non-reentrant without
   * losing or reordering events (the per-thread queued dispatch of Guava's {@code EventBus}).
   */
  DEFER,
  /** Throws {@link ReentrantInvocationException} naming the slot. */
  REJECT
}
