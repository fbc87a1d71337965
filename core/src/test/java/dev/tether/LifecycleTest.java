package dev.tether;

import static dev.tether.Asserts.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.testing.GcFinalization;
import com.google.common.testing.NullPointerTester;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

/** Unit tests for every clause of {@link Lifecycle}'s contract. */
class LifecycleTest {

  @Nested
  class Structure {
    @Test
    void path_nestedNode_joinsNamesFromTheRoot() {
      Lifecycle root = Lifecycle.root("server");
      Lifecycle data = root.child("conn-42").child("data");
      assertEquals("server/conn-42/data", data.path());
      assertEquals("data", data.name());
      assertEquals("conn-42", data.parent().orElseThrow().name());
      assertTrue(root.parent().isEmpty());
    }

    @Test
    void children_severalCreated_returnsSnapshotOldestFirst() {
      Lifecycle root = Lifecycle.root("root");
      Lifecycle a = root.child("a");
      Lifecycle b = root.child("b");
      assertEquals(List.of(a, b), root.children());
    }

    @Test
    void child_badName_isRejectedNamingTheParent() {
      Lifecycle root = Lifecycle.root("root");
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> root.child("a/b"));
      assertContains(e.getMessage(), "a/b", "root");
      assertThrows(IllegalArgumentException.class, () -> Lifecycle.root(" "));
    }

    @Test
    void everyPublicMethod_nullArgument_throwsNullPointerException() {
      NullPointerTester tester =
          new NullPointerTester().setDefault(Delivery.class, Delivery.serial());
      tester.testAllPublicStaticMethods(Lifecycle.class);
      tester.testAllPublicInstanceMethods(Lifecycle.root("npe"));
    }

