package dev.tether;

import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Lifecycle} whose bound owner was garbage collected while the node was still open: the
 * program dropped the object without closing it. Tether closes the node and reports it.
 *
 * @since 0.1.0
 */
public final class LeakReport {
  private final String path;
  private final @Nullable Throwable creationSite;

  LeakReport(String path, @Nullable Throwable creationSite) {
    this.path = path;
    this.creationSite = creationSite;
  }

  /** The leaked node's path, for example {@code server/conn-42}. */
  public String path() {
    return path;
  }

  /**
   * Where the node was created, recorded only when the JVM runs with
   * {@code -Ddev.tether.leaks=paranoid} (capturing a stack per node costs time and memory).
   */
  public Optional<Throwable> creationSite() {
    return Optional.ofNullable(creationSite);
  }

  @Override
  public String toString() {
    return "lifecycle '"
        + path
        + "' leaked: its owner was garbage collected while it was open"
        + (creationSite == null
            ? " (run with -Ddev.tether.leaks=paranoid to record where it was" + " created)"
            : "");
  }
}
