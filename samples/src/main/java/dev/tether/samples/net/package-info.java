/**
 * A small message-connection library on loopback TCP, built on Tether the way a connection
 * library would be: {@link dev.tether.samples.net.Server} and {@link dev.tether.samples.net.Client}
 * own an I/O thread each and are lifecycle nodes; each {@link dev.tether.samples.net.Connection}
 * is a child node whose listeners run on its own serial lane and stop for good when its
 * {@code close()} returns. Messages are length-prefixed frames (a 4-byte big-endian length, then
 * the bytes) over {@code java.nio} non-blocking sockets; no networking framework.
 */
package dev.tether.samples.net;
