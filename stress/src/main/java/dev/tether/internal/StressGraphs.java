package dev.tether.internal;

/**
 * The stress harnesses' access to {@link WaitForGraph}'s package-private test hooks: the harnesses
 * compile against core's main jar, which has no test classes.
 */
public final class StressGraphs {
  private StressGraphs() {}

  /**
   * Installs a fresh wait-for graph that breaks every cycle at the thread whose wait closes it,
   * for a canary; see {@link WaitForGraph#breakCyclesAtArrivalForTesting()}.
   */
  public static WaitForGraph replaceBreakingCyclesAtArrival() {
    return WaitForGraph.replaceForTesting().breakCyclesAtArrivalForTesting();
  }
}
