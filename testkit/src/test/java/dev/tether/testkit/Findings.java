package dev.tether.testkit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Arrays;

/** Assertions on a real library's result: the kit detects a violation, or the check passes. */
final class Findings {
  /** Up to 20 rounds within 2 s to find a violation; a hang is called after 1 s. */
  private static final Budget DETECT = new Budget(20, Duration.ofSeconds(2), Duration.ofSeconds(1));

  private Findings() {}

  /** Runs {@code check}; asserts it failed and its report mentions every one of {@code words}. */
  static CheckResult assertDetected(Check check, SubjectFactory library, String... words) {
    CheckResult result = Battery.run(check, library, DETECT);
    assertFalse(
        result.passed(),
        () ->
            "the kit no longer detects what "
                + library
                + " violates; if the library changed, update docs/testing-your-library.md:\n"
                + result.message());
    String message = result.message();
    assertAll(
        Arrays.stream(words)
            .map(
                word ->
                    () ->
                        assertTrue(
                            message.contains(word),
                            () -> "the report should mention '" + word + "':\n" + message)));
    return result;
  }

  /** Runs {@code check}; asserts it passed. */
  static CheckResult assertHolds(Check check, SubjectFactory library) {
    CheckResult result = Battery.run(check, library, Budget.quick());
    assertTrue(result.passed(), result::message);
    return result;
  }
}
