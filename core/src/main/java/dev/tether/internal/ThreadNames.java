package dev.tether.internal;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import org.jspecify.annotations.Nullable;

/**
 * Names a thread in diagnostics so that a reader can find it in a thread dump, virtual threads
 * and unnamed threads included.
 *
 * <p>Stateless; thread-safe.
 */
/*
 * Implementation notes
 *
 * Virtual threads are unnamed by default, so "running on thread ''" named nothing. A thread dump
 * (jcmd Thread.dump_to_file, the JSON dump) lists every thread by its id, so an unnamed thread is
 * named by id, and a virtual thread says so. Thread.isVirtual is Java 21+: it is looked up once,
 * reflectively, and absent on 17, where no thread is virtual.
 */
public final class ThreadNames {
  private static final @Nullable MethodHandle IS_VIRTUAL = findIsVirtual();

  private ThreadNames() {}

  /**
   * {@code thread 'main'}, {@code virtual thread 'conn-7'}, or for an unnamed thread
   * {@code virtual thread #42} (its id, as thread dumps show it).
   */
  public static String describe(Thread thread) {
    String kind = isVirtual(thread) ? "virtual thread " : "thread ";
    String name = thread.getName();
    return name.isEmpty() ? kind + "#" + id(thread) : kind + "'" + name + "'";
  }

  /** Whether {@code thread} is a virtual thread (always false on Java 17 to 20). */
  public static boolean isVirtual(Thread thread) {
    if (IS_VIRTUAL == null) {
      return false;
    }
    try {
      return (boolean) IS_VIRTUAL.invokeExact(thread);
    } catch (Throwable impossible) { // a public, non-throwing method of Thread
      throw new AssertionError(impossible);
    }
  }

  /** The thread's id, as {@code Thread.threadId()} (Java 19+) returns it. */
  @SuppressWarnings("deprecation") // Thread.getId: threadId() is Java 19+; same value
  public static long id(Thread thread) {
    return thread.getId();
  }

  private static @Nullable MethodHandle findIsVirtual() {
    try {
      return MethodHandles.publicLookup()
          .findVirtual(Thread.class, "isVirtual", MethodType.methodType(boolean.class));
    } catch (NoSuchMethodException | IllegalAccessException e) {
      return null; // Java 17 to 20: no virtual threads
    }
  }
}
