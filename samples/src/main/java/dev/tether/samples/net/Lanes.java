package dev.tether.samples.net;

import dev.tether.Delivery;
import java.util.concurrent.Executor;

/** The delivery choice shared by {@link Server} and {@link Client}. */
final class Lanes {
  private Lanes() {}

  /**
   * A new lane for one connection: each connection's listeners are serialized, two connections'
   * are not. Drained by {@code executor}, or, when it is null, by whichever thread finds the lane
   * idle: the I/O thread delivering an event, or a user's thread whose listener setter replays a
   * kept event (a late {@code onOpen}).
   */
  // @start region="lane-per-connection"
  static Delivery forConnection(Executor executor) {
    return executor == null ? Delivery.serial() : Delivery.serialOn(executor);
  }
  // @end region="lane-per-connection"
}
