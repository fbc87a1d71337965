package dev.tether.samples.relay;

import dev.tether.samples.net.Connection;
import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client of a pair: says HELLO, waits for READY, sends its messages, checks that its
 * partner's arrive whole and in order, and says DONE when it has them all. Side 0 closes its
 * connection, from inside its own listener, once it has everything and its partner's DONE; side 1
 * then learns of the end through the relay's cross-close, as {@code onClosed}.
 */
final class Peer {
  final int pair;
  final int side;
  /** Set by {@link #attach}, which runs before the connection can produce any event. */
  Tracked tracked;
  private final Tally tally;
  private final int messages;
  private final boolean chaos;
  private final CountDownLatch ended;
  private final AtomicBoolean endCounted = new AtomicBoolean();
  private final SplittableRandom random;
  private volatile boolean ready;
  // Written and read only by this connection's lane, one listener at a time.
  private int nextIncoming;
  private boolean partnerDone;

  Peer(int pair, int side, int messages, boolean chaos, Tally tally, CountDownLatch ended) {
    this.pair = pair;
    this.side = side;
    this.tally = tally;
    this.messages = messages;
    this.chaos = chaos;
    this.ended = ended;
    this.random = new SplittableRandom(31L * pair + side);
  }

  /** {@code Client.connect}'s setup: sets every listener before anything can happen. */
  void attach(Connection connection) {
    tracked = new Tracked(connection, tally);
    connection.onOpen(tracked.watch("client onOpen",
        () -> connection.send(Wire.hello(pair, side))));
    connection.onMessage(tracked.watch("client onMessage", this::onMessage));
    connection.onClosed(tracked.watch("client onClosed", () -> {
      tracked.firstOnClosed();
      end();
    }));
    connection.onError(tracked.watch("client onError", error -> {
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

  /** Closes from the main thread: the chaos that comes from outside every listener. */
  void closeFromOutside() {
    tracked.closeFromOutside();
    end();
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
          tally.sent.increment();
        }
      }
      case Wire.DATA -> {
        int sequence = Wire.number(message);
        if (sequence != nextIncoming) {
          tally.problem(tally.outOfOrder, connection.path() + ": got " + sequence
              + ", expected " + nextIncoming);
        }
        nextIncoming = sequence + 1;
        tally.delivered.increment();
        if (nextIncoming == messages) {
          connection.send(Wire.done());
          closeIfFinished();
        } else if (chaos && random.nextDouble() < 0.05 / messages) {
          tally.chaosCloses.increment();
          closeFromOwnListener();
        }
      }
      case Wire.DONE -> {
        partnerDone = true;
        closeIfFinished();
      }
      default -> tally.problem(tally.unexpectedErrors,
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
      ended.countDown();
    }
  }
}
