package dev.tether.internal;

import java.lang.management.ManagementFactory;
import java.lang.management.PlatformManagedObject;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The lock edges of one JSON thread dump ({@code HotSpotDiagnosticMXBean.dumpThreads}): which
 * thread is blocked on which lock, and who owns it, for virtual threads too.
 *
 * <p><b>Note:</b> not thread-safe; a snapshot made and read by one prober.
 */
/*
 * Implementation notes
 *
 * ThreadMXBean sees no virtual thread. From JDK 25 on, the JSON thread dump gives every thread,
 * virtual ones included, the monitor it is blocked on ("blockedOn") and the monitors it owns
 * ("monitorsOwned"), each named as class@identity-hash; JDK 26 adds the owner of a park blocker
 * such as a ReentrantLock's synchronizer ("parkBlocker": {"object", "owner"}). A monitor edge is
 * "blockedOn X" and another thread's "monitorsOwned" listing X. The API is JDK-specific
 * (com.sun.management, jdk.management), so it is reached by reflection and may be absent: take()
 * then answers null and the wait stays a wait, which the stall report names. The dump walks every
 * thread (tens of milliseconds for tens of thousands of virtual threads), so a prober takes one
 * only for a virtual thread the cheaper sources could not explain, at most once per probe, and
 * probes run at doubling intervals up to a second. Known cost: the prober holds the wait-for
 * graph's lock throughout (WaitForGraph.probeLocks), so other threads entering or waking the
 * graph wait for the dump; taking it before the lock, for the prober's own blockers, is the
 * next step.
 */
final class ThreadDumpLocks {
  /** The first feature release whose JSON dump names monitors. */
  static final int MONITORS_SINCE = 25;

  /** The first feature release whose JSON dump names a park blocker's owner. */
  static final int PARK_BLOCKER_OWNERS_SINCE = 26;

  private final Map<String, Long> monitorOwners = new HashMap<>();
  private final Map<Long, String> blockedOn = new HashMap<>();
  private final Map<Long, LockOwnerProbe.LockEdge> parkBlockerOwners = new HashMap<>();

  private ThreadDumpLocks() {}

  /** Whether this JDK's dump can name the lock a virtual thread in {@code state} waits for. */
  static boolean canExplain(Thread.State state, boolean parkedOnSynchronizer) {
    int feature = Runtime.version().feature();
    return state == Thread.State.BLOCKED
        ? feature >= MONITORS_SINCE
        : parkedOnSynchronizer && feature >= PARK_BLOCKER_OWNERS_SINCE;
  }

  /** Takes a dump now; null if this JDK has no JSON thread dump or it failed. */
  static @Nullable ThreadDumpLocks take() {
    Path file = null;
    try {
      file = Files.createTempFile("tether-threads", ".json");
      Files.delete(file); // dumpThreads refuses to overwrite
      dumpTo(file);
      String json = Files.readString(file, StandardCharsets.UTF_8);
      ThreadDumpLocks locks = new ThreadDumpLocks();
      locks.read(MiniJson.parse(json));
      return locks;
    } catch (ReflectiveOperationException | RuntimeException | java.io.IOException e) {
      return null; // no such API here, or a dump we cannot read: nothing is explained
    } finally {
      if (file != null) {
        try {
          Files.deleteIfExists(file);
        } catch (java.io.IOException ignored) {
          // a temporary file left behind is all that is lost
        }
      }
    }
  }

  /** The lock {@code threadId} is blocked on and its owner, if the dump names both. */
  LockOwnerProbe.@Nullable LockEdge edgeOf(long threadId) {
    String monitor = blockedOn.get(threadId);
    if (monitor != null) {
      Long owner = monitorOwners.get(monitor);
      return owner == null ? null : new LockOwnerProbe.LockEdge(owner, monitor);
    }
    return parkBlockerOwners.get(threadId);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static void dumpTo(Path file) throws ReflectiveOperationException {
    Class<?> beanType = Class.forName("com.sun.management.HotSpotDiagnosticMXBean");
    Class<?> formatType =
        Class.forName("com.sun.management.HotSpotDiagnosticMXBean$ThreadDumpFormat");
    Object bean =
        ManagementFactory.getPlatformMXBean((Class<? extends PlatformManagedObject>) beanType);
    Object json = Enum.valueOf((Class) formatType, "JSON");
    Method dump = beanType.getMethod("dumpThreads", String.class, formatType);
    dump.invoke(bean, file.toAbsolutePath().toString(), json);
  }

  private void read(@Nullable Object root) {
    Object dump = field(root, "threadDump");
    for (Object container : list(field(dump, "threadContainers"))) {
      for (Object thread : list(field(container, "threads"))) {
        Object tid = field(thread, "tid");
        if (!(tid instanceof String tidText)) {
          continue;
        }
        long id = Long.parseLong(tidText);
        if (field(thread, "blockedOn") instanceof String monitor) {
          blockedOn.put(id, monitor);
        }
        for (Object owned : list(field(thread, "monitorsOwned"))) {
          for (Object lock : list(field(owned, "locks"))) {
            if (lock instanceof String lockName) {
              monitorOwners.put(lockName, id);
            }
          }
        }
        Object blocker = field(thread, "parkBlocker");
        if (field(blocker, "object") instanceof String object
            && field(blocker, "owner") instanceof String owner) {
          parkBlockerOwners.put(id, new LockOwnerProbe.LockEdge(Long.parseLong(owner), object));
        }
      }
    }
  }

  private static @Nullable Object field(@Nullable Object object, String name) {
    return object instanceof Map ? ((Map<?, ?>) object).get(name) : null;
  }

  private static List<?> list(@Nullable Object value) {
    return value instanceof List ? (List<?>) value : List.of();
  }
}
