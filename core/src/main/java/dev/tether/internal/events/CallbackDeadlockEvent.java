package dev.tether.internal.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * A wait turned into a {@code CallbackDeadlockException}: a thread it waited for is blocked on a
 * lock that the waiter holds. Not thread-safe: one instance per detection.
 */
@Name("dev.tether.CallbackDeadlock")
@Label("Callback Deadlock")
@Category("Tether")
@Description("A wait would have deadlocked on a user lock and threw CallbackDeadlockException")
public final class CallbackDeadlockEvent extends jdk.jfr.Event {
  @Label("Target")
  @Description("The slot's name or the lifecycle's path")
  public String target = "";

  @Label("Blocked Thread")
  @Description("The thread waited for, blocked on the lock")
  public String blockedThread = "";

  @Label("Lock")
  public String lock = "";

  @Label("Chain")
  @Description("The steps from the blocked thread back to the waiter")
  public String chain = "";
}
