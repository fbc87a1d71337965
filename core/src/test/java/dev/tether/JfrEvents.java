package dev.tether;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;

/** Records Tether's JFR events while a test's action runs, and reads them back. */
final class JfrEvents {
  private JfrEvents() {}

  /**
   * Runs {@code action} with {@code eventName} enabled (threshold 0) and returns the events of
   * that name it committed, read back from the recording's file with {@code jdk.jfr.consumer}.
   */
  static List<RecordedEvent> during(String eventName, TestThread.Task action) throws Throwable {
    Path file = Files.createTempFile("tether-events", ".jfr");
    try (Recording recording = new Recording()) {
      recording.enable(eventName).withThreshold(Duration.ZERO);
      recording.start();
      action.run();
      recording.stop();
      recording.dump(file);
      return RecordingFile.readAllEvents(file).stream()
          .filter(event -> event.getEventType().getName().equals(eventName))
          .collect(Collectors.toList());
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
