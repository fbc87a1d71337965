package dev.tether;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** The example class of README.md, kept verbatim, and the behaviour the README promises. */
class ReadmeExampleTest {

  // --- README.md "A connection-like class using a slot", verbatim ---
  static final class Channel implements AutoCloseable {
    private final CallbackSlot<ByteBuffer> onMessage = CallbackSlot.create("channel/onMessage");
    private final CallbackSlot<Void> onOpen =
        CallbackSlot.<Void>builder("channel/onOpen").replay(Replay.latest()).build();

    /** User API: a late listener still sees the open event, exactly once. */
    public void onOpen(Runnable listener) { onOpen.set(ignored -> listener.run()); }
    public void onMessage(Consumer<ByteBuffer> listener) { onMessage.set(listener); }

    /** Called by the I/O thread. */
    void fireOpen() { onOpen.invoke(null); }
    void fireMessage(ByteBuffer data) { onMessage.invoke(data); }

    /** When this returns, no listener of this channel runs or will run, on any thread. */
    @Override public void close() { onMessage.close(); onOpen.close(); }
  }
  // --- end of README example ---

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
    assertFalse(channel.onMessage.isSet());
  }

  @Test
  void lifecycleExample_closesSocketAfterSlots() throws Exception {
    List<String> closed = new ArrayList<>();
    AutoCloseable socket = () -> closed.add("socket");
    // --- README.md Lifecycle example, verbatim ---
    Lifecycle app = Lifecycle.root("app");
    Lifecycle conn = app.child("conn-42");        // closed before app's own slots and resources
    CallbackSlot<ByteBuffer> onMessage = conn.slot("onMessage");
    conn.own(socket);                             // closed after conn's slots
    app.close();                                  // everything, children first: replaces rtc::Cleanup()
    // --- end of README Lifecycle example ---
    assertEquals(List.of("socket"), closed);
    org.junit.jupiter.api.Assertions.assertTrue(onMessage.isClosed());
    assertReadmeContainsBlock("Lifecycle example");
  }

  @Test
  void laneExample_closesFromItsOwnCallbackOnTheExecutor() throws Exception {
    DeliveryTest.ManualExecutor callbackPool = new DeliveryTest.ManualExecutor();
    // --- README.md lane example, verbatim ---
    Lifecycle peer = Lifecycle.root("peer-7", Delivery.serialOn(callbackPool));
    CallbackSlot<String> onText = peer.slot("onText");     // on peer's lane
    CallbackSlot<Void> onClosed = peer.slot("onClosed");   // same lane: never overlaps onText
    onText.set(text -> { if (text.equals("bye")) peer.close(); }); // does not wait for itself
    onText.invoke("bye");                                  // queued; returns at once
    // --- end of README lane example ---
    assertEquals(Lifecycle.State.OPEN, peer.state());
    assertEquals(1, callbackPool.runAll());
    assertEquals(Lifecycle.State.CLOSED, peer.state());
    org.junit.jupiter.api.Assertions.assertTrue(onClosed.isClosed());
    assertReadmeContainsBlock("lane example");
  }

  /** The lines between this test's markers for {@code name}, unindented, are in README.md. */
  private static void assertReadmeContainsBlock(String name) throws Exception {
    String readme = java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"));
    String source = java.nio.file.Files.readString(
        java.nio.file.Path.of("src/test/java/dev/tether/ReadmeExampleTest.java"));
    String begin = "// --- README.md " + name + ", verbatim ---\n";
    String example = source.substring(source.indexOf(begin) + begin.length(),
        source.indexOf("    // --- end of README " + name));
    String unindented = example.lines().map(line -> line.substring(4))
        .reduce((a, b) -> a + "\n" + b).orElseThrow();
    org.junit.jupiter.api.Assertions.assertTrue(readme.contains(unindented),
        "README.md's " + name + " differs from this test:\n" + unindented);
  }

  @Test
  void readme_containsThisExampleVerbatim() throws Exception {
    String readme = java.nio.file.Files.readString(java.nio.file.Path.of("..", "README.md"));
    String source = java.nio.file.Files.readString(
        java.nio.file.Path.of("src/test/java/dev/tether/ReadmeExampleTest.java"));
    String example = source.substring(
        source.indexOf("  static final class Channel"), source.indexOf("  // --- end of README"));
    String unindented = example.lines().map(line -> line.startsWith("  ") ? line.substring(2) : line)
        .map(line -> line.replace("static final class Channel", "final class Channel"))
        .reduce((a, b) -> a + "\n" + b).orElseThrow();
    org.junit.jupiter.api.Assertions.assertTrue(readme.contains(unindented),
        "README.md's example differs from ReadmeExampleTest.Channel:\n" + unindented);
  }
}
