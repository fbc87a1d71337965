package dev.tether;

import static dev.tether.Asserts.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.modulepath.ModulePathEventsProbe;
import dev.tether.modulepath.ModulePathProbe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tether as a named module on the module path, with only the modules it requires observable
 * ({@code java.base}, {@code java.management} and {@code jdk.jfr}; no {@code jdk.unsupported}): a
 * serial lane works there, Tether's JFR events are recorded (from a package it does not export),
 * and the child JVM prints nothing on stderr (no {@code sun.misc.Unsafe} warning, which JDK 24 and
 * newer print at the first Unsafe memory access).
 */
class ModulePathTest {
  @Test
  void serialLane_onTheModulePathWithOnlyRequiredModules_works(@TempDir Path dir) throws Exception {
    assertContains(
        runOnModulePath(ModulePathProbe.class, dir), "module dev.tether delivered hello");
  }

  @Test
  void jfrEvents_onTheModulePath_areRecorded(@TempDir Path dir) throws Exception {
    assertContains(
        runOnModulePath(ModulePathEventsProbe.class, dir),
        "module dev.tether recorded 1 CallbackFailed events");
  }

  /**
   * Runs {@code probe}'s main in a child JVM where {@code dev.tether} is a named module and the
   * only observable modules are it and what it requires; returns its output, after checking that
   * it exited 0 and printed nothing on stderr (no warning either).
   */
  private static String runOnModulePath(Class<?> probe, Path dir) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path stderr = dir.resolve("stderr.txt");
    Process process =
        new ProcessBuilder(
                List.of(
                    java,
                    "--module-path",
                    locationOf(CallbackSlot.class),
                    "--limit-modules",
                    "dev.tether",
                    "--add-modules",
                    "dev.tether",
                    "-cp",
                    locationOf(probe),
                    probe.getName()))
            .redirectError(stderr.toFile())
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(
        process.waitFor(TestThread.BOUND.toSeconds(), TimeUnit.SECONDS), "child JVM did not end");
    String errors = Files.readString(stderr, StandardCharsets.UTF_8);
    assertEquals(0, process.exitValue(), output + errors);
    assertEquals("", errors, "the child JVM printed on stderr");
    return output;
  }

  private static String locationOf(Class<?> type) throws Exception {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }
}
