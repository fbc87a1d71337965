package dev.tether;

/**
 * Thrown by {@link Lifecycle#close()} when a resource registered with {@link Lifecycle#own}
 * failed to close with a checked exception, which is this exception's cause. Unchecked failures
 * are thrown as they are.
 *
 * @since 0.1.0
 */
public final class ResourceCloseException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String path;

  ResourceCloseException(String path, String resource, Exception cause) {
    super("closing " + resource + " owned by lifecycle '" + path + "' failed: " + cause, cause);
    this.path = path;
  }

  /** The path of the lifecycle that owned the resource. */
  public String path() {
    return path;
  }
}
