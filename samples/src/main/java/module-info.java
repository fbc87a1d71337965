/**
 * Tether's samples: a TCP message-connection library ({@code dev.tether.samples.net}), the relay
 * demo, an adapter for the JDK's WebSocket client and the deadlock gallery. A named module that
 * reads only {@code dev.tether}'s exported API, so a sample that reached into Tether's internals
 * would not compile.
 */
module dev.tether.samples {
  requires transitive dev.tether;
  // TetherWebSocket's API takes an HttpClient: its users need java.net.http too.
  requires transitive java.net.http;
  // The relay demo's --jfr records Tether's JFR events.
  requires jdk.jfr;

  exports dev.tether.samples.net;
  exports dev.tether.samples.websocket;
}
