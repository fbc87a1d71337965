package dev.tether;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Starts virtual threads from tests compiled for Java 17: {@code Thread.startVirtualThread} is
 * looked up reflectively. Callers run on Java 21+ only ({@code @EnabledForJreRange}).
 */
final class VirtualThreads {
  private VirtualThreads() {}

  /** Starts an unnamed virtual thread running {@code task}. */
  static Thread start(Runnable task) throws Throwable {
    MethodHandle startVirtualThread =
        MethodHandles.publicLookup()
            .findStatic(
                Thread.class,
                "startVirtualThread",
                MethodType.methodType(Thread.class, Runnable.class));
    return (Thread) startVirtualThread.invoke(task);
  }

  /** Joins {@code thread} within the tests' bound; whether it ended. */
  static boolean joined(Thread thread) throws InterruptedException {
    thread.join(TestThread.BOUND.toMillis());
    return !thread.isAlive();
  }
}
