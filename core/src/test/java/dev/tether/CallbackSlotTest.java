package dev.tether;

import static dev.tether.Asserts.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.NullPointerTester;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Unit tests for every clause of {@link CallbackSlot}'s contract except the deadlock rules. */
class CallbackSlotTest {

  @Nested
  class Creation {
    @Test
    void create_blankName_throwsIllegalArgumentException() {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> CallbackSlot.create("  "));
      assertTrue(e.getMessage().contains("blank"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> CallbackSlot.builder(""));
    }

    @Test
    void create_nullName_throwsNullPointerExceptionNamingTheParameter() {
      NullPointerException e =
          assertThrows(NullPointerException.class, () -> CallbackSlot.create(null));
      assertEquals("name", e.getMessage());
    }

    @Test
    void everyPublicMethod_nullArgument_throwsNullPointerException() throws Exception {
      NullPointerTester tester =
          new NullPointerTester()
              .setDefault(Delivery.class, Delivery.serial())
              .ignore(CallbackSlot.class.getMethod("invoke", Object.class)); // values may be null
      tester.testAllPublicStaticMethods(CallbackSlot.class);
      tester.testAllPublicInstanceMethods(CallbackSlot.create("npe"));
      tester.testAllPublicInstanceMethods(CallbackSlot.builder("npe"));
      tester.testAllPublicStaticMethods(Replay.class);
    }

    @Test
    void set_nullCallback_throwsNullPointerExceptionNamingTheParameter() {
      CallbackSlot<String> slot = CallbackSlot.create("onMessage");
      NullPointerException e = assertThrows(NullPointerException.class, () -> slot.set(null));
      assertEquals("callback", e.getMessage());
      NullPointerException owner =
          assertThrows(NullPointerException.class, () -> slot.setWeak(null, (o, v) -> {}));
      assertEquals("owner", owner.getMessage());
    }

    @Test
    void toString_eachState_namesSlotAndState() {
      CallbackSlot<String> slot = CallbackSlot.create("onOpen");
      assertContains(slot.toString(), "onOpen", "empty");
      slot.set(v -> {});
      assertContains(slot.toString(), "set");
      slot.close();
      assertContains(slot.toString(), "closed");
    }

    @Test
    void replayBuffered_capacityBelowOne_throwsIllegalArgumentException() {
      assertThrows(IllegalArgumentException.class, () -> Replay.buffered(0));
    }
  }

  @Nested
  class SetAndInvoke {
    @Test
    void invoke_noCallback_returnsFalseAndCountsDrop() {
      CallbackSlot<String> slot = CallbackSlot.create("onMessage");
      assertFalse(slot.invoke("lost"));
      assertEquals(1, slot.droppedCount());
    }

    @Test
    void invoke_callbackSet_runsOnCallingThreadWithValue() {
      CallbackSlot<String> slot = CallbackSlot.create("onMessage");
      List<String> seen = new ArrayList<>();
      Thread caller = Thread.currentThread();
      slot.set(
          v -> {
            assertSame(caller, Thread.currentThread());
            seen.add(v);
          });
      assertTrue(slot.invoke("a"));
      assertTrue(slot.invoke("b"));
      assertEquals(List.of("a", "b"), seen);
    }

    @Test
    void invoke_nullValue_isDelivered() {
      CallbackSlot<Void> slot = CallbackSlot.create("onOpen");
      AtomicInteger calls = new AtomicInteger();
      slot.set(v -> calls.incrementAndGet());
      assertTrue(slot.invoke(null));
      assertEquals(1, calls.get());
    }

    @Test
    void set_callbackAlreadySet_replacesIt() {
      CallbackSlot<String> slot = CallbackSlot.create("onMessage");
      List<String> seen = new ArrayList<>();
      slot.set(v -> seen.add("first:" + v));
      slot.invoke("1");
      slot.set(v -> seen.add("second:" + v));
      slot.invoke("2");
      assertEquals(List.of("first:1", "second:2"), seen);
    }

