package dev.tether.samples.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Arrays;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One I/O thread with its selector: runs the ready handlers of the channels registered on it, the
 * tasks other threads hand it, and the delayed tasks its own handlers schedule. Closing it stops
 * the thread and closes every channel still registered.
 *
 * <p>Thread-safe: {@link #execute}, {@link #register}, {@link #wakeup} and {@link #close} may be
 * called from any thread, including an I/O thread; {@link #schedule} only on this loop's thread.
 *
 * <p>Blocking: {@link #close()} waits at most {@link #STOP_TIMEOUT_SECONDS} for the thread to
 * stop and then throws, naming the thread and where it is stuck, instead of hanging as
 * libdatachannel's {@code Cleanup()} can. Called on any I/O thread (from a listener a loop runs)
 * it does not wait: that thread may be what this loop's thread is waiting for.
 *
 * <p>Failures: a handler's exception fails that handler's channel only (a task's exception is
 * logged; tasks that touch a connection catch their own). A handler may also be failed on a
 * caller's thread, when its registration is refused. When the loop stops for
 * any reason (closed, its selector failed, or a {@link VirtualMachineError} from a listener it
 * ran), every handler still registered or waiting to register is failed, so each connection
 * reports its end; a {@code VirtualMachineError} is then rethrown and ends the thread.
 */
/*
 * Implementation notes
 *
 * The loop runs user code only through Tether slots: with Delivery.serial() a connection's lane
 * may be drained by this thread, so a listener may close its own connection, its server, or this
 * loop from here. That is why close() never joins from an I/O thread, and why every handler
 * failure is caught per key: one bad connection must not stop the others.
 *
 * Tasks from other threads go through a lock-free queue plus Selector.wakeup(); registering a
 * channel is such a task, so the selector's key set is only ever touched by this thread. A task
 * added while the loop stops is either taken by the final sweep (which fails registrations) or
 * taken back by execute() itself, which then reports it refused: nothing is dropped unseen.
 */
final class IoLoop implements AutoCloseable {
  static final long STOP_TIMEOUT_SECONDS = 10;
  private static final System.Logger LOG = System.getLogger(IoLoop.class.getName());

  /** What a registered channel's attachment does when the selector reports it ready. */
  interface Handler {
    /** The channel is registered; runs on the loop thread. */
    void registered(SelectionKey key);

    void ready(SelectionKey key) throws IOException;

    /** The handler threw, its channel failed, or the loop stopped; other keys go on. */
    void failed(Throwable failure);
  }

  /** The thread of a loop, so that close() can tell it is called on one. */
  private static final class IoThread extends Thread {
    IoThread(Runnable body, String name) {
      super(body, name);
      setDaemon(true);
    }
  }

  /** A registration waiting for the loop thread; failed instead if the loop stops first. */
  private final class Registration implements Runnable {
    final SelectableChannel channel;
    final int ops;
    final Handler handler;

    Registration(SelectableChannel channel, int ops, Handler handler) {
      this.channel = channel;
      this.ops = ops;
      this.handler = handler;
    }

    @Override
    public void run() {
      SelectionKey key;
      try {
        key = channel.register(selector, ops, handler);
      } catch (IOException | RuntimeException e) { // closed meanwhile: the handler decides
        fail(handler, e);
        return;
      }
      try {
        handler.registered(key);
      } catch (VirtualMachineError e) {
        throw e;
      } catch (Throwable e) { // e.g. a lane's executor refused the open event
        fail(handler, e);
      }
    }
  }

  /** A task {@link #schedule}d to run at {@code deadline}; ties run in scheduling order. */
  private static final class Delayed implements Comparable<Delayed> {
    final long deadline;
    final long sequence;
    final Runnable task;

    Delayed(long deadline, long sequence, Runnable task) {
      this.deadline = deadline;
      this.sequence = sequence;
      this.task = task;
    }

    @Override
    public int compareTo(Delayed other) {
      int byDeadline = Long.compare(deadline - other.deadline, 0); // nanoTime may wrap
      return byDeadline != 0 ? byDeadline : Long.compare(sequence, other.sequence);
    }
  }

  private final Selector selector;
  private final Thread thread;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

  /** Loop thread only. */
  private final PriorityQueue<Delayed> delayed = new PriorityQueue<>();

  private long delayedSequence;
  private volatile boolean stopping;

  IoLoop(String name) {
    try {
      selector = Selector.open();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a selector for " + name, e);
    }
    thread = new IoThread(this::run, name);
    thread.start();
  }

  /** Runs {@code task} on the loop thread, soon; refused (returns false) once stopping. */
  boolean execute(Runnable task) {
    if (stopping) {
      return false;
    }
    tasks.add(task);
    if (stopping && tasks.remove(task)) {
      return false; // the loop stopped meanwhile and its final sweep did not take it
    }
    selector.wakeup();
    return true;
  }

  /**
   * Runs {@code task} on the loop thread once {@code delayNanos} have passed; dropped if the loop
   * stops first. Loop thread only (a handler backing off), so the queue needs no lock.
   *
   * @throws IllegalStateException naming the thread if called on another thread
   */
  void schedule(long delayNanos, Runnable task) {
    if (!inLoop()) {
      throw new IllegalStateException(
          "schedule() is for the I/O thread '"
              + thread.getName()
              + "' only; called on '"
              + Thread.currentThread().getName()
              + "'");
    }
    delayed.add(new Delayed(System.nanoTime() + delayNanos, delayedSequence++, task));
  }

  /** Registers {@code channel} for {@code ops} from the loop thread, or fails the handler. */
  void register(SelectableChannel channel, int ops, Handler handler) {
    if (!execute(new Registration(channel, ops, handler))) {
      fail(handler, stoppedFailure(null));
    }
  }

  /** Wakes the selector, so that it deregisters channels closed from other threads at once. */
  void wakeup() {
    selector.wakeup();
  }

  boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  private void run() {
    Throwable fatal = null;
    try {
      while (!stopping) {
        selectUntilTheNextDeadline();
        // Only the tasks queued so far: a listener that keeps queuing must not starve the keys.
        Runnable task;
        for (int n = tasks.size(); n > 0 && (task = tasks.poll()) != null; n--) {
          runTask(task);
        }
        long now = System.nanoTime();
        while (!delayed.isEmpty() && delayed.peek().deadline - now <= 0) {
          runTask(delayed.poll().task);
        }
        for (SelectionKey key : selector.selectedKeys()) {
          Handler handler = (Handler) key.attachment();
          try {
            if (key.isValid()) {
              handler.ready(key);
            }
          } catch (VirtualMachineError e) {
            throw e;
          } catch (Throwable e) {
            fail(handler, e);
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (Throwable e) { // the selector failed, or a listener threw a VirtualMachineError
      fatal = e;
      LOG.log(System.Logger.Level.ERROR, "I/O thread '" + thread.getName() + "' stops", e);
    } finally {
      stopAndFailEverything(fatal);
    }
    if (fatal instanceof VirtualMachineError) {
      throw (VirtualMachineError) fatal;
    }
  }

  private void selectUntilTheNextDeadline() throws IOException {
    Delayed next = delayed.peek();
    if (next == null) {
      selector.select();
      return;
    }
    long left = next.deadline - System.nanoTime();
    if (left <= 0) {
      selector.selectNow();
    } else {
      selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left + 999_999))); // round up
    }
  }

  private void runTask(Runnable task) {
    try {
      task.run();
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      LOG.log(System.Logger.Level.ERROR, "task on '" + thread.getName() + "' failed", e);
    }
  }

  private void stopAndFailEverything(Throwable cause) {
    stopping = true;
    IOException stopped = stoppedFailure(cause);
    VirtualMachineError fatal = null; // from a listener run by a failure: the sweep still finishes
    for (SelectionKey key : selector.keys()) {
      closeQuietly(key.channel());
      try {
        fail((Handler) key.attachment(), stopped);
      } catch (VirtualMachineError e) {
        fatal = e;
      }
    }
    for (Runnable task; (task = tasks.poll()) != null; ) {
      if (task instanceof Registration) {
        Registration registration = (Registration) task;
        closeQuietly(registration.channel);
        try {
          fail(registration.handler, stopped);
        } catch (VirtualMachineError e) {
          fatal = e;
        }
      }
    }
    closeQuietly(selector);
    if (fatal != null) {
      throw fatal;
    }
  }

  private IOException stoppedFailure(Throwable cause) {
    return new IOException("I/O thread '" + thread.getName() + "' has stopped", cause);
  }

  @Override
  public void close() {
    // @start region="no-self-join"
    stopping = true;
    selector.wakeup();
    if (Thread.currentThread() instanceof IoThread) {
      return; // never join from an I/O thread: ours ends when its handler returns
    }
    // @end region="no-self-join"
    boolean interrupted = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STOP_TIMEOUT_SECONDS);
    while (thread.isAlive()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        break;
      }
      try {
        thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (thread.isAlive()) {
      throw new IllegalStateException(
          "I/O thread '"
              + thread.getName()
              + "' did not stop within "
              + STOP_TIMEOUT_SECONDS
              + " s; it is at:\n  "
              + Arrays.stream(thread.getStackTrace())
                  .limit(12)
                  .map(String::valueOf)
                  .collect(Collectors.joining("\n  ")));
    }
  }

  /** A handler's own failure must not stop the loop: it is logged. */
  private void fail(Handler handler, Throwable failure) {
    try {
      handler.failed(failure);
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      if (e != failure) {
        e.addSuppressed(failure);
      }
      LOG.log(System.Logger.Level.ERROR, "failure handler on '" + thread.getName() + "' threw", e);
    }
  }

  /** Closes what was given up on, if anything; its failure has nobody left to tell. */
  static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception ignored) { // shutting down: nothing left to tell
    }
  }
}
