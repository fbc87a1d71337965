package dev.tether;

import static dev.tether.Asserts.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.modulepath.ModulePathEventsProbe;
import dev.tether.modulepath.ModulePathProbe;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;
import org.junit.jupiter.api.Test;

/**
 * Tether as a named module on the module path, with only the modules it requires observable:
 * JCTools needs {@code jdk.unsupported}, which its own descriptor does not resolve
 * ({@code requires static}), so without Tether's {@code requires jdk.unsupported} the first serial
 * lane fails there with {@code NoClassDefFoundError: sun/misc/Unsafe}.
 */
class ModulePathTest {
  @Test
  void serialLaneWorksOnTheModulePathWithOnlyRequiredModulesObservable() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String modulePath = locationOf(CallbackSlot.class) + File.pathSeparator
        + locationOf(MpscUnboundedXaddArrayQueue.class);
    Process process = new ProcessBuilder(List.of(java,
        "--module-path", modulePath,
        "--limit-modules", "dev.tether",
        "--add-modules", "dev.tether",
        "-cp", locationOf(ModulePathProbe.class),
        ModulePathProbe.class.getName()))
        .redirectErrorStream(true)
        .start();
    assertTrue(process.waitFor(TestThread.BOUND.toSeconds(), TimeUnit.SECONDS),
        "child JVM did not end");
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, process.exitValue(), output);
    assertContains(output, "module dev.tether delivered hello");
  }

  @Test
  void jfrEventsAreRecordedOnTheModulePath() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process process = new ProcessBuilder(List.of(java,
        "--module-path", locationOf(CallbackSlot.class) + File.pathSeparator
            + locationOf(MpscUnboundedXaddArrayQueue.class),
        "--limit-modules", "dev.tether",
        "--add-modules", "dev.tether",
        "-cp", locationOf(ModulePathEventsProbe.class),
        ModulePathEventsProbe.class.getName()))
        .redirectErrorStream(true)
        .start();
    assertTrue(process.waitFor(TestThread.BOUND.toSeconds(), TimeUnit.SECONDS),
        "child JVM did not end");
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, process.exitValue(), output);
    assertContains(output, "module dev.tether recorded 1 CallbackFailed events");
  }

  private static String locationOf(Class<?> type) throws Exception {
    return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
  }
}
