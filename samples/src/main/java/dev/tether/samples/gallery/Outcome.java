package dev.tether.samples.gallery;

import java.util.List;
import java.util.Objects;

/**
 * What one side (naive or Tether) of a {@link GalleryCase} did: a kind, one sentence that says
 * what happened, and the hung threads that were abandoned (daemons, left blocked for good).
 */
record Outcome(Kind kind, String summary, List<Thread> abandoned) {
  /** The kinds of result; a case declares which one each side must show. */
  enum Kind {
    /** Threads confirmed blocked in a cycle of waits after the bound: a deadlock. */
    HUNG,
    /** Every thread returned, but an event that had to be delivered once was never delivered. */
    EVENT_LOST,
    /** Every thread returned within the bound and every promised property was checked. */
    COMPLETED,
    /** The wait that would deadlock threw {@link dev.tether.CallbackDeadlockException}. */
    DEADLOCK_REPORTED,
    /** Anything else; never what a case expects. */
    UNEXPECTED
  }

  Outcome {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(summary, "summary");
    abandoned = List.copyOf(abandoned);
  }

  static Outcome hung(String summary, Thread... abandoned) {
    return new Outcome(Kind.HUNG, summary, List.of(abandoned));
  }

  static Outcome lost(String summary) {
    return new Outcome(Kind.EVENT_LOST, summary, List.of());
  }

  static Outcome completed(String summary) {
    return new Outcome(Kind.COMPLETED, summary, List.of());
  }

  static Outcome reported(String summary) {
    return new Outcome(Kind.DEADLOCK_REPORTED, summary, List.of());
  }

  static Outcome unexpected(String summary, Thread... abandoned) {
    return new Outcome(Kind.UNEXPECTED, summary, List.of(abandoned));
  }
}
