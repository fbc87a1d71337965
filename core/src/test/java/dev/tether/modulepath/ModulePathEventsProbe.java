package dev.tether.modulepath;

import dev.tether.CallbackSlot;
import java.nio.file.Files;
import java.nio.file.Path;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/**
 * Run by {@code ModulePathTest} in a child JVM where {@code dev.tether} is a named module: records
 * {@code dev.tether.CallbackFailed} while a callback throws, and prints how many such events the
 * recording holds. JFR drops the events of a class it cannot register without a word, so only
 * reading them back shows that Tether's events work on the module path.
 */
public final class ModulePathEventsProbe {
  private ModulePathEventsProbe() {}

  public static void main(String[] args) throws Exception {
    CallbackSlot<String> slot =
        CallbackSlot.<String>builder("probe/onMessage").errorHandler((s, error) -> {}).build();
    slot.set(
        value -> {
          throw new IllegalStateException("probe " + value);
        });
    Path file = Files.createTempFile("tether-module-path", ".jfr");
    try (Recording recording = new Recording()) {
      recording.enable("dev.tether.CallbackFailed");
      recording.start();
      slot.invoke("x");
      recording.stop();
      recording.dump(file);
      long events = 0;
      for (RecordedEvent event : RecordingFile.readAllEvents(file)) {
        if (event.getEventType().getName().equals("dev.tether.CallbackFailed")
            && event.getString("target").equals("probe/onMessage")) {
          events++;
        }
      }
      System.out.println(
          "module "
              + CallbackSlot.class.getModule().getName()
              + " recorded "
              + events
              + " CallbackFailed events");
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
