package dev.tether.samples.net;

import dev.tether.CallbackSlot;
import dev.tether.Delivery;
import dev.tether.Lifecycle;
import dev.tether.Replay;
import java.io.EOFException;
import java.io.IOException;
import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * One message connection over TCP: whole messages in, whole messages out, and four events
 * ({@code onOpen}, {@code onMessage}, {@code onClosed}, {@code onError}) delivered to the
 * listeners the user sets.
 *
 * <p>Instances are thread-safe: every method may be called from any thread, including from
 * inside this connection's own listeners and those of other connections.
 *
 * <p>Delivery: all listeners of one connection run one at a time, in event order, on the
 * connection's serial lane (the {@code Executor} given to its {@link Server} or {@link Client},
 * or else mostly the I/O thread). Two connections' listeners may run at the same time.
 *
 * <p>Memory consistency effects: actions in a thread prior to {@link #send} happen-before the
 * message's bytes are written to the socket; actions of a listener happen-before the next
 * listener call of the same connection; every listener call happens-before the return of
 * {@link #close()}.
 *
 * <p>Blocking: {@link #close()} blocks until no listener of this connection is running, except
 * where waiting would deadlock (it is called from inside one of them, or from inside a listener
 * that the running one waits for): Tether's rules, see {@link CallbackSlot#reset()}. A listener
 * setter that replaces a listener waits, in the same way, for the replaced one if it is running;
 * and on a lane without an executor, a setter that finds a kept event (a late {@code onOpen})
 * drains the idle lane itself, running that event, and whatever is queued behind it, on the
 * calling thread. {@link #send}, {@link #isOpen} and the accessors do not block.
 *
 * <p>Events: {@code onOpen} fires once when the connection is established, even for a listener
 * set later; {@code onClosed} fires once when the peer closes the connection or it fails
 * ({@code onError} first, with the cause), and never for a local {@link #close()}: when
 * {@code close()} returns, no listener runs or will run. So it fires at most once: a close of the
 * connection or of an ancestor that overtakes a remote end whose {@code onClosed} is still queued
 * wins, and {@code onClosed} does not fire; nor does it if the lane's executor refuses it (that
 * is logged, and the connection closes all the same). Replacing a listener discards the events
 * already queued for the old one (Tether's rule: a queued call of a removed callback never runs),
 * so set each listener once, before events flow. A message that arrives while no {@code onMessage} listener is set is neither
 * dropped nor kept for replay: the connection stops reading until a listener is set (TCP pushes
 * back on the peer), then delivers it and reads on. So no message is lost or reordered for want
 * of a listener; but a peer's end behind such a message is noticed only once a listener is set.
 * Set the listeners in the server's {@code onAccept} or the client's {@code setup}.
 *
 * <p>Exceptions: what a listener throws is logged, and the connection carries on. Setting a
 * listener on a closed connection throws {@link IllegalStateException} naming the connection.
 */
/*
 * Implementation notes
 *
 * The connection is a Lifecycle node (a child of its Server or Client) with one slot per event,
 * all on the node's serial lane, and the socket as an owned resource: closing the node (directly,
 * or by closing any ancestor) resets every slot, waits for the running listener, then closes the
 * socket. Users never see a CallbackSlot: they get listener setters, as a designer would expose
 * them.
 *
 * `ended` says the socket is finished, by either side; its CAS picks the one path that reports
 * the end. A remote end queues onError (if failed), onClosed, then a private `finish` call on the
 * same lane. The lane runs them in order, so onClosed has run when `finish` closes the node from
 * inside the lane: a close from inside a lane callback does not wait for itself, and closing the
 * node first would have discarded the queued onClosed. A local close() sets `ended` first, so a
 * late end-of-stream from the I/O thread reports nothing.
 *
 * Only the I/O thread touches the key, the inbound buffer and `writing`; other threads hand it
 * work through the loop's task queue (flush) and the lock-free outbound queue.
 */
public final class Connection implements AutoCloseable {
  /** The largest message, in bytes, that {@link #send} accepts and a peer may send. */
  public static final int MAX_MESSAGE_BYTES = 1 << 20;

  private static final int READ_BUFFER_BYTES = 64 * 1024;
  private static final System.Logger LOG = System.getLogger(Connection.class.getName());

  private final Lifecycle node;
  private final SocketChannel channel;
  private final IoLoop loop;
  private final CallbackSlot<Void> opened;
  private final CallbackSlot<ByteBuffer> messages;
  private final CallbackSlot<Void> closed;
  private final CallbackSlot<Throwable> errors;
  private final CallbackSlot<Void> finish;
  private final Queue<ByteBuffer> outbound = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean flushScheduled = new AtomicBoolean();
  private final AtomicBoolean ended = new AtomicBoolean();
  private final IoLoop.Handler handler = new SocketHandler();

  /** Written by the I/O thread only; read by anyone (bytesReceived). */
  private volatile long bytesReceived;

  /** Written by the I/O thread only; read by tests (endOfStreamReads). */
  private volatile int endOfStreamReads;

  // I/O thread only.
  private SelectionKey key;
  private ByteBuffer inbound = ByteBuffer.allocate(READ_BUFFER_BYTES);
  private ByteBuffer writing;

  Connection(Lifecycle parent, String name, Delivery lane, SocketChannel channel, IoLoop loop) {
    // @start region="connection-node"
    this.node = parent.child(name, lane); // throws if the parent is closing: the caller closes
    this.channel = channel;
    this.loop = loop;
    // Slots are named with the node's path: "server/conn-7/onMessage".
    opened = node.slot(CallbackSlot.<Void>builder("onOpen").replay(Replay.latest()));
    messages = node.slot("onMessage"); // no replay: a message waits for a listener
    closed = node.slot(CallbackSlot.<Void>builder("onClosed").replay(Replay.latest()));
    errors = node.slot(CallbackSlot.<Throwable>builder("onError").replay(Replay.latest()));
    finish = node.slot("finish");
    finish.set(ignored -> node.close());
    node.own(this::endLocally);
    // @end region="connection-node"
  }

  // @start region="listener-setter"
  /** Sets the listener for the open event; replaces any previous one. */
  public void onOpen(Runnable listener) {
    Objects.requireNonNull(listener, "listener");
    opened.set(ignored -> listener.run());
  }
  // @end region="listener-setter"

  /**
   * Sets the listener for incoming messages; replaces any previous one. Each message is a fresh
   * read-only buffer the listener may keep. Resumes reading if a message was waiting for one.
   */
  public void onMessage(Consumer<? super ByteBuffer> listener) {
    messages.set(Objects.requireNonNull(listener, "listener"));
    loop.execute(
        () -> { // refused once the loop stops: the connection has ended
          try {
            startReading();
          } catch (RuntimeException e) { // e.g. the lane's executor refused: the connection fails
            endRemotely(e);
          }
        });
  }

  /** Sets the listener for the end of the connection by the peer or by a failure. */
  public void onClosed(Runnable listener) {
    Objects.requireNonNull(listener, "listener");
    closed.set(ignored -> listener.run());
  }

  /** Sets the listener for a failure of the connection; {@code onClosed} follows it. */
  public void onError(Consumer<? super Throwable> listener) {
    errors.set(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Queues {@code message}'s remaining bytes as one message; does not block. The buffer is copied,
   * and its position is left unchanged. The queue is unbounded, and an end of the connection
   * (either side's) discards what is still queued: {@code close()} does not flush.
   *
   * @return {@code true} if the message was queued (not that it will be delivered);
   *     {@code false} if the connection has ended
   * @throws IllegalArgumentException naming the connection if the message is larger than
   *     {@link #MAX_MESSAGE_BYTES}
   */
  public boolean send(ByteBuffer message) {
    int size = Objects.requireNonNull(message, "message").remaining();
    if (size > MAX_MESSAGE_BYTES) {
      throw new IllegalArgumentException(
          "connection '"
              + node.path()
              + "': message of "
              + size
              + " bytes exceeds the limit of "
              + MAX_MESSAGE_BYTES);
    }
    if (ended.get()) {
      return false;
    }
    outbound.add(ByteBuffer.allocate(4 + size).putInt(size).put(message.duplicate()).flip());
    if (flushScheduled.compareAndSet(false, true) && !loop.execute(this::flush)) {
      return false; // the I/O thread has stopped: the connection is closing with it
    }
    return true;
  }

  /** Whether the connection has not ended (by either side) yet. A snapshot. */
  public boolean isOpen() {
    return !ended.get();
  }

  /**
   * How many bytes this connection has read from its socket so far, length prefixes included; a
   * snapshot, for monitoring. Bytes read are not yet delivered: a message waits in the
   * connection until its last byte has arrived and a listener is set.
   */
  public long bytesReceived() {
    return bytesReceived;
  }

  /**
   * How often a read found the peer's end of the stream: once per connection, unless the I/O
   * thread kept selecting a finished socket (the spin that {@code endRemotely} prevents while a
   * local close waits for a listener). For tests.
   */
  int endOfStreamReads() {
    return endOfStreamReads;
  }

  /** The connection's path in the lifecycle tree, e.g. {@code app/server-4711/conn-3}. */
  public String path() {
    return node.path();
  }

  /**
   * The connection's lifecycle node. What the user owns there ({@link Lifecycle#own}) is closed
   * with the connection after its listeners are reset, so a listener never sees it closed (except
   * a listener that is itself closing the connection, under Tether's non-waiting rules); child
   * nodes close first, before the listeners are reset, as every Lifecycle child does.
   */
  public Lifecycle lifecycle() {
    return node;
  }

  /**
   * Resets every listener, then closes the socket; when this returns, no listener of this
   * connection runs or will run (see the class documentation for the waits that are skipped).
   * Messages still queued by {@link #send} are discarded. Idempotent; concurrent callers each
   * wait. {@code onClosed} does not fire.
   */
  @Override
  public void close() {
    ended.set(true); // from now on a peer's end reports nothing: this close wins
    // Slots first, then the socket (the node's resource, endLocally). From outside every
    // listener this returns only once no listener of this connection runs, also when a
    // listener closed the connection first (Lifecycle waits for that call too).
    node.close();
  }

  @Override
  public String toString() {
    return "Connection[" + node.path() + (ended.get() ? ", ended]" : ", open]");
  }

  IoLoop.Handler handler() {
    return handler;
  }

  private void endLocally() {
    ended.set(true);
    try {
      channel.close();
    } catch (IOException ignored) { // closing: the peer sees the end either way
    }
    loop.wakeup(); // a channel closed off the loop keeps its descriptor until the next select
  }

  // @start region="remote-end"
  /** The peer closed, or the connection failed ({@code cause} not null). */
  private void endRemotely(Throwable cause) {
    if (!ended.compareAndSet(false, true)) {
      if (loop.inLoop() && key != null && key.isValid()) {
        key.interestOps(0); // a local close is under way: stop the readiness that brought us here
      }
      return; // already ended: closed locally, or reported once
    }
    try {
      channel.close();
    } catch (IOException ignored) { // it is over either way
    }
    try {
      if (cause != null) {
        errors.invoke(cause);
      }
      closed.invoke(null);
      finish.invoke(null);
    } catch (RuntimeException refused) { // the lane's executor refused: still end the node
      LOG.log(System.Logger.Level.WARNING, "connection '" + node.path() + "': could not deliver"
          + " its end; closing it without onClosed", refused);
      node.closeAsync();
    }
  }
  // @end region="remote-end"

  private void flush() {
    flushScheduled.set(false); // before draining: a send after this point schedules again
    if (key == null || !key.isValid() || !channel.isConnected()) {
      return; // not registered or connected yet: registration flushes, or the end came first
    }
    try {
      while (true) {
        if (writing == null && (writing = outbound.poll()) == null) {
          break;
        }
        channel.write(writing);
        if (writing.hasRemaining()) {
          key.interestOps(key.interestOps() | SelectionKey.OP_WRITE);
          return;
        }
        writing = null;
      }
      key.interestOps(key.interestOps() & ~SelectionKey.OP_WRITE);
    } catch (IOException | RuntimeException e) {
      endRemotely(e);
    }
  }

  private void read() throws IOException {
    int read = channel.read(inbound);
    if (read < 0) {
      endOfStreamReads++; // single writer: the I/O thread
      endRemotely(
          inbound.position() == 0
              ? null
              : new EOFException(
                  "connection '"
                      + node.path()
                      + "': the peer ended in the middle of a message, "
                      + inbound.position()
                      + " bytes in"));
      return;
    }
    bytesReceived += read; // single writer: the I/O thread
    deliverBuffered();
  }

  /**
   * Delivers every whole message in the buffer; with no listener set, stops reading instead, so a
   * message is never dropped or kept out of order. The buffer is in write mode on entry and on
   * every exit, exceptions included, and holds exactly the bytes not yet delivered.
   */
  private void deliverBuffered() {
    inbound.flip();
    boolean readMode = true;
    try {
      while (inbound.remaining() >= 4 && !ended.get()) {
        int size = inbound.getInt(inbound.position());
        if (size < 0 || size > MAX_MESSAGE_BYTES) {
          inbound.clear();
          readMode = false;
          endRemotely(
              new ProtocolException(
                  "connection '"
                      + node.path()
                      + "': the peer sent a "
                      + "message of "
                      + size
                      + " bytes; the limit is "
                      + MAX_MESSAGE_BYTES));
          return;
        }
        if (!messages.isSet()) { // racy but safe: a listener set meanwhile restarts reading
          key.interestOps(key.interestOps() & ~SelectionKey.OP_READ);
          return;
        }
        if (inbound.remaining() < 4 + size) {
          if (inbound.capacity() < 4 + size) { // larger than the buffer: grow to fit it
            inbound = ByteBuffer.allocate(4 + size).put(inbound);
            readMode = false;
          }
          return;
        }
        inbound.getInt();
        byte[] bytes = new byte[size];
        inbound.get(bytes);
        // A refused hand-off throws, but the message is queued: the bytes are consumed either way.
        messages.invoke(ByteBuffer.wrap(bytes).asReadOnlyBuffer());
      }
    } finally {
      if (readMode) {
        if (inbound.capacity() > READ_BUFFER_BYTES && !inbound.hasRemaining()) {
          inbound = ByteBuffer.allocate(READ_BUFFER_BYTES); // a large message must not pin it
        } else {
          inbound.compact();
        }
      }
    }
  }

  /** On the loop thread, once connected, and again when a listener is set. */
  private void startReading() {
    if (key != null && key.isValid() && channel.isConnected()) {
      key.interestOps(key.interestOps() | SelectionKey.OP_READ);
      deliverBuffered(); // what waited for a listener, if any
    }
  }

  private final class SocketHandler implements IoLoop.Handler {
    @Override
    public void registered(SelectionKey registeredKey) {
      key = registeredKey;
      if (channel.isConnected()) {
        opened.invoke(null);
        startReading();
        flush();
      }
    }

    @Override
    public void ready(SelectionKey readyKey) throws IOException {
      if (readyKey.isConnectable()) {
        if (!channel.finishConnect()) { // throws when refused: failed() reports it
          return;
        }
        readyKey.interestOps(0);
        opened.invoke(null);
        startReading();
        flush();
      }
      if (readyKey.isValid() && readyKey.isReadable()) {
        read();
      }
      if (readyKey.isValid() && readyKey.isWritable()) {
        flush();
      }
    }

    @Override
    public void failed(Throwable failure) {
      try {
        endRemotely(failure);
      } catch (CancelledKeyException closedMeanwhile) {
        // A local close on another thread closed the channel between endRemotely's isValid()
        // and its interestOps(0): the key is cancelled, so the readiness cannot spin, and that
        // close reports the end. Seen as a SEVERE log line in a soak, with nothing wrong.
      }
    }
  }
}
