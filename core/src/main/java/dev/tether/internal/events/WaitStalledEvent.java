package dev.tether.internal.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Timespan;

/**
 * A wait that has lasted longer than the stall threshold while its blockers still run; committed
 * with each stall report. Not thread-safe: one instance per report.
 */
@Name("dev.tether.WaitStalled")
@Label("Wait Stalled")
@Category("Tether")
@Description(
    "A reset, set, close or lifecycle close has waited longer than"
        + " dev.tether.stallReportMillis for callbacks or closers that have not finished")
public final class WaitStalledEvent extends jdk.jfr.Event {
  @Label("Target")
  @Description("The slot's name or the lifecycle's path")
  public String target = "";

  @Label("Waiting Thread")
  public String waitingThread = "";

  @Label("Waited")
  @Timespan(Timespan.NANOSECONDS)
  public long waited;

  @Label("Blocking Threads")
  @Description("The threads the wait is waiting for, as diagnostics name them")
  public String blockingThreads = "";

  @Label("Blocking Stack")
  @Description("Each blocking thread's stack excerpt, down to the code that is stuck")
  public String blockingStack = "";
}
