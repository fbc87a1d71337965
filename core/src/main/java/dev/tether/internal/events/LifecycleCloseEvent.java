package dev.tether.internal.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Threshold;

/**
 * One thread's close walk of a lifecycle subtree: from the claim to the last node it closed;
 * recorded when it lasts at least the threshold, 20 ms by default (a server closes thousands of
 * connections a second; the slow closes are the ones to see). Not thread-safe: one instance per
 * walk.
 */
@Name("dev.tether.LifecycleClose")
@Label("Lifecycle Close")
@Category("Tether")
@Threshold("20 ms")
@Description("A close walk of a lifecycle subtree")
public final class LifecycleCloseEvent extends jdk.jfr.Event {
  @Label("Target")
  @Description("The path of the node the walk closes")
  public String target = "";

  @Label("Nodes Closed")
  public int nodesClosed;

  @Label("Failures")
  @Description("Failures the close reports: its first failure and those suppressed in it")
  public int failures;

  @Label("Handed Over")
  @Description("The rest of the walk went on in another thread (a wait would have deadlocked)")
  public boolean handedOver;

  /** Whether the walk has ended this event (and committed it, past the threshold); not recorded. */
  public transient boolean recorded;
}
