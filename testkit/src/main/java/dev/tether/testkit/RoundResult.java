package dev.tether.testkit;

import java.util.List;

/** The outcome of one round of one check: held or not, the verdict, and the evidence. */
record RoundResult(boolean passed, String verdict, List<String> evidence) {
  static RoundResult pass(String verdict) {
    return new RoundResult(true, verdict, List.of());
  }

  static RoundResult pass(String verdict, List<String> notes) {
    return new RoundResult(true, verdict, notes);
  }

  static RoundResult fail(String verdict, List<String> evidence) {
    return new RoundResult(false, verdict, evidence);
  }
}
