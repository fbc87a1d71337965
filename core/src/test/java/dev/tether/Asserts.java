package dev.tether;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small assertions JUnit lacks. */
final class Asserts {
  private Asserts() {}

  /** Asserts that {@code text} contains every one of {@code parts}. */
  static void assertContains(String text, String... parts) {
    for (String part : parts) {
      assertTrue(
          text != null && text.contains(part), "expected <" + text + "> to contain <" + part + ">");
    }
  }
}
