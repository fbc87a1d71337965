package dev.tether.samples.relay;

import dev.tether.samples.net.Connection;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client of a pair: says HELLO, waits for READY, sends its messages, checks that its
 * partner's arrive whole and in order, and says DONE when it has them all. Side 0 closes its
 * connection, from inside its own listener, once it has everything and its partner's DONE; side 1
 * then learns of the end through the relay's cross-close, as {@code onClosed}.
 *
 * <p>Its connect ends in one of three ways, decided once: it opens, it fails ({@code onError}
 * before {@code onOpen}: refused, reset, out of file descriptors), or the main thread gives up
 * waiting for it ({@link #giveUpConnecting}). A failed or abandoned connect is counted as such,
 * never as a deadlock: it is the machine's refusal, not a wait that Tether left stuck.
 */
final class Peer {
  private static final int CONNECTING = 0;
  private static final int OPENED = 1;
  private static final int CONNECT_FAILED = 2;
  private static final int CONNECT_ABANDONED = 3;

  final PairRun run;
  final int pair;
  final int side;

  /** Set by {@link #attach}, which runs before the connection can produce any event. */
  Tracked tracked;

  private final Tally tally;
  private final int messages;
  private final boolean chaos;
  private final AtomicBoolean endCounted = new AtomicBoolean();
  private final AtomicInteger connectState = new AtomicInteger(CONNECTING);
  private final SplittableRandom random;
  private volatile boolean ready;
  // Written and read only by this connection's lane, one listener at a time; the main thread
  // reads them once the peer has ended, after its last listener call.
  private int nextIncoming;
  private int sent;
  private boolean partnerDone;

  Peer(PairRun run, int side, int messages, boolean chaos, Tally tally) {
    this.run = run;
    this.pair = run.id;
    this.side = side;
    this.tally = tally;
    this.messages = messages;
    this.chaos = chaos;
    this.random = new SplittableRandom(31L * pair + side);
  }

  /** {@code Client.connect}'s setup: sets every listener before anything can happen. */
  void attach(Connection connection) {
    tracked = new Tracked(connection, tally);
    connection.onOpen(
        tracked.watch(
            "client onOpen",
            () -> {
              if (connectState.compareAndSet(CONNECTING, OPENED)) { // else the main thread gave up
                connection.send(Wire.hello(pair, side));
              }
            }));
    connection.onMessage(tracked.watch("client onMessage", this::onMessage));
    connection.onClosed(
        tracked.watch(
            "client onClosed",
            () -> {
              tracked.firstOnClosed();
              end();
            }));
    connection.onError(
        tracked.watch(
            "client onError",
            error -> {
              if (connectState.compareAndSet(CONNECTING, CONNECT_FAILED)) {
                tally.connectFailed(connection.path() + ": " + error);
                run.connectFailed(this);
                return;
              }
              tally.connectionErrors.increment();
              if (!chaos) {
                tally.problem(tally.unexpectedErrors, connection.path() + ": " + error);
              }
            }));
  }

  /** Whether both sides are connected and the data flows; chaos from outside picks these. */
  boolean isReady() {
    return ready;
  }

  /** Whether the connection has opened; a snapshot. */
  boolean isOpened() {
    return connectState.get() == OPENED;
  }

  /** Whether this peer has ended (closed by either side, or given up); a snapshot. */
  boolean hasEnded() {
    return endCounted.get();
  }

  /**
   * Main thread: gives up a connect that has not completed, counting it as timed out and closing
   * it; false (and nothing done) if it has opened or failed meanwhile.
   */
  boolean giveUpConnecting() {
    if (!connectState.compareAndSet(CONNECTING, CONNECT_ABANDONED)) {
      return false;
    }
    tally.connectTimeouts.increment();
    run.connectFailed(this);
    closeFromOutside();
    return true;
  }

  /**
   * Main thread: {@code Client.connect} threw (no socket could be opened, e.g. out of file
   * descriptors), so there is no connection: counted as a failed connect, and the peer ends.
   */
  void connectThrew(String what) {
    connectState.set(CONNECT_FAILED);
    tally.connectFailed(what);
    run.connectFailed(this);
    end();
  }

  /** Closes from the main thread: the chaos that comes from outside every listener. */
  void closeFromOutside() {
    if (tracked != null) { // null: its connect threw, there is nothing to close
      tracked.closeFromOutside();
    }
    end();
  }

  /** Messages this peer queued for its partner; final once it has ended. */
  int sentCount() {
    return sent;
  }

  /** Messages this peer received from its partner; final once it has ended. */
  int receivedCount() {
    return nextIncoming;
  }

  private void onMessage(ByteBuffer message) {
    Connection connection = tracked.connection;
    switch (Wire.type(message)) {
      case Wire.READY -> {
        ready = true;
        for (int i = 0; i < messages; i++) {
          if (!connection.send(Wire.data(i))) {
            return; // ended meanwhile (chaos): onClosed or the closer counts the end
          }
          sent++;
          tally.sent.increment();
        }
      }
      case Wire.DATA -> {
        int sequence = Wire.number(message);
        if (sequence != nextIncoming) {
          tally.problem(
              tally.outOfOrder,
              connection.path() + ": got " + sequence + ", expected " + nextIncoming);
        }
        nextIncoming = sequence + 1;
        tally.delivered.increment();
        if (nextIncoming == messages) {
          connection.send(Wire.done());
          closeIfFinished();
        } else if (chaos && random.nextDouble() < 0.05 / messages) {
          tally.chaosCloses.increment();
          run.chaosClose();
          closeFromOwnListener();
        }
      }
      case Wire.DONE -> {
        partnerDone = true;
        closeIfFinished();
      }
      default ->
          tally.problem(
              tally.unexpectedErrors,
              connection.path() + ": unknown message type " + Wire.type(message));
    }
  }

  private void closeIfFinished() {
    if (side == 0 && partnerDone && nextIncoming == messages) {
      closeFromOwnListener();
    }
  }

  private void closeFromOwnListener() {
    tracked.closeFromListener(); // does not wait for this very call
    end();
  }

  private void end() {
    if (endCounted.compareAndSet(false, true)) {
      run.sideEnded();
    }
  }
}
