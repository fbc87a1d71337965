package dev.tether.samples.relay;

import java.util.Queue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client pair's run through the relay: its two {@link Peer}s, whether a chaos close or a
 * failed connect touched it, and, once both peers have ended, its message accounting. The demo's
 * main thread starts it and accounts for it; its peers' listeners and the relay report to it from
 * any thread.
 */
final class PairRun {
  final int id;
  final Peer[] peers = new Peer[2];
  final long startNanos = System.nanoTime();

  /** Main thread only: its place in the demo's list of pairs in flight. */
  int index;

  private final Queue<PairRun> ended;
  private final Queue<Peer> toCloseFromOutside;
  private final AtomicInteger sidesRunning = new AtomicInteger(2);
  // Set before the close they explain, so that the accounting, which reads them after both
  // peers ended, sees them.
  private volatile boolean chaosClosed;
  private volatile boolean connectFailed;

  PairRun(
      int id,
      int messages,
      boolean chaos,
      Tally tally,
      Queue<PairRun> ended,
      Queue<Peer> toCloseFromOutside) {
    this.id = id;
    this.ended = ended;
    this.toCloseFromOutside = toCloseFromOutside;
    for (int side = 0; side < 2; side++) {
      peers[side] = new Peer(this, side, messages, chaos, tally);
    }
  }

  /** A chaos close is about to close one of this pair's connections: losses are expected. */
  void chaosClose() {
    chaosClosed = true;
  }

  /**
   * {@code peer} could not connect (refused, failed or timed out): its partner would wait for it
   * forever, so it is handed to the main thread to close from outside every listener.
   */
  void connectFailed(Peer peer) {
    connectFailed = true;
    toCloseFromOutside.add(peers[1 - peer.side]);
  }

  boolean hadConnectFailure() {
    return connectFailed;
  }

  /** Called once by each peer as it ends; the second queues the pair for its accounting. */
  void sideEnded() {
    if (sidesRunning.decrementAndGet() == 0) {
      ended.add(this);
    }
  }

  /**
   * Adds this pair's messages to the tally's accounting; main thread, after both peers ended (so
   * their counts are final: the last listener of each has run). Each direction's messages are
   * either delivered, or lost to a close that a chaos close or a failed connect explains; one
   * missing without such a close is unaccounted for, a violation.
   */
  void account(Tally tally) {
    for (int side = 0; side < 2; side++) {
      long sent = peers[side].sentCount();
      long delivered = peers[1 - side].receivedCount();
      long missing = sent - delivered;
      if (missing < 0) {
        tally.problem(
            tally.unaccounted,
            "pair "
                + id
                + ": side "
                + (1 - side)
                + " received "
                + delivered
                + " messages, but side "
                + side
                + " sent only "
                + sent);
      } else if (missing > 0 && (chaosClosed || connectFailed)) {
        tally.lostToClose.add(missing);
      } else if (missing > 0) {
        tally.unaccounted.add(missing - 1); // problem() counts one
        tally.problem(
            tally.unaccounted,
            "pair "
                + id
                + ": side "
                + side
                + " sent "
                + sent
                + " messages, its partner received "
                + delivered
                + ", and no close explains it");
      }
    }
  }
}
