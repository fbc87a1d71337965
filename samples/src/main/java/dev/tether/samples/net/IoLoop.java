package dev.tether.samples.net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Arrays;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * One I/O thread with its selector: runs the ready handlers of the channels registered on it and
 * the tasks other threads hand it. Closing it stops the thread and closes every channel still
 * registered.
 *
 * <p>Thread-safe: {@link #execute} and {@link #close} may be called from any thread, including the
 * loop's own.
 *
 * <p>Blocking: {@link #close()} waits at most {@link #STOP_TIMEOUT_SECONDS} for the thread to
 * stop and then throws, naming the thread and where it is stuck, instead of hanging as
 * libdatachannel's {@code Cleanup()} can; called on the loop's own thread (from a callback the
 * loop runs) it does not wait for itself.
 */
/*
 * Implementation notes
 *
 * The loop runs user code only through Tether slots: with Delivery.serial() a connection's lane
 * may be drained by this thread, so a callback may close its own connection, its server, or this
 * loop from here. That is why close() never joins its own thread, and why every handler failure is
 * caught per key: one bad connection must not stop the others.
 *
 * Tasks from other threads go through a lock-free queue plus Selector.wakeup(); registering a
 * channel is such a task, so the selector's key set is only ever touched by this thread.
 */
final class IoLoop implements AutoCloseable {
  static final long STOP_TIMEOUT_SECONDS = 10;
  private static final System.Logger LOG = System.getLogger(IoLoop.class.getName());

  /** What a registered channel's attachment does when the selector reports it ready. */
  interface Handler {
    /** The channel is registered; runs on the loop thread. */
    void registered(SelectionKey key);

    void ready(SelectionKey key) throws IOException;

    /** The handler threw or its channel failed; the loop goes on with the other keys. */
    void failed(Throwable failure);
  }

  private final Selector selector;
  private final Thread thread;
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private volatile boolean stopping;

  IoLoop(String name) {
    try {
      selector = Selector.open();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open a selector for " + name, e);
    }
    thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Runs {@code task} on the loop thread, soon; dropped (returns false) once stopping. */
  boolean execute(Runnable task) {
    if (stopping) {
      return false;
    }
    tasks.add(task);
    selector.wakeup();
    return true;
  }

  /** Registers {@code channel} for {@code ops} from the loop thread. */
  void register(SelectableChannel channel, int ops, Handler handler) {
    boolean accepted = execute(() -> {
      SelectionKey key;
      try {
        key = channel.register(selector, ops, handler);
      } catch (IOException | RuntimeException e) { // closed meanwhile: the handler decides
        fail(handler, e);
        return;
      }
      handler.registered(key);
    });
    if (!accepted) {
      fail(handler, new IOException("I/O thread '" + thread.getName() + "' is stopped"));
    }
  }

  boolean inLoop() {
    return Thread.currentThread() == thread;
  }

  String name() {
    return thread.getName();
  }

  private void run() {
    try {
      while (!stopping) {
        selector.select();
        for (Runnable task; (task = tasks.poll()) != null; ) {
          try {
            task.run();
          } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "task on '" + thread.getName() + "' failed", e);
          }
        }
        for (SelectionKey key : selector.selectedKeys()) {
          Handler handler = (Handler) key.attachment();
          try {
            if (key.isValid()) {
              handler.ready(key);
            }
          } catch (IOException | RuntimeException e) {
            fail(handler, e);
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (IOException e) {
      stopping = true;
      LOG.log(System.Logger.Level.ERROR, "selector of '" + thread.getName() + "' failed", e);
    } finally {
      for (SelectionKey key : selector.keys()) {
        closeQuietly(key.channel());
      }
      closeQuietly(selector);
    }
  }

  @Override
  public void close() {
    // @start region="no-self-join"
    stopping = true;
    selector.wakeup();
    if (inLoop()) {
      return; // the loop ends when the handler that called us returns
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
      throw new IllegalStateException("I/O thread '" + thread.getName() + "' did not stop within "
          + STOP_TIMEOUT_SECONDS + " s; it is at:\n  " + Arrays.stream(thread.getStackTrace())
              .limit(12).map(String::valueOf).collect(Collectors.joining("\n  ")));
    }
  }

  /** A handler's own failure must not stop the loop: it is logged. */
  private void fail(Handler handler, Throwable failure) {
    try {
      handler.failed(failure);
    } catch (RuntimeException e) {
      e.addSuppressed(failure);
      LOG.log(System.Logger.Level.ERROR, "failure handler on '" + thread.getName() + "' threw", e);
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception ignored) { // shutting down: nothing left to tell
    }
  }
}
