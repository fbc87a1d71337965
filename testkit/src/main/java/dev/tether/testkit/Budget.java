package dev.tether.testkit;

import java.time.Duration;
import java.util.Objects;

/**
 * How much each check may spend: at most {@code rounds} rounds (each on fresh subjects), new rounds
 * start only within {@code time}, and every wait for the library (a close to return, an event to
 * arrive, a thread to end) is bounded by {@code bound}, past which the kit gives its verdict. A
 * passing check costs about {@code time}; a check that finds a hang costs about {@code bound}
 * more per hung call.
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @param rounds the most rounds a check runs; at least one always runs
 * @param time after this, no new round starts
 * @param bound how long the kit waits for the library before it calls a wait hung
 * @since 0.1.0
 */
public record Budget(int rounds, Duration time, Duration bound) {
  /**
   * Validates.
   *
   * @throws IllegalArgumentException if {@code rounds} is less than 1 or a duration is not
   *     positive
   */
  public Budget {
    Objects.requireNonNull(time, "time");
    Objects.requireNonNull(bound, "bound");
    if (rounds < 1 || time.isNegative() || time.isZero() || bound.isNegative() || bound.isZero()) {
      throw new IllegalArgumentException(
          "budget needs rounds >= 1 and positive durations, was "
              + rounds
              + ", "
              + time
              + ", "
              + bound);
    }
  }

  /** The contract's default: 20 rounds within 2 s per check, waits bounded at 2 s. */
  public static Budget defaults() {
    return new Budget(20, Duration.ofSeconds(2), Duration.ofSeconds(2));
  }

  /** A smaller budget: 5 rounds within 1 s per check, waits bounded at 1 s. */
  public static Budget quick() {
    return new Budget(5, Duration.ofSeconds(1), Duration.ofSeconds(1));
  }
}
