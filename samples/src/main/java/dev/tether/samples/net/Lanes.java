package dev.tether.samples.net;

import dev.tether.Delivery;
import java.util.concurrent.Executor;

/** The delivery choice shared by {@link Server} and {@link Client}. */
final class Lanes {
  private Lanes() {}

  /**
   * A new lane for one connection: each connection's listeners are serialized, two connections'
   * are not. Drained by {@code executor}, or, when it is null, by whichever thread invokes first,
   * in practice the I/O thread.
   */
  static Delivery forConnection(Executor executor) {
    return executor == null ? Delivery.serial() : Delivery.serialOn(executor);
  }
}
