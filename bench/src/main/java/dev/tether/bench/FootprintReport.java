package dev.tether.bench;

import dev.tether.CallbackSlot;
import dev.tether.Lifecycle;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.openjdk.jol.vm.VM;

/**
 * Retained size of a {@link CallbackSlot}: empty, with a callback, and after the first
 * {@code invoke} (which adds the invoking thread's record). Two independent methods:
 * <ol>
 *   <li><b>Object graph</b> (JOL sizes): everything reachable from the slot that is not also
 *       reachable from a twin slot built the same way, so shared objects (the name literal, the
 *       default policy, the invoking {@code Thread}, static sentinels) are not counted. Prints
 *       each object, so the breakdown is visible.
 *   <li><b>Heap delta</b>: the live heap after a full GC, before and after creating
 *       {@value #COUNT} slots, divided by their number.
 * </ol>
 * Not a JMH benchmark: sizes are deterministic, one run suffices.
 *
 * <p>Run: {@code java -XX:+UseSerialGC -Djdk.attach.allowAttachSelf=true
 * --add-exports java.base/jdk.internal.vm.annotation=ALL-UNNAMED
 * --add-opens java.base/java.util=ALL-UNNAMED
 * -cp bench/target/benchmarks.jar dev.tether.bench.FootprintReport} (the opening lets the walk
 * enter {@code java.util} collections, such as a node's map of children)
 */
public final class FootprintReport {
  static final int COUNT = 1_000_000;
  private static final String NAME = "footprint";

  /** A callback that captures nothing but is a distinct object per slot, as a user's would be. */
  static final class OwnCallback implements Consumer<Counter> {
    @Override
    public void accept(Counter counter) {
      counter.n++;
    }
  }

  private FootprintReport() {}

  public static void main(String[] args) throws Exception {
    System.out.println(
        "# CallbackSlot footprint ("
            + System.getProperty("java.vm.name")
            + " "
            + System.getProperty("java.version")
            + ", "
            + VM.current().details().split("\n")[0]
            + ")");
    System.out.println();
    System.out.println("## Object graph (exclusive to one slot; JOL sizes)");
    long callbackSize = VM.current().sizeOf(new OwnCallback());
    long empty = graph("empty slot", slot -> {});
    long withCallback =
        graph("slot with a callback, never invoked", slot -> slot.set(new OwnCallback()));
    long invoked =
        graph(
            "slot with a callback, invoked once by one thread",
            slot -> {
              slot.set(new OwnCallback());
              slot.invoke(new Counter());
            });
    long invokedTwo =
        graph(
            "slot with a callback, invoked by two threads",
            slot -> {
              slot.set(new OwnCallback());
              slot.invoke(new Counter());
              runOnSecondThread(() -> slot.invoke(new Counter()));
            });
    System.out.println();
    System.out.printf("graph: callback object itself           %4d B%n", callbackSize);
    System.out.printf("graph: empty slot                       %4d B%n", empty);
    System.out.printf("graph: with callback (incl. callback)   %4d B%n", withCallback);
    System.out.printf(
        "graph: with callback, beyond callback   %4d B   (target <= 48)%n",
        withCallback - callbackSize);
    System.out.printf(
        "graph: + first invoke, beyond callback  %4d B   (adds an inline record)%n",
        invoked - callbackSize);
    System.out.printf("graph: + 2nd thread, beyond callback    %4d B%n", invokedTwo - callbackSize);

    System.out.println();
    System.out.println("## Lifecycle node: (root holding the node) minus (empty root)");
    long emptyRoot = graphOf("empty root", () -> Lifecycle.root("footprint"));
    long node =
        graphOf(
                "root with one child node, no slots",
                () -> {
                  Lifecycle root = Lifecycle.root("footprint");
                  root.child("conn");
                  return root;
                })
            - emptyRoot;
    long nodeWith4 =
        graphOf(
                "root with one child node with 4 empty slots",
                () -> {
                  Lifecycle root = Lifecycle.root("footprint");
                  Lifecycle child = root.child("conn");
                  child.slot("onOpen");
                  child.slot("onMessage");
                  child.slot("onClosed");
                  child.slot("onError");
                  return root;
                })
            - emptyRoot;
    System.out.printf("graph: node, no slots                   %4d B%n", node);
    System.out.printf(
        "graph: node with 4 empty slots          %4d B   (target <= 400)%n", nodeWith4);

    System.out.println();
    System.out.println("## Heap delta over " + COUNT + " slots (bytes per slot)");
    heapDelta();
  }

