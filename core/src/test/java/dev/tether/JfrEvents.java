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
    try (Recording recording = start(eventName)) {
      action.run();
      recording.stop();
      return read(recording, eventName);
    }
  }

  /** A started recording of {@code eventName}, threshold 0; the caller stops and closes it. */
  static Recording start(String eventName) {
    Recording recording = new Recording();
    recording.enable(eventName).withThreshold(Duration.ZERO);
    recording.start();
    return recording;
  }

  /** The events named {@code eventName} in {@code stopped}, read back through a file. */
  static List<RecordedEvent> read(Recording stopped, String eventName) throws Exception {
    Path file = Files.createTempFile("tether-events", ".jfr");
    try {
      stopped.dump(file);
      return RecordingFile.readAllEvents(file).stream()
          .filter(event -> event.getEventType().getName().equals(eventName))
          .collect(Collectors.toList());
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
