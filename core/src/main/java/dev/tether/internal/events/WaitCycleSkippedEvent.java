package dev.tether.internal.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * A member of a wait-for cycle gave up its wait, as the rules of the wait-for graph choose (the
 * reentrant rule). Not thread-safe: one instance per skipped wait.
 */
@Name("dev.tether.WaitCycleSkipped")
@Label("Wait Cycle Skipped")
@Category("Tether")
@Description("A wait that would have closed a wait-for cycle was given up by one member")
public final class WaitCycleSkippedEvent extends jdk.jfr.Event {
  @Label("Target")
  @Description("What the member that gave up waited on: a slot's name or a lifecycle's path")
  public String target = "";

  @Label("Skipping Thread")
  @Description("The member that gave up its wait")
  public String skippingThread = "";

  @Label("Cycle")
  @Description("The cycle's members in wait order")
  public String cycle = "";
}
