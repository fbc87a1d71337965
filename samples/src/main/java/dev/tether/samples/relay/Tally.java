package dev.tether.samples.relay;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** What the relay demo counts, from every thread; the report and its verdict are made of it. */
final class Tally {
  final LongAdder opened = new LongAdder();
  final LongAdder closed = new LongAdder();
  final LongAdder sent = new LongAdder();
  final LongAdder delivered = new LongAdder();
  final LongAdder chaosCloses = new LongAdder();
  /** Of the chaos closes, those made from the main thread, outside every listener. */
  final LongAdder outsideCloses = new LongAdder();
  /** onError calls: expected under chaos (a write racing the peer's close), a problem without. */
  final LongAdder connectionErrors = new LongAdder();
  /** A listener of a connection started after that connection's close had returned. */
  final LongAdder callbacksAfterClose = new LongAdder();
  /** A CallbackDeadlockException anywhere, or a wait that hit the demo's timeout. */
  final LongAdder deadlocks = new LongAdder();
  /** onClosed fired twice for one connection. */
  final LongAdder duplicateOnClosed = new LongAdder();
  /** A message arrived out of its sender's order. */
  final LongAdder outOfOrder = new LongAdder();
  /** A listener threw something the demo did not expect. */
  final LongAdder unexpectedErrors = new LongAdder();
  /** Connections not CLOSED after the root's close returned. */
  final LongAdder leakedNodes = new LongAdder();
  /** The first few things that went wrong, in words. */
  final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
  private final AtomicInteger recorded = new AtomicInteger();

  void problem(LongAdder counter, String what) {
    counter.increment();
    if (recorded.getAndIncrement() < 10) {
      problems.add(what);
    }
  }

  /** The broken invariants; empty when the run is good. */
  List<String> violations(boolean chaos, long expectedMessages) {
    List<String> broken = new ArrayList<>();
    check(broken, callbacksAfterClose, "callbacks after close() returned");
    check(broken, deadlocks, "deadlocks or hung waits");
    check(broken, leakedNodes, "leaked nodes");
    check(broken, duplicateOnClosed, "duplicate onClosed");
    check(broken, outOfOrder, "messages out of order");
    check(broken, unexpectedErrors, "unexpected listener errors");
    if (opened.sum() != closed.sum()) {
      broken.add("connections opened " + opened.sum() + " but closed " + closed.sum());
    }
    if (!chaos && (sent.sum() != expectedMessages || delivered.sum() != expectedMessages)) {
      broken.add("without chaos every message arrives: expected " + expectedMessages
          + ", sent " + sent.sum() + ", delivered " + delivered.sum());
    }
    if (delivered.sum() > sent.sum()) {
      broken.add("delivered " + delivered.sum() + " > sent " + sent.sum());
    }
    return broken;
  }

  private static void check(List<String> broken, LongAdder counter, String what) {
    if (counter.sum() != 0) {
      broken.add(what + ": " + counter.sum());
    }
  }
}
