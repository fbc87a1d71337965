package dev.tether.samples.relay;

import dev.tether.samples.net.Connection;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * The server side of the demo: pairs accepted connections by the HELLO they send, forwards what
 * one side sends to the other, and, when one side ends, closes the other from inside its
 * {@code onClosed} listener: the cross-close that deadlocks naive designs when both sides end at
 * once.
 */
final class Relay {
  /** The two server-side connections of one client pair. */
  static final class Pair {
    /** The client pair's id, from its HELLO. */
    final int id;

    private final ReentrantLock lock = new ReentrantLock(); // never held while calling out
    private final Tracked[] sides = new Tracked[2];
    private boolean torn;

    Pair(int id) {
      this.id = id;
    }

    /** The other side, or null if it has not said HELLO yet. */
    Tracked partnerOf(Tracked side) {
      lock.lock();
      try {
        return sides[0] == side ? sides[1] : sides[0];
      } finally {
        lock.unlock();
      }
    }
  }

  private final Tally tally;
  private final boolean chaos;
  private final double chaosPerMessage;

  /** Told a pair's id before the relay's chaos closes it, so its losses are accounted for. */
  private final IntConsumer beforeChaosClose;

  private final ConcurrentHashMap<Integer, Pair> pairs = new ConcurrentHashMap<>();

  Relay(Tally tally, boolean chaos, int messagesPerClient, IntConsumer beforeChaosClose) {
    this.tally = tally;
    this.chaos = chaos;
    this.beforeChaosClose = beforeChaosClose;
    this.chaosPerMessage = 0.1 / messagesPerClient; // about one pair in ten
  }

  /** Server.listen's onAccept: runs on the I/O thread before the connection reads anything. */
  void accept(Connection connection) {
    Tracked side = new Tracked(connection, tally);
    SplittableRandom random = new SplittableRandom(connection.path().hashCode());
    Pair[] pair = new Pair[1]; // written and read only by this connection's lane
    connection.onMessage(
        side.watch(
            "relay onMessage",
            message -> {
              if (Wire.type(message) == Wire.HELLO) {
                pair[0] = join(side, Wire.number(message), Wire.side(message));
                return;
              }
              Tracked partner = pair[0] == null ? null : pair[0].partnerOf(side);
              if (partner != null) {
                partner.connection.send(message); // false once the partner ended: that is the chaos
              }
              if (chaos && random.nextDouble() < chaosPerMessage) {
                tally.chaosCloses.increment();
                beforeChaosClose.accept(pair[0].id);
                tearDown(pair[0], true); // from inside this connection's own listener
              }
            }));
    // @start region="cross-close"
    connection.onClosed(side.watch("relay onClosed", () -> {
      if (side.firstOnClosed() && pair[0] != null) {
        tearDown(pair[0], true); // the cross-close: the partner, from inside onClosed
      }
    }));
    // @end region="cross-close"
  }

  /** Closes both server-side connections of the pair that {@code clientPair} names, if known. */
  void tearDownFromOutside(int clientPair) {
    Pair pair = pairs.get(clientPair);
    if (pair != null) {
      tearDown(pair, false);
    }
  }

  /**
   * Drops what the relay knows of {@code clientPair}, once both its clients have ended, so that a
   * long run does not keep every pair it ever relayed. Its connections keep their own reference.
   */
  void forget(int clientPair) {
    pairs.remove(clientPair);
  }

  private Pair join(Tracked side, int clientPair, int sideIndex) {
    Pair pair = pairs.computeIfAbsent(clientPair, Pair::new);
    boolean torn;
    Tracked first;
    Tracked second;
    pair.lock.lock();
    try {
      pair.sides[sideIndex] = side;
      torn = pair.torn;
      first = pair.sides[0];
      second = pair.sides[1];
    } finally {
      pair.lock.unlock();
    }
    if (torn) {
      side.closeFromListener();
    } else if (first != null && second != null) {
      first.connection.send(Wire.ready());
      second.connection.send(Wire.ready());
    }
    return pair;
  }

  // @start region="tear-down"
  private void tearDown(Pair pair, boolean fromListener) {
    List<Tracked> toClose;
    pair.lock.lock();
    try {
      pair.torn = true;
      toClose = Arrays.stream(pair.sides).filter(Objects::nonNull).toList();
    } finally {
      pair.lock.unlock();
    }
    for (Tracked side : toClose) { // outside the lock: closing waits for listeners
      if (fromListener) {
        side.closeFromListener();
      } else {
        side.closeFromOutside();
      }
    }
  }
  // @end region="tear-down"
}
