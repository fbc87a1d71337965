package dev.tether.samples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.tether.CallbackSlot;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The Java example of docs/README.md's tour, run and checked. */
class TourExamplesTest {

  @Test
  void slot_resetMeansNeverAgain_andALateValueIsCounted() {
    List<String> received = new CopyOnWriteArrayList<>();
    // @start region="tour"
    CallbackSlot<String> onMessage = CallbackSlot.create("conn-42/onMessage");
    onMessage.set(received::add);                 // any thread: set, replace, reset, invoke
    onMessage.invoke("hello");                    // the I/O thread: runs it here, holds no lock
    onMessage.reset();                            // returns once it runs nowhere, ever again
    boolean delivered = onMessage.invoke("late"); // false: nobody listens; counted as dropped
    // @end region="tour"
    assertEquals(List.of("hello"), received);
    assertFalse(delivered);
    assertEquals(1, onMessage.droppedCount());
  }
}
