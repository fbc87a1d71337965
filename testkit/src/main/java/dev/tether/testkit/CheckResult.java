package dev.tether.testkit;

import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Assertions;

/**
 * The outcome of one check on one library: passed or not, the verdict in words, and the evidence
 * of the failing round (round, event, thread names, times relative to {@code close()}).
 *
 * <p>Instances are immutable and thread-safe.
 *
 * @since 0.1.0
 */
public final class CheckResult {
  private final Check check;
  private final boolean passed;
  private final String verdict;
  private final int rounds;
  private final List<String> evidence;

  CheckResult(Check check, boolean passed, String verdict, int rounds, List<String> evidence) {
    this.check = Objects.requireNonNull(check, "check");
    this.passed = passed;
    this.verdict = Objects.requireNonNull(verdict, "verdict");
    this.rounds = rounds;
    this.evidence = List.copyOf(evidence);
  }

  /** The check that ran. */
  public Check check() {
    return check;
  }

  /** Whether every round held the property. */
  public boolean passed() {
    return passed;
  }

  /**
   * The verdict in one line: for a failure, what was violated; for check e, always one of
   * "returned", "failed loudly with ..." or "hung past the bound ...".
   */
  public String verdict() {
    return verdict;
  }

  /** How many rounds ran (the failing one included). */
  public int rounds() {
    return rounds;
  }

  /** One line per observation of the failing round (or notes of a passing run). */
  public List<String> evidence() {
    return evidence;
  }

  /** The full report: check, outcome, verdict, evidence. */
  public String message() {
    StringBuilder text =
        new StringBuilder()
            .append("check ")
            .append(check)
            .append(": ")
            .append(passed ? "passed" : "FAILED")
            .append(" after ")
            .append(rounds)
            .append(rounds == 1 ? " round: " : " rounds: ")
            .append(verdict);
    for (String line : evidence) {
      text.append("\n  - ").append(line);
    }
    return text.toString();
  }

  /** Fails the calling test with {@link #message()} unless the check passed. */
  public void assertPassed() {
    if (!passed) {
      Assertions.fail(message());
    }
  }

  @Override
  public String toString() {
    return message();
  }
}
