package dev.tether.internal.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * A lifecycle node became unreachable while open: a leak, reported as a {@code LeakReport}. Not
 * thread-safe: one instance per leak.
 */
@Name("dev.tether.Leak")
@Label("Lifecycle Leak")
@Category("Tether")
@Description("A lifecycle node's owner became unreachable while the node was open")
public final class LeakEvent extends jdk.jfr.Event {
  @Label("Target")
  @Description("The leaked node's path")
  public String target = "";

  @Label("Creation Site")
  @Description("Where the node was created, when creation sites are recorded; else empty")
  public String creationSite = "";
}
