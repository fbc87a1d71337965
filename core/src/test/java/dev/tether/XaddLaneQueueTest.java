package dev.tether;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Method;
import java.util.concurrent.CyclicBarrier;
import org.junit.jupiter.api.Test;

/**
 * The lane's queue on its own: pairs stay pairs and in order across chunk boundaries, with
 * chunks recycled, and with two producers at once. The lane's use of it is tested through
 * {@link Delivery} (DeliveryTest) and the lane jcstress harnesses.
 */
class XaddLaneQueueTest {
  private static final int CALLS_PER_CHUNK = XaddLaneQueue.CHUNK_ELEMENTS / 2;

  @Test
  void pollHeader_emptyQueue_returnsNullAndQueueIsEmpty() {
    XaddLaneQueue queue = new XaddLaneQueue();

    assertNull(queue.pollHeader());
    assertTrue(queue.isEmpty());
    assertEquals(0, queue.size());
  }

  @Test
  void offer_backlogSpanningMoreChunksThanThePool_pollsEveryPairInOrder() {
    XaddLaneQueue queue = new XaddLaneQueue();
    int calls = CALLS_PER_CHUNK * (XaddLaneQueue.POOLED_CHUNKS + 3) + 7;
    Integer[] headers = new Integer[calls];
    String[] values = new String[calls];
    for (int round = 0; round < 3; round++) { // later rounds run on recycled chunks
      for (int i = 0; i < calls; i++) {
        headers[i] = i;
        values[i] = "v" + i;
        queue.offer(headers[i], values[i]);
      }
      assertEquals(calls, queue.size());
      assertFalse(queue.isEmpty());
      for (int i = 0; i < calls; i++) {
        assertSame(headers[i], queue.pollHeader(), "header of call " + i);
        assertSame(values[i], queue.pollValue(), "value of call " + i);
      }
      assertNull(queue.pollHeader());
      assertTrue(queue.isEmpty());
      assertEquals(0, queue.size());
    }
  }

  @Test
  void offer_steadyLaneAcrossManyChunks_allocatesNoChunks() throws Exception {
    XaddLaneQueue queue = new XaddLaneQueue();
    Object header = new Object();
    Object value = new Object();
    int calls = CALLS_PER_CHUNK * 400; // 400 chunk boundaries
    offerAndPoll(queue, header, value, calls); // warm up: the second chunk is allocated here
    long id = Thread.currentThread().getId();

    long before = allocatedBytes(id);
    offerAndPoll(queue, header, value, calls);
    long allocated = allocatedBytes(id) - before;

    // A chunk is about 2 KB; one per boundary would be about 800 KB. Allow counter noise only.
    assertTrue(allocated < 16 * 1024, "allocated " + allocated + " bytes for " + calls + " calls");
  }

  @Test
  void offer_twoProducersAcrossChunks_keepsEveryPairAndEachProducersOrder() throws Exception {
    XaddLaneQueue queue = new XaddLaneQueue();
    int perProducer = CALLS_PER_CHUNK * 200;
    Integer[] numbers = new Integer[perProducer];
    for (int i = 0; i < perProducer; i++) {
      numbers[i] = i;
    }
    String[] producerNames = {"a", "b"};
    CyclicBarrier start = new CyclicBarrier(3);
    TestThread[] producers = new TestThread[2];
    for (int p = 0; p < 2; p++) {
      String name = producerNames[p];
      producers[p] =
          TestThread.start(
              "producer-" + name,
              () -> {
                TestThread.awaitBarrier(start);
                for (int i = 0; i < perProducer; i++) {
                  queue.offer(
                      name, numbers[i]); // header: who; value: the producer's sequence number
                }
              });
    }
    int[] next = new int[2];
    TestThread.awaitBarrier(start);
    long deadline = System.nanoTime() + TestThread.BOUND.toNanos();
    int received = 0;
    while (received < 2 * perProducer) {
      Object header = queue.pollHeader();
      if (header == null) {
        assertTrue(System.nanoTime() < deadline, "received only " + received + " calls");
        Thread.onSpinWait();
        continue;
      }
      int p = header == producerNames[0] ? 0 : 1;
      assertSame(producerNames[p], header);
      assertSame(numbers[next[p]], queue.pollValue(), "producer " + header + "'s order");
      next[p]++;
      received++;
    }
    for (TestThread producer : producers) {
      producer.joinOrFail();
    }
    assertNull(queue.pollHeader());
    assertTrue(queue.isEmpty());
    assertEquals(perProducer, next[0]);
    assertEquals(perProducer, next[1]);
  }

  /**
   * HotSpot's per-thread allocation counter, through reflection: core's tests compile inside
   * module dev.tether, which does not read jdk.management.
   */
  private static long allocatedBytes(long threadId) throws ReflectiveOperationException {
    Class<?> bean;
    try {
      bean = Class.forName("com.sun.management.ThreadMXBean");
    } catch (ClassNotFoundException e) {
      bean = null;
    }
    assumeTrue(
        bean != null && bean.isInstance(ManagementFactory.getThreadMXBean()),
        "needs per-thread allocation counters");
    Method method = bean.getMethod("getThreadAllocatedBytes", long.class);
    return (long) method.invoke(ManagementFactory.getThreadMXBean(), threadId);
  }

  private static void offerAndPoll(XaddLaneQueue queue, Object header, Object value, int calls) {
    for (int i = 0; i < calls; i++) {
      queue.offer(header, value);
      assertSame(header, queue.pollHeader());
      assertSame(value, queue.pollValue());
    }
  }
}
