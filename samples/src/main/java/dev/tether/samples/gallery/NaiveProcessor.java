package dev.tether.samples.gallery;

import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;

/**
 * libdatachannel's per-connection {@code Processor}, in Java: a serial FIFO of tasks (here on one
 * daemon thread instead of a shared pool) through which every connection callback runs, and a
 * {@link #join()} that waits until no task is queued or running. A connection's close joins its
 * processor; called from a task, the join waits for the task that is calling it.
 */
final class NaiveProcessor {
  private final InspectableLock lock = new InspectableLock("the processor's lock");
  private final Condition changed = lock.newCondition();

  /** Guarded by lock. */
  private final ArrayDeque<Runnable> tasks = new ArrayDeque<>();

  /** Guarded by lock: whether the worker is running a task. */
  private boolean running;

  private final Thread worker;

  NaiveProcessor(String threadName) {
    worker = Waits.daemon(threadName, this::loop);
  }

  Thread worker() {
    return worker;
  }

  void enqueue(Runnable task) {
    lock.lock();
    try {
      tasks.add(task);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Waits until the processor is idle: nothing queued, nothing running. */
  void join() {
    lock.lock();
    try {
      while (running || !tasks.isEmpty()) {
        changed.awaitUninterruptibly();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Whether the worker is inside {@link #join()}, waiting for the task it is itself running. */
  boolean isJoiningItself() {
    return lock.hasWaiter(changed, worker) && isRunning();
  }

  private boolean isRunning() {
    lock.lock();
    try {
      return running;
    } finally {
      lock.unlock();
    }
  }

  private void loop() {
    for (; ; ) {
      Runnable task;
      lock.lock();
      try {
        while (tasks.isEmpty()) {
          changed.awaitUninterruptibly();
        }
        task = tasks.poll();
        running = true;
      } finally {
        lock.unlock();
      }
      try {
        task.run();
      } catch (RuntimeException e) {
        // a task's failure must not stop the processor; the gallery's tasks do not throw
      } finally {
        lock.lock();
        try {
          running = false;
          changed.signalAll();
        } finally {
          lock.unlock();
        }
      }
    }
  }
}
