/**
 * Callback slots and lifecycles for connection libraries: callbacks that native or I/O threads
 * invoke, removed with a guarantee that they are neither called again nor still running, and
 * trees of resources that close as one.
 *
 * <h2>The types, and how they fit</h2>
 *
 * <p>{@link dev.tether.CallbackSlot} is the core: it holds at most one user callback, which any
 * thread may {@code invoke}, and its {@code reset()}, {@code set} and {@code close()} return only
 * once the removed callback will never start again and is not running on another thread. Where
 * that wait would deadlock (a callback resetting its own slot, a cycle of threads resetting each
 * other's slots, a callback blocked on a lock the resetting thread holds) the slot detects it
 * exactly instead of guessing; its class documentation lists the rules. A slot is configured by
 * its {@link dev.tether.CallbackSlot.Builder}: three policies say what happens to values it
 * cannot deliver at once.
 *
 * <ul>
 *   <li>{@link dev.tether.Reentrancy}: an {@code invoke} from inside the slot's own callback is
 *       deferred (the default), allowed to nest, or rejected with {@link
 *       dev.tether.ReentrantInvocationException}.
 *   <li>{@link dev.tether.Replay}: values invoked while no callback is set are dropped (the
 *       default), or kept (the latest one, or a bounded number) and replayed to the next callback,
 *       exactly once even when an {@code invoke} races the {@code set}.
 *   <li>{@link dev.tether.CallbackErrorHandler}: receives what a callback throws; the default
 *       logs it. A {@link VirtualMachineError} is never handled: it propagates.
 * </ul>
 *
 * <p>{@link dev.tether.Delivery} says which thread runs the calls: the invoking thread ({@link
 * dev.tether.Delivery#inline()}, the default), or a serial lane shared by many slots ({@link
 * dev.tether.Delivery#serial()}, {@link dev.tether.Delivery#serialOn(java.util.concurrent.Executor)})
 * that runs them one at a time, in order, without ever making an {@code invoke} wait. The
 * guarantee of {@code reset()} holds on a lane too: a queued call of a removed callback is
 * discarded.
 *
 * <p>{@link dev.tether.Lifecycle} is a node in a tree: it creates child nodes and slots (which
 * inherit its {@code Delivery}), owns {@link AutoCloseable} resources, and its {@code close()}
 * closes its whole subtree, children first, then slots, then resources, each in reverse order of
 * registration, waiting for running callbacks under the slot's rules. A node bound to an owner
 * object with {@code bindOwner} that is garbage collected while open is reported as a {@link
 * dev.tether.LeakReport} and closed.
 *
 * <h2>Exceptions</h2>
 *
 * <ul>
 *   <li>{@link dev.tether.CallbackDeadlockException}: a reset or close found that the callback it
 *       waits for is blocked on a lock the waiting thread holds; the removal happened all the same.
 *   <li>{@link dev.tether.ReentrantInvocationException}: the {@link dev.tether.Reentrancy#REJECT}
 *       policy refused a nested {@code invoke}.
 *   <li>{@link dev.tether.ResourceCloseException}: a resource owned by a {@code Lifecycle} failed
 *       to close with a checked exception, which is its cause.
 *   <li>{@link IllegalStateException}: {@code set} on a closed slot, or registration on a closing
 *       or closed lifecycle. {@link java.util.concurrent.RejectedExecutionException}: a {@code
 *       serialOn} lane's executor refused the drain; the call stays queued.
 * </ul>
 *
 * <h2>System properties</h2>
 *
 * <ul>
 *   <li>{@code dev.tether.stallReportMillis} (default 10000): a reset or close that has waited this
 *       long is reported, and again at doubling intervals; the wait goes on.
 *   <li>{@code dev.tether.leaks=paranoid}: every {@code Lifecycle} records where it was created,
 *       so that a leak report names the creation site. Read once, at class initialization.
 * </ul>
 *
 * <h2>Diagnostics: logging and JFR events</h2>
 *
 * <p>Tether logs through {@link System.Logger}: {@code dev.tether.Stall} (a stalled wait, {@code
 * WARNING}), {@code dev.tether.CallbackSlot} (a callback's exception, by the default error
 * handler, and an error handler that threw), {@code dev.tether.Delivery} (an executor that refused
 * to continue a lane's drain) and {@code dev.tether.Lifecycle} (leaks, and a leak listener that
 * threw). It records JDK Flight Recorder events in the category "Tether": {@code
 * dev.tether.SlotWait} (a reset or close that waited), {@code dev.tether.WaitStalled}, {@code
 * dev.tether.WaitCycleSkipped} (a wait given up to break a cycle), {@code
 * dev.tether.CallbackDeadlock}, {@code dev.tether.CallbackFailed}, {@code dev.tether.Leak} and
 * {@code dev.tether.LifecycleClose}. {@link dev.tether.Lifecycle#dump()} describes a tree, with
 * what each closing node waits for.
 *
 * <p>Every type in this package is null-hostile unless a parameter or return type is marked
 * {@code @Nullable}. Types that are not public here and the package {@code dev.tether.internal}
 * are implementation: the slot's parts ({@code SlotCalls} the invoker's side, {@code SlotQuiescence} the
 * remover's, {@code InFlight} the marks between them, {@code SlotBacklog}, {@code SlotPolicy},
 * {@code Registration}), the lane's ({@code SerialLane}, {@code XaddLaneQueue}) and the tree's
 * ({@code CloseWalk}, {@code ChildList}, {@code NodeMembers}). Their notes are in the sources, and
 * the measurements behind them in {@code docs/design-notes.md}.
 */
@NullMarked
package dev.tether;

import org.jspecify.annotations.NullMarked;
