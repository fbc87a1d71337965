package dev.tether.internal.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;

/**
 * A callback threw; its slot's error handler received the exception. Not thread-safe: one
 * instance per failure.
 */
@Name("dev.tether.CallbackFailed")
@Label("Callback Failed")
@Category("Tether")
@Description("A callback threw an exception, which went to its slot's error handler")
public final class CallbackFailedEvent extends jdk.jfr.Event {
  @Label("Target")
  @Description("The slot's name")
  public String target = "";

  @Label("Exception Class")
  public String exceptionClass = "";

  @Label("Message")
  public String message = "";
}
