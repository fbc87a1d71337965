package dev.tether.samples.net;

import dev.tether.Lifecycle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * The client side: one I/O thread for any number of outgoing {@link Connection}s, each a child of
 * the client's lifecycle node.
 *
 * <p>Instances are thread-safe: every method may be called from any thread, including from
 * inside any listener.
 *
 * <p>Delivery: each connection gets its own serial lane: on the given {@code Executor}, or else
 * drained by the thread that finds it idle (the I/O thread, or a thread setting a listener that
 * replays a kept event), so a listener may then run on the I/O thread.
 *
 * <p>Blocking: {@link #connect} does not block (the connection opens later: {@code onOpen});
 * its {@code setup} runs on the calling thread;
 * {@link #close()} blocks as {@link Server#close()}.
 *
 * <p>Exceptions: a refused or failed connect is reported on the connection: {@code onError},
 * then {@code onClosed}. On a lane without an executor, a connect refused at once runs those
 * listeners, and the connection's close, on the thread calling {@link #connect}.
 */
public final class Client implements AutoCloseable {
  private final Lifecycle node;
  private final IoLoop loop;
  private final Executor callbackExecutor; // null: lanes drained by the I/O thread
  private final AtomicLong connectionIds = new AtomicLong();

  private Client(Lifecycle parent, String name, Executor callbackExecutor) {
    this.node = Objects.requireNonNull(parent, "parent").child(name);
    this.callbackExecutor = callbackExecutor;
    try {
      this.loop = node.own(new IoLoop("tether-io-" + node.path()));
    } catch (RuntimeException | Error e) { // e.g. no selector: leave no open node behind
      IoLoop.closeQuietly(node);
      throw e;
    }
  }

  /**
   * Creates a client node {@code name} under {@code parent}; its connections' listeners run on
   * {@code Delivery.serial()} lanes, mostly on the client's I/O thread.
   *
   * @throws IllegalStateException naming the path if {@code parent} is closing or closed
   */
  public static Client open(Lifecycle parent, String name) {
    return new Client(parent, name, null);
  }

  /** As {@link #open(Lifecycle, String)}, with listeners run on lanes drained by the executor. */
  public static Client open(Lifecycle parent, String name, Executor callbackExecutor) {
    return new Client(parent, name, Objects.requireNonNull(callbackExecutor, "callbackExecutor"));
  }

  /**
   * Starts connecting to {@code remote} and returns the connection at once. {@code setup} runs
   * first, on this thread, before the connection can produce any event: set the listeners there,
   * and none is missed, not even the {@code onError} and {@code onClosed} of a connect refused at
   * once (a listener set later on a connection that has already ended throws). Messages sent
   * before it opens are queued.
   *
   * @throws IllegalArgumentException naming the client if {@code remote} is unresolved
   * @throws UncheckedIOException if no socket can be opened, naming the client and the address
   *     (a connect that fails, at once or later, is reported on the connection instead)
   * @throws IllegalStateException naming the path if the client is closing or closed
   * @throws RuntimeException what {@code setup} threw; the connection is then closed
   */
  public Connection connect(InetSocketAddress remote, Consumer<? super Connection> setup) {
    Objects.requireNonNull(remote, "remote");
    Objects.requireNonNull(setup, "setup");
    if (remote.isUnresolved()) {
      throw new IllegalArgumentException(
          "client '" + node.path() + "': cannot connect to the " + "unresolved address " + remote);
    }
    SocketChannel socket = null;
    Connection connection = null;
    try {
      socket = SocketChannel.open();
      socket.configureBlocking(false);
      socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
      // @start region="connect-setup"
      connection = new Connection(node, "conn-" + connectionIds.incrementAndGet(),
          Lanes.forConnection(callbackExecutor), socket, loop);
      setup.accept(connection);
      boolean connected;
      try {
        connected = socket.connect(remote);
      } catch (IOException refusedAtOnce) { // e.g. no route: reported as any failed connect
        connection.handler().failed(refusedAtOnce);
        return connection;
      }
      loop.register(socket, connected ? 0 : SelectionKey.OP_CONNECT,
          connection.handler());
      // @end region="connect-setup"
      return connection;
    } catch (IOException e) {
      IoLoop.closeQuietly(socket);
      IoLoop.closeQuietly(connection);
      throw new UncheckedIOException(
          "client '" + node.path() + "': cannot connect to " + remote, e);
    } catch (RuntimeException e) {
      IoLoop.closeQuietly(socket);
      IoLoop.closeQuietly(connection);
      throw e;
    }
  }

  /** The client's lifecycle node; its connections are children. */
  public Lifecycle lifecycle() {
    return node;
  }

  /** Closes every connection and stops the I/O thread; see {@link Server#close()}. */
  @Override
  public void close() {
    node.close();
  }

  @Override
  public String toString() {
    return "Client[" + node.path() + ", " + node.state() + "]";
  }
}
