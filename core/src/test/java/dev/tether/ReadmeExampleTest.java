package dev.tether;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The examples of README.md and the behaviour the README promises. The README shows the regions
 * of this file marked {@code // @start region=...}; the samples module's {@code DocSnippetsTest}
 * fails if the two differ (the snippet rule, docs/README.md).
 */
class ReadmeExampleTest {

  @Test
  void channel_lateOpenListener_seesOpenOnce() {
    Channel channel = new Channel();
    channel.fireOpen();
    AtomicInteger opens = new AtomicInteger();
    channel.onOpen(opens::incrementAndGet);
    channel.onOpen(opens::incrementAndGet);
    assertEquals(1, opens.get());
  }

  @Test
  void channel_closeFromInsideOwnListener_returnsAndStopsDelivery() {
    Channel channel = new Channel();
    List<Integer> seen = new ArrayList<>();
    channel.onMessage(data -> {
      seen.add(data.remaining());
      channel.close();
    });
    channel.fireMessage(ByteBuffer.allocate(3));
    channel.fireMessage(ByteBuffer.allocate(5));
    assertEquals(List.of(3), seen);
    assertThrows(IllegalStateException.class, () -> channel.onMessage(data -> { }),
        "the slot is closed: a new listener is refused");
  }

  @Test
  void close_lifecycleExample_closesSocketAfterSlots() throws Exception {
    List<String> closed = new ArrayList<>();
    AutoCloseable socket = () -> closed.add("socket");
    // @start region="lifecycle"
    Lifecycle app = Lifecycle.root("app");
    Lifecycle conn = app.child("conn-42");        // closed before app's own slots and resources
    CallbackSlot<ByteBuffer> onMessage = conn.slot("onMessage");
    conn.own(socket);                             // closed after conn's slots
    app.close();                                  // everything, children first: replaces rtc::Cleanup()
    // @end region="lifecycle"
    assertEquals(List.of("socket"), closed);
    assertTrue(onMessage.isClosed());
  }

  @Test
  void close_laneExampleFromItsOwnCallbackOnTheExecutor_returns() {
    DeliveryTest.ManualExecutor callbackPool = new DeliveryTest.ManualExecutor();
    // @start region="lane"
    Lifecycle peer = Lifecycle.root("peer-7", Delivery.serialOn(callbackPool));
    CallbackSlot<String> onText = peer.slot("onText");     // on peer's lane
    CallbackSlot<Void> onClosed = peer.slot("onClosed");   // same lane: never overlaps onText
    onText.set(text -> { if (text.equals("bye")) peer.close(); }); // does not wait for itself
    onText.invoke("bye");                                  // queued; returns at once
    // @end region="lane"
    assertEquals(Lifecycle.State.OPEN, peer.state());
    assertEquals(1, callbackPool.runAll());
    assertEquals(Lifecycle.State.CLOSED, peer.state());
    assertTrue(onClosed.isClosed());
  }
}

// The README's first example, top level here so that the README can show it as written.
// @start region="channel"
final class Channel implements AutoCloseable {
  private final CallbackSlot<ByteBuffer> onMessage = CallbackSlot.create("channel/onMessage");
  private final CallbackSlot<Void> onOpen =
      CallbackSlot.<Void>builder("channel/onOpen").replay(Replay.latest()).build();

  /** User API: a late listener still sees the open event, exactly once. */
  public void onOpen(Runnable listener) { onOpen.set(ignored -> listener.run()); }
  public void onMessage(Consumer<ByteBuffer> listener) { onMessage.set(listener); }

  /** Called by the I/O thread. */
  void fireOpen() { onOpen.invoke(null); }
  void fireMessage(ByteBuffer data) { onMessage.invoke(data); }

  /** From outside every listener: on return, no listener of this channel runs or will run. */
  @Override public void close() { onMessage.close(); onOpen.close(); }
}
// @end region="channel"
