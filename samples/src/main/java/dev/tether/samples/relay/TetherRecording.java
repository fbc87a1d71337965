package dev.tether.samples.relay;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jdk.jfr.Recording;

/**
 * A JDK Flight Recorder recording of Tether's events ({@code dev.tether.*}) for the relay
 * demo's {@code --jfr FILE}: started before the run, written to the file after it. Read it with
 * {@code jfr print --events 'dev.tether.*' FILE}, or open it in JDK Mission Control.
 *
 * <p><b>Note:</b> not thread-safe; the demo's main thread starts and stops it.
 */
final class TetherRecording implements AutoCloseable {
  /** Tether's event names, a public contract (design guide, "Diagnosing hangs"). */
  static final List<String> EVENTS =
      List.of(
          "dev.tether.WaitStalled",
          "dev.tether.CallbackDeadlock",
          "dev.tether.WaitCycleSkipped",
          "dev.tether.SlotWait",
          "dev.tether.LifecycleClose",
          "dev.tether.CallbackFailed",
          "dev.tether.Leak");

  private final Recording recording = new Recording();
  private final Path file;

  /**
   * Starts recording every Tether event, the duration events (a slot wait, a close walk) however
   * short: a demo shows them all. An application keeps their default threshold, 20 ms.
   */
  TetherRecording(Path file) {
    this.file = file;
    recording.setName("tether-relay-demo");
    for (String event : EVENTS) {
      recording.enable(event).withThreshold(Duration.ZERO);
    }
    recording.start();
  }

  /** Stops the recording and writes it to the file; returns the file. */
  Path finish() throws IOException {
    recording.stop();
    recording.dump(file);
    return file;
  }

  @Override
  public void close() {
    recording.close();
  }
}
