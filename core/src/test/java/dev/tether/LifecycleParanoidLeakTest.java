package dev.tether;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.GcFinalization;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Leak reports carry the node's creation site when the JVM runs with
 * {@code -Ddev.tether.leaks=paranoid}. The flag is read once, when {@link Lifecycle} is loaded, so
 * core's pom runs this class in a surefire execution of its own with that property
 * ({@code paranoid-leaks}); in the default execution it is skipped.
 */
@EnabledIfSystemProperty(
    named = "dev.tether.leaks",
    matches = "paranoid",
    disabledReason = "runs in the paranoid-leaks surefire execution")
class LifecycleParanoidLeakTest {

  @Test
  void bindOwner_paranoid_leakReportCarriesTheCreationSite() throws Exception {
    List<LeakReport> reports = Collections.synchronizedList(new ArrayList<>());
    try (AutoCloseable listener = Lifecycle.addLeakListener(reports::add)) {
      createLeakedNode(Lifecycle.root("server"));
      GcFinalization.awaitDone(() -> !reports.isEmpty());
    }
    LeakReport report = reports.get(0);
    assertEquals("server/conn-9", report.path());
    Throwable site = report.creationSite().orElseThrow();
    assertTrue(
        Arrays.stream(site.getStackTrace())
            .anyMatch(frame -> frame.getMethodName().equals("createLeakedNode")),
        "creation site should show where the node was made: "
            + Arrays.toString(site.getStackTrace()));
  }

  private static void createLeakedNode(Lifecycle server) {
    server.child("conn-9").bindOwner(new Object());
  }
}
