package dev.tether.internal;

/**
 * Tests' access to {@link WaitForGraph}'s package-private test hooks, for tests in other packages
 * (the slot and lifecycle tests live in {@code dev.tether}).
 */
public final class TestGraphs {
  private TestGraphs() {}

  /** Installs a fresh wait-for graph; see {@link WaitForGraph#replaceForTesting()}. */
  public static WaitForGraph replace() {
    return WaitForGraph.replaceForTesting();
  }

  /**
   * Installs a fresh wait-for graph that breaks every cycle at the thread whose wait closes it
   * (the canaries' pre-0.1 rule); see {@link WaitForGraph#breakCyclesAtArrivalForTesting()}.
   */
  public static WaitForGraph replaceBreakingCyclesAtArrival() {
    return WaitForGraph.replaceForTesting().breakCyclesAtArrivalForTesting();
  }
}
