package dev.tether.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.usercode.ParkedCaller;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** {@link StackExcerpt}: the top frames a dump shows, down to the code that is stuck. */
class StackExcerptTest {

  private static StackTraceElement jdk(String className) {
    return new StackTraceElement(null, "java.base", "17", className, "m", null, -1);
  }

  private static StackTraceElement tether(String className) {
    return new StackTraceElement("app", null, null, className, "m", null, -1);
  }

  private static StackTraceElement user(String className) {
    return new StackTraceElement("app", null, null, className, "m", "U.java", 7);
  }

  private static StackTraceElement[] stack(List<StackTraceElement> top, int belowCount) {
    List<StackTraceElement> frames = new ArrayList<>(top);
    for (int i = 0; i < belowCount; i++) {
      frames.add(user("com.example.Caller" + i));
    }
    return frames.toArray(new StackTraceElement[0]);
  }

  private static List<StackTraceElement> jdkFrames(int count) {
    List<StackTraceElement> frames = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      frames.add(jdk("java.util.concurrent.locks.Frame" + i));
    }
    return frames;
  }

  @Test
  void framesToShow_userFrameOnTop_showsTheMinimum() {
    assertEquals(
        StackExcerpt.MIN_FRAMES,
        StackExcerpt.framesToShow(stack(List.of(user("com.example.Stuck")), 20)));
  }

  @Test
  void framesToShow_deepInTheJdk_showsThroughTheFirstUserFrame() {
    List<StackTraceElement> top = jdkFrames(7);
    top.add(user("com.example.Stuck"));
    assertEquals(8, StackExcerpt.framesToShow(stack(top, 20)));
  }

  @Test
  void isLibraryFrame_tetherSamplesAndOtherPackages_countsOnlyTetherAsLibrary() {
    List<StackTraceElement> top = jdkFrames(3);
    top.add(tether("dev.tether.internal.WaitForGraph"));
    top.add(tether("dev.tether.CallbackSlot$Registration"));
    top.add(tether("dev.tether.Lifecycle"));
    top.add(user("dev.tether.samples.net.Connection"));
    assertEquals(7, StackExcerpt.framesToShow(stack(top, 20)));
    assertFalse(StackExcerpt.isLibraryFrame(user("dev.tetherx.Other")));
    assertFalse(StackExcerpt.isLibraryFrame(user("Unnamed")));
    assertTrue(StackExcerpt.isLibraryFrame(jdk("sun.misc.Unsafe")));
  }

  @Test
  void appendTo_noUserFrameWithinTheCap_stopsAtTheCapAndSaysHowManyAreLeftOut() {
    StackTraceElement[] stack = stack(jdkFrames(30), 2);
    assertEquals(StackExcerpt.MAX_FRAMES, StackExcerpt.framesToShow(stack));
    StringBuilder text = new StringBuilder();
    StackExcerpt.appendTo(text, stack, "  ");
    assertEquals(StackExcerpt.MAX_FRAMES, text.toString().split("\n  at ", -1).length - 1);
    assertTrue(
        text.toString().endsWith("\n  ... " + (32 - StackExcerpt.MAX_FRAMES) + " more"),
        text.toString());
  }

  @Test
  void appendTo_shortStack_showsItAllWithoutAMoreLine() {
    StackTraceElement[] stack = jdkFrames(3).toArray(new StackTraceElement[0]);
    StringBuilder text = new StringBuilder();
    StackExcerpt.appendTo(text, stack, "");
    assertEquals(3, StackExcerpt.framesToShow(stack));
    assertFalse(text.toString().contains("more"), text.toString());
  }

  /** A real thread parked in CompletableFuture.get: its caller is more than five frames deep. */
  @Test
  void framesToShow_realThreadParkedInAFuture_reachesTheWaitingFrame() throws Exception {
    CompletableFuture<Void> never = new CompletableFuture<>();
    CountDownLatch started = new CountDownLatch(1);
    Thread waiter =
        new Thread(
            () -> {
              started.countDown();
              ParkedCaller.waitFor(never);
            },
            "waiter");
    waiter.start();
    try {
      assertTrue(started.await(10, TimeUnit.SECONDS));
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> waiter.getState() == Thread.State.TIMED_WAITING);
      StackTraceElement[] frames = waiter.getStackTrace();
      int shown = StackExcerpt.framesToShow(frames);
      assertEquals(
          ParkedCaller.class.getName(),
          frames[shown - 1].getClassName(),
          "the last frame shown should be the parked caller's");
      assertTrue(
          shown > StackExcerpt.MIN_FRAMES,
          "expected the JDK to take more than "
              + StackExcerpt.MIN_FRAMES
              + " frames; shown "
              + shown);
    } finally {
      never.cancel(false);
      waiter.join(10_000);
    }
    assertFalse(waiter.isAlive());
  }
}
