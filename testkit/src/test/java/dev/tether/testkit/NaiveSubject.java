package dev.tether.testkit;

import dev.tether.Lifecycle;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A canary: a connection-like object with one dispatch thread and a naive {@code close()}, in one
 * of libdatachannel's failure modes ({@link Mode}). Each mode must be caught by the check it
 * targets; {@link CanaryTest} proves it.
 *
 * <p>Instances are thread-safe (as naively as the mode says).
 *
 * <p>Blocking: a waiting {@code close()} waits at most {@link #GIVE_UP_NANOS}, far past any
 * budget's bound, then returns: a deadlock the kit has already reported still ends, so the test
 * JVM's threads do not pile up.
 */
/*
 * Implementation notes
 *
 * `running` (guarded by this) counts listener calls in progress; the dispatch thread is the only
 * thread that calls the listener, so it is 0 or 1. `listener` is volatile and read once per event
 * by the dispatch thread, before the call: the window a NO_WAIT close cannot see.
 */
final class NaiveSubject implements Subject {
  /** libdatachannel's failure modes, one per check (the check letter is the one that targets it). */
  enum Mode {
    /** a: close() drops the listener and returns; a call already dispatched runs on (#1181's
     *  precursor: callbacks reset without waiting, rtc::synchronized_callback before PR 1384). */
    NO_WAIT,
    /** b: close() waits until no listener runs, its own caller's call included: a close from
     *  inside a listener waits for itself (libdatachannel #1241). */
    WAITS_FOR_ITSELF,
    /** c and e: close() skips the wait on its own dispatch thread but waits for a running
     *  listener anywhere else: two subjects closing each other from their listeners wait for each
     *  other (libdatachannel #1181), and a listener blocked on the closer's lock is waited for
     *  forever. */
    WAITS_FOR_OTHERS,
    /** d: a check-then-act "closing" flag: later concurrent callers return at once while the
     *  listener runs, and several callers may fire the closed notification. */
    CHECK_THEN_ACT,
    /** f: the dispatch thread has no catch around the listener: one throw kills it. */
    DIES_ON_THROW,
    /** g: close() waits correctly but never stops the dispatch thread. */
    LEAKS_THREAD,
    /** g: a Lifecycle-based subject whose close() forgets its node. */
    LEAKS_NODE
  }

  static final long GIVE_UP_NANOS = TimeUnit.SECONDS.toNanos(5);
  private static final Object STOP = new Object();

  private final Mode mode;
  private final Listener kitListener;
  private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
  private final Thread dispatch;
  private final @Nullable Lifecycle node;
  private volatile @Nullable Listener listener;
  private volatile boolean closing;
  private volatile boolean closedFired;
  private int running; // guarded by this

  NaiveSubject(Mode mode, String name, Listener listener, @Nullable Lifecycle parent) {
    this.mode = mode;
    this.kitListener = listener;
    this.listener = listener;
    this.node = parent == null ? null : parent.child(name);
    this.dispatch = new Thread(this::dispatchLoop, "naive-dispatch-" + name);
    dispatch.setDaemon(true);
    dispatch.start();
  }

  /** A factory of subjects in {@code mode}; CHECK_THEN_ACT declares its closed notification. */
  static SubjectFactory factory(Mode mode) {
    Lifecycle root = Lifecycle.root("naive");
    return new SubjectFactory() {
      @Override
      public Subject open(String name, Listener listener) {
        return new NaiveSubject(mode, name, listener, mode == Mode.LEAKS_NODE ? root : null);
      }

      @Override
      public ClosedNotification closedNotification() {
        return mode == Mode.CHECK_THEN_ACT
            ? ClosedNotification.EXACTLY_ONCE
            : ClosedNotification.NONE;
      }

      @Override
      public String toString() {
        return "naive " + mode;
      }
    };
  }

  @Override
  public void fire(String event) {
    events.add(event);
  }

  @Override
  public Optional<Lifecycle> lifecycle() {
    return Optional.ofNullable(node);
  }

  @Override
  public void close() {
    switch (mode) {
      case NO_WAIT:
        listener = null;
        stop();
        return;
      case WAITS_FOR_ITSELF:
        listener = null;
        awaitNoListener();
        stop();
        return;
      case CHECK_THEN_ACT:
        if (closing) {
          return; // late callers: "already closing", but the listener may still run
        }
        closing = true;
        listener = null;
        awaitNoListener();
        if (!closedFired) { // check-then-act again: two first callers both fire
          Thread.yield();
          closedFired = true;
          kitListener.onClosed();
        }
        stop();
        return;
      case LEAKS_THREAD:
        listener = null;
        if (Thread.currentThread() != dispatch) {
          awaitNoListener();
        }
        return; // the dispatch thread is never stopped
      default: // WAITS_FOR_OTHERS, DIES_ON_THROW, LEAKS_NODE
        listener = null;
        if (Thread.currentThread() != dispatch) {
          awaitNoListener();
        }
        stop();
    }
  }

  private void stop() {
    events.add(STOP);
  }

  private synchronized void awaitNoListener() {
    long deadline = System.nanoTime() + GIVE_UP_NANOS;
    boolean interrupted = false;
    while (running > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break; // give up: the kit has long reported the hang
      }
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        interrupted = true; // a naive close waits on regardless
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void dispatchLoop() {
    try {
      for (Object event = events.take(); event != STOP; event = events.take()) {
        Listener target = listener;
        if (target == null) {
          continue;
        }
        synchronized (this) {
          running++;
        }
        try {
          if (mode == Mode.DIES_ON_THROW) {
            target.onEvent(event); // no catch: a throw ends this thread
          } else {
            try {
              target.onEvent(event);
            } catch (RuntimeException e) {
              // logged and ignored, as a careful library would
            }
          }
        } finally {
          synchronized (this) {
            running--;
            notifyAll();
          }
        }
      }
    } catch (InterruptedException e) {
      // stopped
    }
  }
}
