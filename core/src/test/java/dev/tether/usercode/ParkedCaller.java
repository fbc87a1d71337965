package dev.tether.usercode;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Code outside Tether's packages, as a user's would be, for tests of what a dump shows of a
 * stuck thread (dev.tether.internal.StackExcerptTest).
 */
public final class ParkedCaller {
  private ParkedCaller() {}

  /** Parks in {@code future.get}, several JDK frames below this one, until it completes. */
  public static void waitFor(CompletableFuture<?> future) {
    try {
      future.get(30, TimeUnit.SECONDS);
    } catch (Exception ignored) { // completed exceptionally or cancelled: the test is done
    }
  }
}
