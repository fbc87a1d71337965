package dev.tether.testkit;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The kit's {@link Listener} for one subject in one round: records every call and runs the
 * check's {@link Behaviour} inside it.
 */
/*
 * Implementation notes
 *
 * Every call is recorded before the behaviour runs and ended in a finally block, so a call that
 * throws (check f) or blocks (check e) is still in the record. `fence` is the time a close()
 * returned (0 before): a call that starts after it counts `startedAfterFence` down, so the check's
 * grace wait ends early when the violation it waits for happens. A call that starts after the
 * fence but reads it as 0 (the fence was published a moment later) is still in the record with
 * its start time, which is what the verdict reads; the latch only shortens the wait.
 *
 * `credits` bounds the events in flight: the flood thread takes one per fire(), each call gives
 * one back, so a slow listener cannot make the library queue without bound.
 */
final class Recorder implements Listener {
  /** What the listener does inside a call; may block (bounded) or throw. */
  @FunctionalInterface
  interface Behaviour {
    void during(Invocation call);
  }

  static final int CREDITS = 32;

  final String subject;
  final int round;
  final Queue<Invocation> calls = new ConcurrentLinkedQueue<>();
  final Semaphore credits = new Semaphore(CREDITS);
  final CountDownLatch firstEvent = new CountDownLatch(1);
  final CountDownLatch startedAfterFence = new CountDownLatch(1);
  final CountDownLatch closedOnce = new CountDownLatch(1);
  final CountDownLatch closedTwice = new CountDownLatch(2);
  final Queue<String> closedThreads = new ConcurrentLinkedQueue<>();
  private final AtomicInteger index = new AtomicInteger();
  private volatile Behaviour behaviour = call -> Battery.spin(Battery.WORK_NANOS);
  private volatile long fence;

  Recorder(String subject, int round) {
    this.subject = subject;
    this.round = round;
  }

  void behave(Behaviour next) {
    behaviour = next;
  }

  /** Marks the time a close() returned; calls that start after it are violations. */
  void fence(long at) {
    fence = at;
  }

  @Override
  public void onEvent(@Nullable Object event) {
    long start = System.nanoTime();
    Invocation call =
        new Invocation(
            subject,
            round,
            index.incrementAndGet(),
            describe(event),
            Thread.currentThread(),
            start);
    calls.add(call);
    long closedAt = fence;
    if (closedAt != 0 && start - closedAt > 0) {
      startedAfterFence.countDown();
    }
    firstEvent.countDown();
    try {
      behaviour.during(call);
    } finally {
      call.end(System.nanoTime());
      credits.release();
    }
  }

  @Override
  public void onClosed() {
    closedThreads.add(Thread.currentThread().getName());
    closedOnce.countDown();
    closedTwice.countDown();
  }

  List<Invocation> snapshot() {
    return new ArrayList<>(calls);
  }

  private static String describe(@Nullable Object event) {
    String text;
    if (event instanceof CharSequence chars) {
      text = chars.toString();
    } else if (event instanceof ByteBuffer buffer) {
      text = StandardCharsets.UTF_8.decode(buffer.duplicate()).toString();
    } else if (event instanceof byte[] bytes) {
      text = new String(bytes, StandardCharsets.UTF_8);
    } else {
      text = String.valueOf(event);
    }
    return text.length() <= 40 ? text : text.substring(0, 40) + "...";
  }
}
