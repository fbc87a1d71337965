package dev.tether;

import static dev.tether.Asserts.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
 * ({@code java.base} and {@code java.management}; no {@code jdk.unsupported}): a serial lane
 * works there, and the child JVM prints nothing on stderr (no {@code sun.misc.Unsafe} warning,
 * which JDK 24 and newer print at the first Unsafe memory access).
 */
class ModulePathTest {
  @Test
  void serialLaneWorksOnTheModulePathWithOnlyRequiredModulesObservable(@TempDir Path dir)
      throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path stderr = dir.resolve("stderr.txt");
    Process process = new ProcessBuilder(List.of(java,
        "--module-path", locationOf(CallbackSlot.class),
        "--limit-modules", "dev.tether",
        "--add-modules", "dev.tether",
        "-cp", locationOf(ModulePathProbe.class),
        ModulePathProbe.class.getName()))
        .redirectError(stderr.toFile())
        .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(TestThread.BOUND.toSeconds(), TimeUnit.SECONDS),
        "child JVM did not end");
    String errors = Files.readString(stderr, StandardCharsets.UTF_8);
    assertEquals(0, process.exitValue(), output + errors);
    assertContains(output, "module dev.tether delivered hello");
    assertEquals("", errors, "the child JVM printed on stderr");
  }

  private static String locationOf(Class<?> type) throws Exception {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }
}