    @Test
    void set_sameConsumerTwice_isTwoInstallations() {
      CallbackSlot<String> slot = CallbackSlot.create("onMessage");
      AtomicInteger calls = new AtomicInteger();
      Consumer<String> callback = v -> calls.incrementAndGet();
      slot.set(callback);
      slot.set(callback);
      slot.invoke("x");
      assertEquals(1, calls.get());
      assertTrue(slot.reset());
      assertFalse(slot.reset());
    }

    @Test
    void invoke_manyThreads_eachCallSeesItsOwnValue() throws Exception {
      CallbackSlot<Integer> slot = CallbackSlot.create("onMessage");
      AtomicInteger sum = new AtomicInteger();
      slot.set(sum::addAndGet);
      List<TestThread> threads = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        threads.add(
            TestThread.start(
                "invoker-" + t,
                () -> {
                  for (int i = 1; i <= 1000; i++) {
                    slot.invoke(i);
                  }
                }));
      }
      for (TestThread thread : threads) {
        thread.joinOrFail();
      }
      assertEquals(4 * 1000 * 1001 / 2, sum.get());
    }
  }

  @Nested
  class Reset {
    @Test
    void reset_withAndWithoutCallback_returnsWhetherOneWasRemoved() {
      CallbackSlot<String> slot = CallbackSlot.create("onMessage");
      assertFalse(slot.reset());
      slot.set(v -> {});
      assertTrue(slot.isSet());
      assertTrue(slot.reset());
      assertFalse(slot.isSet());
      assertFalse(slot.invoke("after"));
    }

    @Test
    void reset_callbackRunningOnOtherThread_waitsForItAndSeesItsWrites() throws Exception {
      CallbackSlot<String> slot = CallbackSlot.create("onMessage");
      CountDownLatch entered = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      int[] writtenByCallback = new int[1]; // plain field: visibility comes from reset's wait
      slot.set(
          v -> {
            entered.countDown();
            TestThread.await(release, "release");
            writtenByCallback[0] = 42;
          });
      TestThread invoker = TestThread.start("io-thread", () -> slot.invoke("x"));
      TestThread.await(entered, "callback entry");

      CountDownLatch resetReturned = new CountDownLatch(1);
      int[] seenAfterReset = new int[1];
      TestThread resetter =
          TestThread.start(
              "resetter",
              () -> {
                slot.reset();
                seenAfterReset[0] = writtenByCallback[0];
                resetReturned.countDown();
              });
      assertFalse(
          resetReturned.await(100, TimeUnit.MILLISECONDS),
          "reset returned while the callback was still running");
      release.countDown();
      resetter.joinOrFail();
      invoker.joinOrFail();
      assertEquals(42, seenAfterReset[0]);
    }

    @Test
    void reset_concurrentResets_everyCallerWaitsForTheRunningCall() throws Exception {
      CallbackSlot<String> slot = CallbackSlot.create("onMessage");
      HeldCallback<String> held = HeldCallback.inFlight(slot, "x", "io-thread");
      AtomicInteger removed = new AtomicInteger();
      List<Integer> finishedSeenOnReturn = Collections.synchronizedList(new ArrayList<>());
      List<TestThread> resetters = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        resetters.add(
            TestThread.start(
                "resetter-" + i,
                () -> {
                  if (slot.reset()) {
                    removed.incrementAndGet();
                  }
                  finishedSeenOnReturn.add(held.finished());
                }));
      }
      held.release();
      for (TestThread resetter : resetters) {
        resetter.joinOrFail();
      }
      held.join();
      assertEquals(1, removed.get());
      assertEquals(List.of(1, 1, 1, 1), finishedSeenOnReturn);
    }

    /**
     * Review finding: a waiter used to wait for every non-current registration, so a callback
     * installed and removed after its reset began kept it waiting (unbounded under churn).
     */
    @Test
    void reset_laterInstallationStillRunning_doesNotDelayAnEarlierReset() throws Exception {
      CallbackSlot<String> slot = CallbackSlot.create("onMessage");
      HeldCallback<String> first = HeldCallback.inFlight(slot, "x", "io-1");
      CountDownLatch earlierResetReturned = new CountDownLatch(1);
      TestThread earlier =
          TestThread.start(
              "earlier-resetter",
              () -> {
                slot.reset();
                earlierResetReturned.countDown();
              });
      assertFalse(earlierResetReturned.await(100, TimeUnit.MILLISECONDS));
      HeldCallback<String> second = HeldCallback.inFlight(slot, "y", "io-2");
      TestThread later = TestThread.start("later-resetter", slot::reset);
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(() -> !slot.isSet());
      first.releaseAndJoin();
      TestThread.await(earlierResetReturned, "the earlier reset, while a later call still runs");
      assertTrue(later.isAlive(), "the later reset must still wait for the second call");
      second.releaseAndJoin();
      later.joinOrFail();
      earlier.joinOrFail();
    }

    @Test
    void reset_fromOwnCallback_returnsAtOnceAndNoNewCallStarts() {
      CallbackSlot<String> slot = CallbackSlot.create("onMessage");
      List<String> seen = new ArrayList<>();
      slot.set(
          v -> {
            seen.add("before:" + v);
            assertTrue(slot.reset());
            seen.add("after:" + v);
          });
      assertTrue(slot.invoke("1"));
      assertFalse(slot.invoke("2"));
      assertEquals(List.of("before:1", "after:1"), seen);
    }

    @Test
    void set_fromOwnCallback_replacesWithoutWaitingForItself() {
      CallbackSlot<String> slot = CallbackSlot.create("onMessage");
      List<String> seen = new ArrayList<>();
      slot.set(
          v -> {
            slot.set(w -> seen.add("second:" + w));
            seen.add("first:" + v);
          });
      slot.invoke("1");
      slot.invoke("2");
      assertEquals(List.of("first:1", "second:2"), seen);
    }

    @Test
    void resetAsync_callbackRunning_completesOnlyAfterItReturns() throws Exception {
      CallbackSlot<String> slot = CallbackSlot.create("onMessage");
      HeldCallback<String> held = HeldCallback.inFlight(slot, "x", "io-thread");
      CompletableFuture<Void> done = slot.resetAsync();
      assertFalse(slot.isSet());
      assertFalse(done.isDone(), "completed while the callback was running");
      held.release();
      done.get(TestThread.BOUND.toMillis(), TimeUnit.MILLISECONDS);
      held.join();
    }

    @Test
    void resetAsync_nothingRunning_isCompletedAtOnce() {
      CallbackSlot<String> slot = CallbackSlot.create("onMessage");
      slot.set(v -> {});
      assertTrue(slot.resetAsync().isDone());
    }

    @Test
    void resetAsync_fromOwnCallback_completesWhenThatCallReturns() {
      CallbackSlot<String> slot = CallbackSlot.create("onMessage");
      AtomicReference<CompletableFuture<Void>> future = new AtomicReference<>();
      AtomicReference<Boolean> doneInside = new AtomicReference<>();
      slot.set(
          v -> {
            future.set(slot.resetAsync());
            doneInside.set(future.get().isDone());
          });
      slot.invoke("x");
      assertFalse(doneInside.get());
      assertTrue(future.get().isDone());
    }

    @Test
    void reset_interruptedWhileWaiting_keepsWaitingAndRestoresInterrupt() throws Exception {
      CallbackSlot<String> slot = CallbackSlot.create("onMessage");
      HeldCallback<String> held = HeldCallback.inFlight(slot, "x", "io-thread");
      AtomicReference<Boolean> interruptedAfter = new AtomicReference<>();
      AtomicInteger finishedSeen = new AtomicInteger(-1);
      CountDownLatch resetReturned = new CountDownLatch(1);
      TestThread resetter =
          TestThread.start(
              "resetter",
              () -> {
                Thread.currentThread().interrupt();
                slot.reset();
                finishedSeen.set(held.finished());
                interruptedAfter.set(Thread.currentThread().isInterrupted());
                resetReturned.countDown();
              });
      assertFalse(
          resetReturned.await(100, TimeUnit.MILLISECONDS), "reset returned early on interrupt");
      held.releaseAndJoin();
      resetter.joinOrFail();
      assertEquals(1, finishedSeen.get());
      assertTrue(interruptedAfter.get());
    }
  }

  @Nested
  class Close {
    @Test
    void close_thenSet_throwsIllegalStateExceptionNamingTheSlot() {
      CallbackSlot<String> slot = CallbackSlot.create("onClosed");
      slot.close();
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> slot.set(v -> {}));
      assertContains(e.getMessage(), "onClosed", "closed");
      assertThrows(IllegalStateException.class, () -> slot.setWeak(this, (o, v) -> {}));
    }

    @Test
    void close_thenInvoke_returnsFalseAndCounts() {
      CallbackSlot<String> slot = CallbackSlot.create("onMessage");
      AtomicInteger calls = new AtomicInteger();
      slot.set(v -> calls.incrementAndGet());
      slot.close();
      assertTrue(slot.isClosed());
      assertFalse(slot.invoke("x"));
      assertEquals(0, calls.get());
      assertEquals(1, slot.droppedCount());
    }

    @Test
    void close_calledTwice_isIdempotentAndResetAfterItReturnsFalse() {
      CallbackSlot<String> slot = CallbackSlot.create("onMessage");
      slot.set(v -> {});
      slot.close();
      slot.close();
      assertFalse(slot.reset());
      assertTrue(slot.isClosed());
    }

    @Test
    void close_withKeptValues_discardsAndCountsThem() {
      CallbackSlot<String> slot =
          CallbackSlot.<String>builder("onOpen").replay(Replay.buffered(4)).build();
      slot.invoke("a");
      slot.invoke("b");
      assertEquals(2, slot.pendingCount());
      slot.close();
      assertEquals(0, slot.pendingCount());
      assertEquals(2, slot.droppedCount());
    }
  }

  @Nested
  class Reentrancy_ {
    @Test
    void invoke_nestedWithDefer_runsAfterCurrentCallBeforeOuterInvokeReturns() {
      CallbackSlot<Integer> slot = CallbackSlot.create("onMessage");
      List<String> events = new ArrayList<>();
      slot.set(
          v -> {
            events.add("start:" + v);
            if (v < 3) {
              assertTrue(slot.invoke(v + 1));
              assertTrue(slot.invoke(v + 10));
            }
            events.add("end:" + v);
          });
      assertTrue(slot.invoke(1));
      assertEquals(
          List.of(
              "start:1",
              "end:1",
              "start:2",
              "end:2",
              "start:11",
              "end:11",
              "start:3",
              "end:3",
              "start:12",
              "end:12"),
          events);
    }

    @Test
    void invoke_nestedWithAllow_runsNested() {
      CallbackSlot<Integer> slot =
          CallbackSlot.<Integer>builder("onMessage").reentrancy(Reentrancy.ALLOW).build();
      List<String> events = new ArrayList<>();
      slot.set(
          v -> {
            events.add("start:" + v);
            if (v < 3) {
              slot.invoke(v + 1);
            }
            events.add("end:" + v);
          });
      slot.invoke(1);
      assertEquals(List.of("start:1", "start:2", "start:3", "end:3", "end:2", "end:1"), events);
    }

    @Test
    void reset_otherThreadDuringNestedCallOfReplacementWithAllow_waitsForWholeStack()
        throws Exception {
      CallbackSlot<Integer> slot =
          CallbackSlot.<Integer>builder("onMessage").reentrancy(Reentrancy.ALLOW).build();
      CountDownLatch inNested = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      AtomicInteger outerFinished = new AtomicInteger();
      slot.set(
          v -> {
            slot.set(
                w -> {
                  inNested.countDown();
                  TestThread.await(release, "release");
                });
            slot.invoke(2);
            outerFinished.incrementAndGet();
          });
      TestThread invoker = TestThread.start("io-thread", () -> slot.invoke(1));
      TestThread.await(inNested, "nested call");
      CountDownLatch resetReturned = new CountDownLatch(1);
      TestThread resetter =
          TestThread.start(
              "resetter",
              () -> {
                slot.reset();
                resetReturned.countDown();
              });
      assertFalse(resetReturned.await(100, TimeUnit.MILLISECONDS));
      release.countDown();
      resetter.joinOrFail();
      invoker.joinOrFail();
      assertEquals(1, outerFinished.get());
    }

    @Test
    void invoke_nestedWithReject_throwsReentrantInvocationExceptionNamingTheSlot() {
      CallbackSlot<Integer> slot =
          CallbackSlot.<Integer>builder("onData").reentrancy(Reentrancy.REJECT).build();
      AtomicReference<RuntimeException> thrown = new AtomicReference<>();
      slot.set(
          v -> {
            try {
              slot.invoke(v + 1);
            } catch (ReentrantInvocationException e) {
              thrown.set(e);
            }
          });
      assertTrue(slot.invoke(1));
      assertInstanceOf(IllegalStateException.class, thrown.get());
      assertContains(thrown.get().getMessage(), "onData", "REJECT");
      assertEquals("onData", ((ReentrantInvocationException) thrown.get()).slotName());
    }

    @Test
    void invoke_fromOtherSlotsCallback_isNotReentrant() {
      CallbackSlot<Integer> inner =
          CallbackSlot.<Integer>builder("inner").reentrancy(Reentrancy.REJECT).build();
      CallbackSlot<Integer> outer =
          CallbackSlot.<Integer>builder("outer").reentrancy(Reentrancy.REJECT).build();
      List<Integer> seen = new ArrayList<>();
      inner.set(seen::add);
      outer.set(inner::invoke);
      outer.invoke(7);
      assertEquals(List.of(7), seen);
    }
  }

  @Nested
  class ReplayModes {
    @Test
    void invoke_noCallbackWithReplayNone_isDroppedNotReplayed() {
      CallbackSlot<String> slot = CallbackSlot.create("onOpen");
      assertFalse(slot.invoke("open"));
      List<String> seen = new ArrayList<>();
      slot.set(seen::add);
      assertEquals(List.of(), seen);
      assertEquals(1, slot.droppedCount());
    }

    @Test
    void set_valuesKeptByLatestReplay_deliversTheLastOnceOnSettingThread() {
      CallbackSlot<String> slot =
          CallbackSlot.<String>builder("onState").replay(Replay.latest()).build();
      assertTrue(slot.invoke("connecting"));
      assertTrue(slot.invoke("open"));
      assertEquals(1, slot.pendingCount());
      List<String> seen = new ArrayList<>();
      Thread setter = Thread.currentThread();
      slot.set(
          v -> {
            assertSame(setter, Thread.currentThread());
            seen.add(v);
          });
      assertEquals(List.of("open"), seen);
      assertEquals(1, slot.droppedCount()); // "connecting" was superseded
      slot.set(seen::add);
      assertEquals(List.of("open"), seen, "replayed a second time");
    }

    @Test
    void invoke_nullValueWithLatestReplay_isKeptAndReplayed() {
      CallbackSlot<Void> slot =
          CallbackSlot.<Void>builder("onOpen").replay(Replay.latest()).build();
      assertTrue(slot.invoke(null));
      AtomicInteger calls = new AtomicInteger();
      slot.set(v -> calls.incrementAndGet());
      assertEquals(1, calls.get());
    }

    /** Review finding: replay inside set() from the own callback hit REJECT and lost the value. */
    @Test
    void set_fromOwnCallbackWithRejectAndLatestReplay_deliversKeptValueAfterTheCall()
        throws Exception {
      CallbackSlot<String> slot =
          CallbackSlot.<String>builder("onState")
              .reentrancy(Reentrancy.REJECT)
              .replay(Replay.latest())
              .build();
      List<String> seen = new ArrayList<>();
      slot.set(
          v -> {
            slot.reset();
            TestThread other = TestThread.start("io", () -> assertTrue(slot.invoke("kept")));
            try {
              other.joinOrFail();
            } catch (InterruptedException e) {
              throw new AssertionError(e);
            }
            slot.set(w -> seen.add("second:" + w));
            seen.add("first:" + v);
          });
      assertTrue(slot.invoke("go"));
      assertEquals(List.of("first:go", "second:kept"), seen);
      assertEquals(0, slot.pendingCount());
    }

    @Test
    void invoke_noCallbackWithBufferedReplay_keepsUpToCapacityInOrderAndCountsEvictions() {
      CallbackSlot<Integer> slot =
          CallbackSlot.<Integer>builder("onMessage").replay(Replay.buffered(3)).build();
      for (int i = 1; i <= 5; i++) {
        assertTrue(slot.invoke(i));
      }
      List<Integer> seen = new ArrayList<>();
      slot.set(seen::add);
      assertEquals(List.of(3, 4, 5), seen);
      assertEquals(2, slot.droppedCount());
      assertEquals(0, slot.pendingCount());
    }

    @Test
    void invoke_racingSetWithLatestReplay_deliversExactlyOnce() throws Exception {
      for (int round = 0; round < 200; round++) {
        CallbackSlot<Integer> slot =
            CallbackSlot.<Integer>builder("onOpen").replay(Replay.latest()).build();
        AtomicInteger deliveries = new AtomicInteger();
        CountDownLatch go = new CountDownLatch(1);
        TestThread invoker =
            TestThread.start(
                "invoker",
                () -> {
                  TestThread.await(go, "start");
                  slot.invoke(1);
                });
        TestThread setter =
            TestThread.start(
                "setter",
                () -> {
                  TestThread.await(go, "start");
                  slot.set(v -> deliveries.incrementAndGet());
                });
        go.countDown();
        invoker.joinOrFail();
        setter.joinOrFail();
        assertEquals(1, deliveries.get(), "round " + round);
      }
    }
  }

  @Nested
  class Errors {
    @Test
    void invoke_callbackThrowsRuntimeException_goesToHandlerAndSlotStillWorks() {
      List<String> handled = new ArrayList<>();
      CallbackSlot<String> slot =
          CallbackSlot.<String>builder("onMessage")
              .errorHandler((s, e) -> handled.add(s.name() + ":" + e.getMessage()))
              .build();
      List<String> seen = new ArrayList<>();
      slot.set(
          v -> {
            if (v.equals("bad")) {
              throw new IllegalArgumentException("boom");
            }
            seen.add(v);
          });
      assertTrue(slot.invoke("bad"));
      assertTrue(slot.invoke("good"));
      assertEquals(List.of("onMessage:boom"), handled);
      assertEquals(List.of("good"), seen);
      assertTrue(slot.reset());
    }

    @Test
    void invoke_callbackThrowsError_goesToHandler() {
      List<Throwable> handled = new ArrayList<>();
      CallbackSlot<String> slot =
          CallbackSlot.<String>builder("onMessage").errorHandler((s, e) -> handled.add(e)).build();
      slot.set(
          v -> {
            throw new AssertionError("assertion in callback");
          });
      assertTrue(slot.invoke("x"));
      assertEquals(1, handled.size());
      assertInstanceOf(AssertionError.class, handled.get(0));
    }

    @Test
    void invoke_callbackThrowsVirtualMachineError_propagatesAndLeavesNoMarkBehind()
        throws Exception {
      CallbackSlot<String> slot =
          CallbackSlot.<String>builder("onMessage")
              .errorHandler(
                  (s, e) -> {
                    throw new AssertionError("handler must not see VirtualMachineError");
                  })
              .build();
      slot.set(
          v -> {
            throw new StackOverflowError("simulated");
          });
      assertThrows(StackOverflowError.class, () -> slot.invoke("x"));
      // A reset on another thread must not wait for a call that is over.
      TestThread resetter = TestThread.start("resetter", () -> assertTrue(slot.reset()));
      resetter.joinOrFail();
    }

    @Test
    void invoke_errorHandlerThrows_isLoggedAndInvokeStillReturnsTrue() {
      CallbackSlot<String> slot =
          CallbackSlot.<String>builder("onMessage")
              .errorHandler(
                  (s, e) -> {
                    throw new IllegalStateException("handler broke");
                  })
              .build();
      AtomicInteger calls = new AtomicInteger();
      slot.set(
          v -> {
            calls.incrementAndGet();
            throw new IllegalArgumentException("callback broke");
          });
      assertTrue(slot.invoke("x"));
      assertTrue(slot.invoke("y"));
      assertEquals(2, calls.get());
    }

    @Test
    void invoke_callbackThrowsWithDefaultHandler_logsAndContinues() {
      CallbackSlot<String> slot = CallbackSlot.create("onMessage");
      AtomicInteger calls = new AtomicInteger();
      slot.set(
          v -> {
            calls.incrementAndGet();
            throw new IllegalArgumentException("expected in test: logged by the default handler");
          });
      assertTrue(slot.invoke("x"));
      assertTrue(slot.invoke("y"));
      assertEquals(2, calls.get());
    }
  }
}