    @Test
    void slot_ofANode_isNamedWithTheNodesPath() {
      Lifecycle conn = Lifecycle.root("server").child("conn-42");
      CallbackSlot<String> onMessage = conn.slot("onMessage");
      CallbackSlot<String> onOpen = conn.slot(CallbackSlot.<String>builder("onOpen"));
      assertEquals("server/conn-42/onMessage", onMessage.name());
      assertEquals("server/conn-42/onOpen", onOpen.name());
      conn.close();
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> onMessage.set(m -> {}));
      assertContains(e.getMessage(), "slot 'server/conn-42/onMessage' is closed");
    }

    @Test
    void child_nameOfAChildNotYetClosed_isRejectedNamingThePath() {
      Lifecycle app = Lifecycle.root("app");
      Lifecycle first = app.child("dup");
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> app.child("dup"));
      assertContains(e.getMessage(), "lifecycle 'app' already has a child named 'dup'");
      assertEquals(List.of(first), app.children());
      first.close();
      Lifecycle second = app.child("dup"); // a closed child's name may be used again
      assertEquals("app/dup", second.path());
      assertEquals(List.of(second), app.children());
    }

    @Test
    void closeFuture_calledRepeatedly_returnsTheSameInstance() {
      Lifecycle root = Lifecycle.root("root");
      CompletableFuture<Void> future = root.closeFuture();
      assertSame(future, root.closeFuture());
      root.close();
      assertSame(future, root.closeFuture());
      assertTrue(future.isDone());
    }
  }

  @Nested
  class CloseOrder {
    @Test
    void close_childrenThenSlotsThenResources_eachNewestFirst() {
      List<String> order = Collections.synchronizedList(new ArrayList<>());
      Lifecycle root = Lifecycle.root("root");
      root.own(() -> order.add("resource-1"));
      Lifecycle first = root.child("first");
      first.own(() -> order.add("first/resource"));
      CallbackSlot<String> slot1 =
          root.slot(CallbackSlot.<String>builder("slot-1").errorHandler((s, e) -> {}));
      CallbackSlot<String> slot2 = root.slot("slot-2");
      slot1.set(v -> order.add("slot-1 still set"));
      slot2.set(v -> order.add("slot-2 still set"));
      Lifecycle second = root.child("second");
      second.own(() -> order.add("second/resource"));
      root.own(
          () -> {
            order.add("resource-2");
            // slots are closed before resources: invoking now must not run callbacks
            slot1.invoke("late");
            slot2.invoke("late");
          });

      root.close();

      assertEquals(List.of("second/resource", "first/resource", "resource-2", "resource-1"), order);
      assertTrue(slot1.isClosed() && slot2.isClosed());
      assertEquals(Lifecycle.State.CLOSED, root.state());
      assertEquals(Lifecycle.State.CLOSED, first.state());
    }

    @Test
    void close_nameReusedAfterItsChildClosed_newChildCountsAsNewest() {
      List<String> order = new ArrayList<>();
      Lifecycle root = Lifecycle.root("root");
      root.child("a").close();
      Lifecycle b = root.child("b");
      b.own(() -> order.add("b"));
      Lifecycle a = root.child("a"); // the name is free again; the child is younger than b
      a.own(() -> order.add("a"));

      assertEquals(List.of(b, a), root.children());
      root.close();

      assertEquals(List.of("a", "b"), order);
    }

    @Test
    void close_siblings_eachCompletesBeforeTheNextStarts() {
      List<String> order = new ArrayList<>();
      Lifecycle root = Lifecycle.root("root");
      Lifecycle older = root.child("older");
      older.child("grandchild").own(() -> order.add("older/grandchild"));
      older.own(() -> order.add("older"));
      Lifecycle newer = root.child("newer");
      newer.child("grandchild").own(() -> order.add("newer/grandchild"));
      newer.own(() -> order.add("newer"));
      root.close();
      assertEquals(List.of("newer/grandchild", "newer", "older/grandchild", "older"), order);
    }

    @Test
    void close_child_isDetachedFromParent() {
      Lifecycle root = Lifecycle.root("root");
      Lifecycle child = root.child("child");
      child.close();
      assertEquals(List.of(), root.children());
      assertEquals(Lifecycle.State.OPEN, root.state());
    }

    @Test
    void close_calledTwice_isIdempotent() {
      Lifecycle root = Lifecycle.root("root");
      AtomicInteger closes = new AtomicInteger();
      root.own(closes::incrementAndGet);
      root.close();
      root.close();
      assertEquals(1, closes.get());
    }
  }

  @Nested
  class Registration {
    @Test
    void childAndSlot_afterClose_throwNamingThePath() {
      Lifecycle node = Lifecycle.root("server").child("conn-1");
      node.close();
      IllegalStateException child =
          assertThrows(IllegalStateException.class, () -> node.child("x"));
      assertContains(child.getMessage(), "server/conn-1", "closed");
      IllegalStateException slot =
          assertThrows(IllegalStateException.class, () -> node.slot("onOpen"));
      assertContains(slot.getMessage(), "server/conn-1", "onOpen");
    }

    @Test
    void own_afterClose_closesResourceAtOnceThenThrows() {
      Lifecycle node = Lifecycle.root("root");
      node.close();
      AtomicInteger closed = new AtomicInteger();
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> node.own(closed::incrementAndGet));
      assertEquals(1, closed.get());
      assertContains(
          e.getMessage(),
          "lifecycle 'root' is closed: cannot own a lambda from "
              + "LifecycleTest$Registration; it has been closed");
    }

    @Test
    void own_afterClose_namesANamedResourceByItsSimpleName() {
      Lifecycle node = Lifecycle.root("server").child("conn-1");
      node.close();
      IllegalStateException e =
          assertThrows(IllegalStateException.class, () -> node.own(new java.io.StringReader("x")));
      assertContains(
          e.getMessage(), "lifecycle 'server/conn-1' is closed: cannot own StringReader");
    }

    @Test
    void own_whileClosing_closesResourceAtOnceThenThrows() throws Exception {
      Lifecycle node = Lifecycle.root("root");
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      AtomicInteger closed = new AtomicInteger();
      node.own(
          () -> {
            try {
              node.own(closed::incrementAndGet);
            } catch (IllegalStateException e) {
              thrown.set(e);
            }
          });
      node.close();
      assertEquals(1, closed.get());
      assertContains(thrown.get().getMessage(), "closing");
    }
  }

  @Nested
  class Concurrency {
    @RepeatedTest(20)
    void close_eightThreadsAtOnce_resourcesCloseOnceAndEveryCallerSeesClosed() throws Exception {
      Lifecycle root = Lifecycle.root("root");
      AtomicInteger closes = new AtomicInteger();
      CountDownLatch resourceEntered = new CountDownLatch(1);
      root.child("child")
          .own(
              () -> {
                resourceEntered.countDown();
                closes.incrementAndGet();
              });
      root.own(closes::incrementAndGet);
      CyclicBarrier start = new CyclicBarrier(8);
      List<Lifecycle.State> seen = Collections.synchronizedList(new ArrayList<>());
      List<TestThread> threads = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        threads.add(
            TestThread.start(
                "closer-" + i,
                () -> {
                  start.await(TestThread.BOUND.toMillis(), TimeUnit.MILLISECONDS);
                  root.close();
                  seen.add(root.state());
                }));
      }
      for (TestThread thread : threads) {
        thread.joinOrFail();
      }
      assertEquals(2, closes.get());
      assertEquals(Collections.nCopies(8, Lifecycle.State.CLOSED), seen);
    }

    @Test
    void close_fromInsideCallbackOfDescendant_returnsAndClosesEverything() throws Exception {
      Lifecycle root = Lifecycle.root("app");
      Lifecycle conn = root.child("conn");
      CallbackSlot<String> onMessage = conn.slot("onMessage");
      AtomicInteger resourceClosed = new AtomicInteger();
      root.own(resourceClosed::incrementAndGet);
      AtomicReference<Lifecycle.State> stateInside = new AtomicReference<>();
      onMessage.set(
          v -> {
            root.close();
            stateInside.set(root.state());
          });
      TestThread io = TestThread.start("io", () -> onMessage.invoke("bye"));
      io.joinOrFail();
      assertEquals(Lifecycle.State.CLOSED, stateInside.get());
      assertEquals(1, resourceClosed.get());
    }

    @Test
    void close_loserInsideCallbackOfSubtree_doesNotDeadlockWithWinner() throws Exception {
      for (int round = 0; round < 20; round++) {
        Lifecycle conn = Lifecycle.root("conn");
        CallbackSlot<String> onMessage = conn.slot("onMessage");
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch winnerStarted = new CountDownLatch(1);
        conn.own(winnerStarted::countDown);
        onMessage.set(
            v -> {
              inside.countDown();
              conn.close(); // may lose to the main thread's close, which waits for this call
            });
        TestThread io = TestThread.start("io", () -> onMessage.invoke("x"));
        TestThread.await(inside, "callback");
        conn.close();
        io.joinOrFail();
        assertEquals(Lifecycle.State.CLOSED, conn.state());
      }
    }

    /** The relay: each side's callback closes the other side, at the same moment. */
    @RepeatedTest(30)
    void close_relayCrossClose_neverDeadlocks() throws Exception {
      Lifecycle root = Lifecycle.root("relay");
      Lifecycle left = root.child("left");
      Lifecycle right = root.child("right");
      CallbackSlot<String> leftClosed = left.slot("onMessage");
      CallbackSlot<String> rightClosed = right.slot("onMessage");
      CyclicBarrier bothInside = new CyclicBarrier(2);
      leftClosed.set(
          v -> {
            TestThread.awaitBarrier(bothInside);
            right.close();
          });
      rightClosed.set(
          v -> {
            TestThread.awaitBarrier(bothInside);
            left.close();
          });
      TestThread a = TestThread.start("io-left", () -> leftClosed.invoke("x"));
      TestThread b = TestThread.start("io-right", () -> rightClosed.invoke("x"));
      a.joinOrFail();
      b.joinOrFail();
      root.close();
      assertEquals(Lifecycle.State.CLOSED, left.state());
      assertEquals(Lifecycle.State.CLOSED, right.state());
      left.closeFuture().get(TestThread.BOUND.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Test
    void child_creationRacingParentClose_isClosedNeverOrphaned() throws Exception {
      for (int round = 0; round < 200; round++) {
        Lifecycle parent = Lifecycle.root("parent");
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<Lifecycle> created = new AtomicReference<>();
        TestThread creator =
            TestThread.start(
                "creator",
                () -> {
                  TestThread.await(go, "go");
                  try {
                    created.set(parent.child("child"));
                  } catch (IllegalStateException refused) {
                    // the parent was closing first: fine
                  }
                });
        TestThread closer =
            TestThread.start(
                "closer",
                () -> {
                  TestThread.await(go, "go");
                  parent.close();
                });
        go.countDown();
        creator.joinOrFail();
        closer.joinOrFail();
        if (created.get() != null) {
          assertEquals(Lifecycle.State.CLOSED, created.get().state(), "orphaned child");
        }
      }
    }
  }

  @Nested
  class Failures {
    @Test
    void close_severalResourcesFail_failuresAreAggregatedAndTheWholeSubtreeStillCloses() {
      Lifecycle root = Lifecycle.root("root");
      AtomicInteger closed = new AtomicInteger();
      root.own(closed::incrementAndGet);
      root.own(
          () -> {
            throw new IllegalStateException("second failure");
          });
      root.child("child")
          .own(
              () -> {
                throw new IllegalArgumentException("first failure");
              });
      root.own(closed::incrementAndGet);
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, root::close);
      assertEquals("first failure", e.getMessage());
      assertEquals(1, e.getSuppressed().length);
      assertEquals("second failure", e.getSuppressed()[0].getMessage());
      assertEquals(2, closed.get());
      assertEquals(Lifecycle.State.CLOSED, root.state());
      ExecutionException viaFuture =
          assertThrows(ExecutionException.class, () -> root.closeFuture().get());
      assertSame(e, viaFuture.getCause());
    }

    @Test
    void close_checkedExceptionOfResource_isWrappedNamingThePath() {
      Lifecycle root = Lifecycle.root("root");
      root.own(
          () -> {
            throw new java.io.IOException("socket close failed");
          });
      ResourceCloseException e = assertThrows(ResourceCloseException.class, root::close);
      assertContains(
          e.getMessage(),
          "closing a lambda from LifecycleTest$Failures owned by " + "lifecycle 'root' failed",
          "socket close failed");
      assertEquals("root", e.path());
      assertEquals("socket close failed", e.getCause().getMessage());
    }

    /** Regression: an Error from a resource left the tree CLOSING and later closes hung. */
    @Test
    void close_resourceThrowsVirtualMachineError_everyNodeStillClosesThenItPropagates()
        throws Exception {
      Lifecycle root = Lifecycle.root("root");
      Lifecycle child = root.child("child");
      child.own(
          () -> {
            throw new StackOverflowError("simulated");
          });
      AtomicInteger rootResourceClosed = new AtomicInteger();
      root.own(rootResourceClosed::incrementAndGet);
      assertThrows(StackOverflowError.class, root::close);
      assertEquals(Lifecycle.State.CLOSED, child.state());
      assertEquals(Lifecycle.State.CLOSED, root.state());
      assertEquals(1, rootResourceClosed.get());
      TestThread again =
          TestThread.start(
              "second-closer",
              () -> {
                assertThrows(StackOverflowError.class, root::close);
              });
      again.joinOrFail();
      assertTrue(root.closeFuture().isCompletedExceptionally());
    }
  }

  /** A close whose wait would close a cycle of waits through callbacks and other closes. */
  @Nested
  class CloseWaitCycles {
    /**
     * Regression: W closes the child and waits for L's callback; inside it, L closes the root
     * and must skip waiting for the child (a cycle). The root used to become CLOSED at once, with
     * its child still CLOSING.
     */
    @Test
    void close_parentClosedFromCallbackWhileChildCloseWaitsForIt_parentNeverClosedBeforeChild()
        throws Exception {
      Lifecycle root = Lifecycle.root("root");
      Lifecycle child = root.child("child");
      CallbackSlot<String> slot = child.slot("onMessage");
      CountDownLatch entered = new CountDownLatch(1);
      AtomicReference<Thread> closerOfChild = new AtomicReference<>();
      AtomicReference<String> statesAfterRootClose = new AtomicReference<>();
      slot.set(
          v -> {
            entered.countDown();
            org.awaitility.Awaitility.await()
                .atMost(java.time.Duration.ofSeconds(10))
                .until(
                    () ->
                        closerOfChild.get() != null
                            && closerOfChild.get().getState() == Thread.State.TIMED_WAITING);
            root.close();
            statesAfterRootClose.set(root.state() + "/" + child.state());
          });
      TestThread l = TestThread.start("L", () -> slot.invoke("x"));
      TestThread.await(entered, "L inside the child's callback");
      TestThread w = TestThread.start("W", child::close);
      closerOfChild.set(w);
      l.joinOrFail();
      w.joinOrFail();
      root.closeFuture().get(TestThread.BOUND.toMillis(), TimeUnit.MILLISECONDS);
      assertFalse(
          statesAfterRootClose.get().startsWith("CLOSED/")
              && !statesAfterRootClose.get().equals("CLOSED/CLOSED"),
          "root CLOSED before its child: " + statesAfterRootClose.get());
      assertEquals(Lifecycle.State.CLOSED, child.state());
      assertEquals(Lifecycle.State.CLOSED, root.state());
    }

    /**
     * Regression: the walker of the parent skips its wait for a child that another thread is
     * closing (that thread waits for a callback whose thread waits for the parent's close), and
     * hands the walk to a fresh thread. That thread used to skip the same wait and hand over
     * again, without end: about a thousand threads a second, and the callback's thread never
     * returned. Since rule B1, W (outside every callback) no longer gives up here: the cycle
     * W-A-X-W is broken at X, inside a callback of the parent's subtree, whose close returns
     * with the parent CLOSING; W keeps waiting. Every thread ends, and no close thread is left.
     */
    @Test
    void close_handedOffWalk_waitsInsteadOfHandingOffForeverAndTheCallbackThreadSkips()
        throws Exception {
      Lifecycle parent = Lifecycle.root("parent");
      Lifecycle child = parent.child("child"); // older: the walk reaches it second
      Lifecycle newer = parent.child("newer");
      CallbackSlot<String> childSlot = child.slot("onMessage");
      CallbackSlot<String> newerSlot = newer.slot("onMessage");
      CountDownLatch xInside = new CountDownLatch(1);
      CountDownLatch xMayClose = new CountDownLatch(1);
      CountDownLatch yInside = new CountDownLatch(1);
      CountDownLatch yMayReturn = new CountDownLatch(1);
      childSlot.set(
          v -> {
            xInside.countDown();
            TestThread.await(xMayClose, "the go-ahead to close the parent");
            parent.close(); // loses to W; the cycle through it must end, not hand off forever
          });
      newerSlot.set(
          v -> {
            yInside.countDown();
            TestThread.await(yMayReturn, "the go-ahead to return");
          });
      TestThread x = TestThread.start("X", () -> childSlot.invoke("x"));
      TestThread y = TestThread.start("Y", () -> newerSlot.invoke("y"));
      TestThread.await(xInside, "X inside the child's callback");
      TestThread.await(yInside, "Y inside the newer child's callback");
      TestThread a = TestThread.start("A", child::close); // waits for X
      awaitParkedInTetherWait(a);
      TestThread w = TestThread.start("W", parent::close); // closes 'newer', waits for Y
      awaitParkedInTetherWait(w);
      xMayClose.countDown();
      awaitParkedInTetherWait(x); // X waits for W's close: no cycle yet
      int closeThreadsBefore = liveCloseThreads();
      yMayReturn.countDown(); // W reaches 'child', finds the cycle W-A-X-W, hands off
      x.joinOrFail();
      a.joinOrFail();
      w.joinOrFail();
      y.joinOrFail();
      parent.closeFuture().get(TestThread.BOUND.toMillis(), TimeUnit.MILLISECONDS);
      assertEquals(Lifecycle.State.CLOSED, child.state());
      assertEquals(Lifecycle.State.CLOSED, parent.state());
      assertTrue(
          liveCloseThreads() <= closeThreadsBefore + 1,
          "close threads left running: " + liveCloseThreads());
    }

    private void awaitParkedInTetherWait(Thread thread) {
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(
              () ->
                  java.util.Arrays.stream(thread.getStackTrace())
                      .anyMatch(
                          frame ->
                              frame.getClassName().equals("dev.tether.internal.WaitForGraph")));
    }

    private int liveCloseThreads() {
      return (int)
          Thread.getAllStackTraces().keySet().stream()
              .filter(t -> t.getName().startsWith("tether-close-parent"))
              .count();
    }
  }

  @Nested
  class Scale {
    @Test
    void child_manyShortLived_parentDoesNotGrow() {
      Lifecycle parent = Lifecycle.root("server");
      for (int i = 0; i < 100_000; i++) {
        Lifecycle conn = parent.child("conn-" + i);
        conn.slot("onMessage");
        conn.close();
      }
      assertEquals(List.of(), parent.children());
      WeakReference<Lifecycle> last = new WeakReference<>(parent.child("last"));
      last.get().close();
      GcFinalization.awaitClear(last); // the parent keeps no reference to closed children
    }

    @Test
    void close_treeOf100000Nodes_closesEveryNode() {
      Lifecycle root = Lifecycle.root("root");
      AtomicInteger closed = new AtomicInteger();
      List<Lifecycle> level = List.of(root);
      int nodes = 1;
      while (nodes < 100_000) {
        List<Lifecycle> next = new ArrayList<>();
        for (Lifecycle node : level) {
          for (int i = 0; i < 10 && nodes < 100_000; i++, nodes++) {
            Lifecycle child = node.child("n" + i);
            child.own(closed::incrementAndGet);
            next.add(child);
          }
        }
        level = next;
      }
      root.close();
      assertEquals(99_999, closed.get());
    }

    @Test
    void close_deepChainOf100000Nodes_doesNotOverflowTheStack() {
      Lifecycle root = Lifecycle.root("root");
      Lifecycle node = root;
      for (int i = 0; i < 100_000; i++) {
        node = node.child("d");
      }
      root.close();
      assertEquals(Lifecycle.State.CLOSED, node.state());
    }
  }

  @Nested
  class LeaksAndDumps {
    @Test
    void bindOwner_ownerCollectedWhileOpen_reportsLeakAndClosesTheNode() throws Exception {
      Lifecycle server = Lifecycle.root("server");
      List<LeakReport> reports = Collections.synchronizedList(new ArrayList<>());
      try (AutoCloseable listener = Lifecycle.addLeakListener(reports::add)) {
        Lifecycle conn = bindToGarbage(server.child("conn-7"));
        GcFinalization.awaitDone(() -> !reports.isEmpty());
        assertEquals("server/conn-7", reports.get(0).path());
        conn.closeFuture().get(TestThread.BOUND.toMillis(), TimeUnit.MILLISECONDS);
        assertEquals(Lifecycle.State.CLOSED, conn.state());
      }
    }

    @Test
    void bindOwner_closedBeforeOwnerCollected_reportsNothing() throws Exception {
      Lifecycle server = Lifecycle.root("server");
      List<LeakReport> reports = Collections.synchronizedList(new ArrayList<>());
      try (AutoCloseable listener = Lifecycle.addLeakListener(reports::add)) {
        Object owner = new Object();
        Lifecycle conn = server.child("conn-8").bindOwner(owner);
        conn.close();
        WeakReference<Object> ref = new WeakReference<>(owner);
        owner = null;
        GcFinalization.awaitClear(ref);
        GcFinalization.awaitFullGc();
        assertEquals(List.of(), reports);
      }
    }

    @Test
    void closeAsync_stuckOnCallback_timesOutAndDumpNamesTheStuckNodeAndThread() throws Exception {
      Lifecycle root = Lifecycle.root("app");
      Lifecycle conn = root.child("conn-3");
      CallbackSlot<String> onMessage = conn.slot("onMessage");
      CountDownLatch entered = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      onMessage.set(
          v -> {
            entered.countDown();
            TestThread.await(release, "release");
          });
      TestThread io = TestThread.start("stuck-io", () -> onMessage.invoke("x"));
      TestThread.await(entered, "callback");
      CompletableFuture<Void> closing = root.closeAsync();
      assertThrows(TimeoutException.class, () -> closing.get(200, TimeUnit.MILLISECONDS));
      String dump = root.dump();
      assertContains(
          dump,
          "app [CLOSING]",
          "app/conn-3 [CLOSING]",
          "onMessage",
          "slot 'app/conn-3/onMessage'",
          "stuck-io",
          "CountDownLatch.await");
      release.countDown();
      closing.get(TestThread.BOUND.toMillis(), TimeUnit.MILLISECONDS);
      io.joinOrFail();
      assertContains(root.dump(), "app [CLOSED]");
    }

    private Lifecycle bindToGarbage(Lifecycle node) {
      return node.bindOwner(new Object());
    }
  }
}
