package dev.tether.samples.relay;

import java.nio.ByteBuffer;

/** The relay demo's messages: one type byte, then the fields of that type. */
final class Wire {
  /** Client to relay, first message: pair id (int), side (byte). */
  static final byte HELLO = 1;

  /** Relay to client: both sides of the pair are here, start sending. */
  static final byte READY = 2;

  /** Client to client through the relay: sequence number (int), then padding. */
  static final byte DATA = 3;

  /** Client to client: I received all your messages. */
  static final byte DONE = 4;

  private static final int DATA_PADDING = 32;

  private Wire() {}

  static ByteBuffer hello(int pair, int side) {
    return ByteBuffer.allocate(6).put(HELLO).putInt(pair).put((byte) side).flip();
  }

  static ByteBuffer ready() {
    return ByteBuffer.allocate(1).put(READY).flip();
  }

  static ByteBuffer data(int sequence) {
    return ByteBuffer.allocate(5 + DATA_PADDING).put(DATA).putInt(sequence).rewind();
  }

  static ByteBuffer done() {
    return ByteBuffer.allocate(1).put(DONE).flip();
  }

  static byte type(ByteBuffer message) {
    return message.get(0);
  }

  /** The int right after the type byte: a HELLO's pair, a DATA's sequence. */
  static int number(ByteBuffer message) {
    return message.getInt(1);
  }

  static int side(ByteBuffer message) {
    return message.get(5);
  }
}
