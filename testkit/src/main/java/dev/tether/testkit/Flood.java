package dev.tether.testkit;

import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A kit thread that fires events at one subject, as fast as the listener takes them (at most
 * {@link Recorder#CREDITS} in flight), until stopped.
 */
/*
 * Implementation notes
 *
 * The thread is never interrupted: an interrupt inside the library's send could close an NIO
 * channel under it and turn the check into a test of something else. It polls `stopped` between
 * fires instead, and waits for a credit at most POLL_MILLIS at a time. `closing` is set by the check
 * just before it calls close(): from then on a failing fire() is the library refusing events on a
 * closing subject, which is expected; before it, a failing fire() is a broken adapter.
 */
final class Flood implements AutoCloseable {
  private static final long POLL_MILLIS = 5;

  private final Subject subject;
  private final Recorder recorder;
  private final Thread thread;
  private volatile boolean stopped;
  private volatile boolean closing;
  private volatile @Nullable Exception failure;
  private volatile int fired;

  private Flood(Subject subject, Recorder recorder) {
    this.subject = subject;
    this.recorder = recorder;
    this.thread = new Thread(this::run, "testkit-flood-" + recorder.subject);
    thread.setDaemon(true);
  }

  static Flood start(Subject subject, Recorder recorder) {
    Flood flood = new Flood(subject, recorder);
    flood.thread.start();
    return flood;
  }

  void closing() {
    closing = true;
  }

  int fired() {
    return fired;
  }

  /** The exception of a fire() before the subject began closing, if any. */
  @Nullable Exception failure() {
    return failure;
  }

  private void run() {
    int count = 0;
    try {
      while (!stopped) {
        if (!recorder.credits.tryAcquire(POLL_MILLIS, TimeUnit.MILLISECONDS)) {
          continue;
        }
        try {
          count++;
          subject.fire("r" + recorder.round + "-e" + count);
          fired = count;
        } catch (Exception e) {
          if (!closing && failure == null) {
            failure = e;
          }
          if (!closing) {
            return; // a broken adapter: the check reports it
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // nobody interrupts this thread; if someone did, stop
    }
  }

  /** Stops firing; waits for the thread at most {@code nanos}. */
  void stop(long nanos) {
    stopped = true;
    try {
      TimeUnit.NANOSECONDS.timedJoin(thread, nanos);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop(TimeUnit.SECONDS.toNanos(1));
  }
}
