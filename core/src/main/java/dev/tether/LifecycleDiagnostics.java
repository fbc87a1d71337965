package dev.tether;

import dev.tether.internal.ThreadNames;
import dev.tether.internal.WaitForGraph;
import dev.tether.internal.events.LeakEvent;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link Lifecycle} tells about itself: leak reports (log line, JFR event, listeners) and
 * the text of {@link Lifecycle#dump()}. Thread-safe: the listeners are a copy-on-write list, and a
 * dump reads each node under its own lock.
 */
final class LifecycleDiagnostics {
  private static final System.Logger LOG = System.getLogger("dev.tether.Lifecycle");
  private static final List<Consumer<? super LeakReport>> LEAK_LISTENERS =
      new CopyOnWriteArrayList<>();

  private LifecycleDiagnostics() {}

  /** See {@link Lifecycle#addLeakListener}; {@code listener} is not null. */
  static AutoCloseable addLeakListener(Consumer<? super LeakReport> listener) {
    LEAK_LISTENERS.add(listener);
    return () -> LEAK_LISTENERS.remove(listener);
  }

  /**
   * Reports the node at {@code path} as leaked: a WARNING, the JFR event, then every listener (a
   * listener that throws is logged and the others still run).
   */
  static void reportLeak(String path, @Nullable Throwable creationSite) {
    LeakReport report = new LeakReport(path, creationSite);
    LOG.log(Level.WARNING, report.toString(), creationSite);
    LeakEvent event = new LeakEvent();
    if (event.shouldCommit()) {
      event.target = path;
      event.creationSite = creationSite == null ? "" : frames(creationSite);
      event.commit();
    }
    for (Consumer<? super LeakReport> listener : LEAK_LISTENERS) {
      try {
        listener.accept(report);
      } catch (RuntimeException e) {
        LOG.log(Level.ERROR, "leak listener threw", e);
      }
    }
  }

  /** {@code site}'s stack, one {@code at} line a frame. */
  private static String frames(Throwable site) {
    StringBuilder text = new StringBuilder();
    for (StackTraceElement frame : site.getStackTrace()) {
      text.append(text.length() == 0 ? "at " : "\nat ").append(frame);
    }
    return text.toString();
  }

  /** The text of {@link Lifecycle#dump()}: one line per node, depth first, oldest child first. */
  static String dump(Lifecycle root) {
    StringBuilder text = new StringBuilder();
    ArrayDeque<Lifecycle> pending = new ArrayDeque<>();
    pending.push(root);
    while (!pending.isEmpty()) {
      Lifecycle node = pending.pop();
      dumpLine(node, text);
      List<Lifecycle> children = node.children();
      for (int i = children.size() - 1; i >= 0; i--) {
        pending.push(children.get(i));
      }
    }
    return text.toString();
  }

  private static void dumpLine(Lifecycle node, StringBuilder text) {
    Thread closingThread = node.closingThread();
    String path = node.path();
    text.append(path).append(" [").append(node.state()).append(']');
    Delivery delivery = node.delivery();
    Lifecycle parent = node.parentNode();
    if (delivery.isSerial() && (parent == null || parent.delivery() != delivery)) {
      text.append(" lane ")
          .append(delivery.name())
          .append(" (queued ")
          .append(delivery.queuedCount())
          .append(", discarded ")
          .append(delivery.discardedCount())
          .append(')');
    }
    CallbackSlot<?>[] ownSlots = node.slotsSnapshot();
    if (ownSlots.length > 0) {
      text.append(" slots:");
      String prefix = path + "/";
      for (CallbackSlot<?> s : ownSlots) {
        String local = s.name().startsWith(prefix) ? s.name().substring(prefix.length()) : s.name();
        text.append(' ')
            .append(local)
            .append('(')
            .append(s.isClosed() ? "closed" : s.isSet() ? "set" : "empty")
            .append(')');
      }
    }
    if (closingThread != null) {
      text.append("\n  closing on ").append(ThreadNames.describe(closingThread));
      String wait = WaitForGraph.describeWait(closingThread);
      if (wait != null) {
        text.append(", which ").append(wait.replace("\n", "\n  "));
      }
    }
    text.append('\n');
  }

  /**
   * A resource as a reader knows it: its class's simple name, or, for a lambda or an anonymous
   * class, "a lambda" or "an anonymous AutoCloseable" from the class that wrote it.
   */
  static String describeResource(Object resource) {
    String className = resource.getClass().getName();
    int lambda = className.indexOf("$$Lambda");
    if (lambda >= 0) {
      return "a lambda from " + simpleName(className.substring(0, lambda));
    }
    String simple = resource.getClass().getSimpleName();
    if (simple.isEmpty()) {
      String enclosing = className.replaceAll("\\$\\d+$", "");
      return "an anonymous AutoCloseable from " + simpleName(enclosing);
    }
    return simple;
  }

  private static String simpleName(String binaryName) {
    return binaryName.substring(binaryName.lastIndexOf('.') + 1);
  }
}