  /** One long-lived second thread, so the twin slot shares that Thread object too. */
  private static final ExecutorService SECOND_THREAD =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "second-invoker");
            t.setDaemon(true);
            return t;
          });

  private static void runOnSecondThread(Runnable action) {
    try {
      SECOND_THREAD.submit(action).get();
    } catch (InterruptedException | ExecutionException e) {
      throw new AssertionError(e);
    }
  }

  private static long graph(String label, Consumer<CallbackSlot<Counter>> prepare) {
    return graphOf(
        label,
        () -> {
          CallbackSlot<Counter> slot = CallbackSlot.create(NAME);
          prepare.accept(slot);
          return slot;
        });
  }

  /**
   * The bytes exclusive to one object built by {@code factory}: reachable from it and not from a
   * twin built the same way.
   */
  static long graphOf(String label, java.util.function.Supplier<Object> factory) {
    Object subject = factory.get();
    Object twin = factory.get();
    Set<Object> shared = reachable(twin, null);
    List<Object> own = new ArrayList<>();
    reachable(subject, own);
    long total = 0;
    StringBuilder lines = new StringBuilder();
    for (Object o : own) {
      if (shared.contains(o)) {
        continue;
      }
      long size = VM.current().sizeOf(o);
      total += size;
      lines.append(String.format("    %4d B  %s%n", size, describe(o)));
    }
    System.out.printf("%s: %d B%n%s", label, total, lines);
    return total;
  }

  private static String describe(Object o) {
    Class<?> c = o.getClass();
    String name = c.getName();
    if (c.isArray()) {
      return c.getComponentType().getName() + "[" + Array.getLength(o) + "]";
    }
    return name.replaceAll("\\$\\$Lambda\\$.*", "\\$\\$Lambda");
  }

  /**
   * Objects reachable from {@code root}, descending into project objects, reference arrays and
   * {@code java.util} collections (a node keeps its children in a map); other JDK objects
   * (strings, threads, locks, futures) are counted shallowly, never entered: the slot owns none
   * that it does not reach through its own fields.
   */
  private static Set<Object> reachable(Object root, List<Object> order) {
    Set<Object> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    ArrayDeque<Object> work = new ArrayDeque<>();
    work.add(root);
    while (!work.isEmpty()) {
      Object o = work.poll();
      if (!seen.add(o)) {
        continue;
      }
      if (order != null) {
        order.add(o);
      }
      Class<?> c = o.getClass();
      if (c.isArray()) {
        if (!c.getComponentType().isPrimitive()) {
          for (int i = 0, n = Array.getLength(o); i < n; i++) {
            Object e = Array.get(o, i);
            if (e != null) {
              work.add(e);
            }
          }
        }
        continue;
      }
      if (!entered(c)) {
        continue;
      }
      for (Class<?> k = c; k != null && entered(k); k = k.getSuperclass()) {
        for (Field f : k.getDeclaredFields()) {
          if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
            continue;
          }
          try {
            f.setAccessible(true);
            Object v = f.get(o);
            if (v != null) {
              work.add(v);
            }
          } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException(
                "cannot read " + f + ": run on the class path with --add-opens java.base/java.util",
                e);
          }
        }
      }
    }
    return seen;
  }

  /** Project classes and {@code java.util}'s own (collections), not its subpackages. */
  private static boolean entered(Class<?> c) {
    return !isJdk(c) || c.getPackageName().equals("java.util");
  }

  private static boolean isJdk(Class<?> c) {
    String n = c.getName();
    return n.startsWith("java.")
        || n.startsWith("javax.")
        || n.startsWith("jdk.")
        || n.startsWith("sun.");
  }

  // ---- heap delta ----

  private static void heapDelta() {
    @SuppressWarnings("unchecked")
    CallbackSlot<Counter>[] slots = new CallbackSlot[COUNT];
    OwnCallback[] callbacks = new OwnCallback[COUNT];
    Counter value = new Counter();
    for (int i = 0; i < COUNT; i++) { // warm up allocation paths and class loading, then drop
      CallbackSlot<Counter> warm = CallbackSlot.create(NAME);
      warm.set(new OwnCallback());
      warm.invoke(value);
    }
    long base = used();
    for (int i = 0; i < COUNT; i++) {
      slots[i] = CallbackSlot.create(NAME);
    }
    long afterCreate = used();
    for (int i = 0; i < COUNT; i++) {
      callbacks[i] = new OwnCallback();
    }
    long afterCallbacks = used();
    for (int i = 0; i < COUNT; i++) {
      slots[i].set(callbacks[i]);
    }
    long afterSet = used();
    for (int i = 0; i < COUNT; i++) {
      slots[i].invoke(value);
    }
    long afterInvoke = used();
    runOnSecondThread(
        () -> {
          Counter v = new Counter();
          for (int i = 0; i < COUNT; i++) {
            slots[i].invoke(v);
          }
        });
    long afterSecond = used();
    double n = COUNT;
    double emptySlot = (afterCreate - base) / n;
    double callback = (afterCallbacks - afterCreate) / n;
    double registration = (afterSet - afterCallbacks) / n;
    double record = (afterInvoke - afterSet) / n;
    double secondRecord = (afterSecond - afterInvoke) / n;
    System.out.printf("heap: empty slot                       %6.1f B%n", emptySlot);
    System.out.printf("heap: callback object itself           %6.1f B%n", callback);
    System.out.printf("heap: set() adds                       %6.1f B%n", registration);
    System.out.printf(
        "heap: with callback, beyond callback   %6.1f B   (target <= 48)%n",
        emptySlot + registration);
    System.out.printf("heap: first invoke adds                %6.1f B%n", record);
    System.out.printf(
        "heap: + first invoke, beyond callback  %6.1f B%n", emptySlot + registration + record);
    System.out.printf("heap: a second invoking thread adds    %6.1f B%n", secondRecord);
    // keep everything reachable until the last measurement
    if (slots[COUNT - 1].isClosed() || callbacks[0] == null) {
      System.out.println();
    }
  }

  private static long used() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    for (int i = 0; i < 4; i++) {
      System.gc();
    }
    return memory.getHeapMemoryUsage().getUsed();
  }
}
