package dev.tether.internal;

/**
 * The frames of a stuck thread's stack that a dump shows: enough to see the code that is stuck,
 * not the whole stack.
 *
 * <p>Stateless; thread-safe.
 */
/*
 * Implementation notes
 *
 * A thread stuck in a callback is usually parked several frames deep in the JDK (a latch, a
 * future, a lock: five to eight frames of LockSupport and AbstractQueuedSynchronizer), or in
 * Tether's own waiting path (a nested reset); a fixed five top frames often showed only those,
 * and the user had to take a thread dump to learn which of their lines was stuck. So the excerpt
 * runs at least MIN_FRAMES deep and on to the first frame that is neither the JDK's nor
 * Tether's, the user's code, inclusive, with a hard cap so that a dump of a large tree, which
 * repeats a wait for every ancestor the same thread closes, stays readable. JDK frames are
 * recognised by module (java.* and jdk.*), which holds on the class path too, since the JDK is
 * always modular; Tether's by package, because Tether may run on the class path, where its
 * frames name no module. The samples and any user code in a dev.tether.* package of its own are
 * user code.
 */
final class StackExcerpt {
  /** Frames shown even when the first of them is already the user's. */
  static final int MIN_FRAMES = 5;

  /** Frames shown at most, however deep the user's first frame is. */
  static final int MAX_FRAMES = 24;

  private static final String INTERNAL_PACKAGE = StackExcerpt.class.getPackageName();
  private static final String TETHER_PACKAGE =
      INTERNAL_PACKAGE.substring(0, INTERNAL_PACKAGE.lastIndexOf('.'));

  private StackExcerpt() {}

  /**
   * Appends the excerpt of {@code stack} to {@code text}, one {@code "\n" + indent + "at "} line
   * a frame, then a line saying how many frames were left out, if any.
   */
  static void appendTo(StringBuilder text, StackTraceElement[] stack, String indent) {
    int shown = framesToShow(stack);
    for (int i = 0; i < shown; i++) {
      text.append('\n').append(indent).append("at ").append(stack[i]);
    }
    if (shown < stack.length) {
      text.append('\n').append(indent).append("... ").append(stack.length - shown).append(" more");
    }
  }

  /** How many top frames of {@code stack} to show: see the notes. */
  static int framesToShow(StackTraceElement[] stack) {
    int firstUserFrame = 0;
    while (firstUserFrame < stack.length && isLibraryFrame(stack[firstUserFrame])) {
      firstUserFrame++;
    }
    int wanted = Math.max(MIN_FRAMES, firstUserFrame + 1);
    return Math.min(stack.length, Math.min(MAX_FRAMES, wanted));
  }

  /** A frame of the JDK or of Tether itself, not of the code that called into them. */
  static boolean isLibraryFrame(StackTraceElement frame) {
    String module = frame.getModuleName();
    if (module != null && (module.startsWith("java.") || module.startsWith("jdk."))) {
      return true;
    }
    String className = frame.getClassName();
    int lastDot = className.lastIndexOf('.');
    String pkg = lastDot < 0 ? "" : className.substring(0, lastDot);
    return pkg.equals(TETHER_PACKAGE) || pkg.equals(INTERNAL_PACKAGE);
  }
}
