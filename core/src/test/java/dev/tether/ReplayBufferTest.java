package dev.tether;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

/**
 * {@link ReplayBuffer#putBack}: a kept value taken for delivery, whose callback was removed before
 * it could run, goes back where it was (review finding: it used to be re-offered, so a stale value
 * overwrote a newer one under {@code latest()} and moved to the back under {@code buffered(n)}).
 */
class ReplayBufferTest {

  @Test
  void putBack_latestAfterNewerValueArrived_newerWinsAndOlderIsCountedDropped() {
    ReplayBuffer buffer = Replay.latest().newBuffer();
    buffer.offer("v1");
    Object taken = buffer.take();
    buffer.offer("v2"); // arrives while v1 is being delivered
    buffer.putBack(taken); // v1's callback was removed meanwhile
    assertEquals("v2", buffer.take());
    assertEquals(1, buffer.dropped());
  }

  @Test
  void putBack_latestIntoEmptyBuffer_keepsTheValue() {
    ReplayBuffer buffer = Replay.latest().newBuffer();
    buffer.offer("v1");
    buffer.putBack(buffer.take());
    assertEquals("v1", buffer.take());
    assertEquals(0, buffer.dropped());
  }

  @Test
  void putBack_buffered_returnsValuesToTheFrontInOrder() {
    ReplayBuffer buffer = Replay.buffered(3).newBuffer();
    buffer.offer(1);
    buffer.offer(2);
    Object first = buffer.take();
    buffer.offer(3);
    buffer.putBack(first);
    assertEquals(1, buffer.take());
    assertEquals(2, buffer.take());
    assertEquals(3, buffer.take());
    assertSame(ReplayBuffer.EMPTY, buffer.take());
  }

  @Test
  void putBack_bufferedAndFull_dropsItAsTheOldest() {
    ReplayBuffer buffer = Replay.buffered(2).newBuffer();
    buffer.offer(1);
    buffer.offer(2);
    Object first = buffer.take();
    buffer.offer(3);
    buffer.putBack(first);
    assertEquals(2, buffer.take());
    assertEquals(3, buffer.take());
    assertEquals(1, buffer.dropped());
  }
}
