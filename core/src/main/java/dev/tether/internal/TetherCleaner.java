package dev.tether.internal;

import java.lang.ref.Cleaner;

/** The one {@link Cleaner} Tether uses, with a single daemon thread named {@code tether-cleaner}. */
public final class TetherCleaner {
  private static final Cleaner CLEANER =
      Cleaner.create(
          task -> {
            Thread thread = new Thread(task, "tether-cleaner");
            thread.setDaemon(true);
            return thread;
          });

  private TetherCleaner() {}

  /** Runs {@code action} once {@code object} is phantom reachable, or when cleaned explicitly. */
  public static Cleaner.Cleanable register(Object object, Runnable action) {
    return CLEANER.register(object, action);
  }
}
