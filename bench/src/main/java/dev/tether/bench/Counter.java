package dev.tether.bench;

import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The value every benchmark passes to the callback. Each benchmark thread passes its own instance
 * (a JMH {@code Scope.Thread} state, padded by JMH), so the callback's write never false-shares.
 */
@State(Scope.Thread)
public class Counter {
  /** The one callback every design calls: a plain increment of the value's own counter. */
  public static final Consumer<Counter> CALLBACK = counter -> counter.n++;

  long n;

  /** How often the callback ran with this value. */
  public long count() {
    return n;
  }
}
