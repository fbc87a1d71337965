package dev.tether.internal.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Threshold;

/**
 * A wait on the slow path (a reset, set or close that waited for a running callback); recorded
 * when it lasts at least the threshold, 20 ms by default, as the JDK's own park and monitor
 * events. Not thread-safe: one instance per wait.
 */
@Name("dev.tether.SlotWait")
@Label("Slot Wait")
@Category("Tether")
@Threshold("20 ms")
@Description("A reset, set or close that waited for a removed callback still running")
public final class SlotWaitEvent extends jdk.jfr.Event {
  @Label("Target")
  @Description("The slot's name")
  public String target = "";

  @Label("Blocking Threads")
  @Description("The threads waited for when the wait began")
  public String blockingThreads = "";

  @Label("Outcome")
  @Description(
      "returned, skipped (a wait-for cycle), released (another member broke its cycle)"
          + " or lock cycle")
  public String outcome = "";
}
