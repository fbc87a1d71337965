package dev.tether.samples.net;

import dev.tether.CallbackSlot;
import dev.tether.Delivery;
import dev.tether.Lifecycle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A listening socket with its own I/O thread; each accepted {@link Connection} is a child of the
 * server's lifecycle node, so closing the server closes every connection first.
 *
 * <p>Instances are thread-safe: every method may be called from any thread, including from
 * inside any listener.
 *
 * <p>Delivery: {@code onAccept} runs on the I/O thread, before the connection reads anything, so
 * it can set the connection's listeners without missing an event; it must not block. Each
 * connection gets its own serial lane: on the given {@code Executor}, or else a
 * {@code Delivery.serial()} lane, drained by the thread that finds it idle, mostly the I/O
 * thread.
 *
 * <p>Memory consistency effects: actions before {@link #listen} happen-before every
 * {@code onAccept} call; every listener call of every connection happens-before the return of
 * {@link #close()}.
 *
 * <p>Blocking: {@link #close()} blocks as {@link Connection#close()} for each connection, then
 * for the I/O thread to stop (at most {@value IoLoop#STOP_TIMEOUT_SECONDS} s; then it throws,
 * naming the thread and where it is stuck). Called on any server's or client's I/O thread (from
 * a listener a loop runs), it does not wait for the thread to stop. The other methods do not block.
 *
 * <p>Backlog: the listening socket queues up to {@code backlog} connections that the kernel has
 * completed but the server has not accepted yet ({@value #DEFAULT_BACKLOG} unless given; Linux
 * caps it at {@code net.core.somaxconn}). A connect that finds the queue full is not refused: its
 * handshake is dropped and the client retries after 1, 3, 7, 15, 31 s, so a burst of connects
 * larger than the backlog shows up as connects that stall for seconds.
 *
 * <p>Exceptions: what {@code onAccept} throws is logged and the connection stays open. A failed
 * accept (the process is out of file descriptors, say) is logged and accepting pauses, for
 * {@value #MIN_ACCEPT_PAUSE_MILLIS} ms, doubling while accepts keep failing up to
 * {@value #MAX_ACCEPT_PAUSE_MILLIS} ms, so that a connection waiting in the backlog does not make
 * the I/O thread retry, and log, in a busy loop; the other connections carry on meanwhile.
 */
/*
 * Implementation notes
 *
 * The accept back-off. A connection the kernel cannot hand over (EMFILE, ENFILE, ENOBUFS) stays
 * in the backlog, so the selector reports the listening socket ready again at once: retrying
 * would spin the I/O thread and flood the log for as long as the shortage lasts. So a failed
 * accept clears OP_ACCEPT and schedules its return on the loop, as Netty's server acceptor turns
 * auto-read off for a second after an accept failure. The pause starts short, because most
 * shortages pass quickly (a burst of connections closing), and doubles to a second while they do
 * not; a successful accept resets it. Only the accept call itself backs off: a socket that fails
 * to be configured is that connection's failure, and the server accepts the next at once.
 */
public final class Server implements AutoCloseable {
  /**
   * The listen backlog unless one is given: large, as servers use, because the JDK's default
   * (50) overflows when hundreds of clients connect at once, and each overflow stalls a connect
   * for a second or more.
   */
  public static final int DEFAULT_BACKLOG = 4096;

  static final long MIN_ACCEPT_PAUSE_MILLIS = 10;
  static final long MAX_ACCEPT_PAUSE_MILLIS = 1_000;
  private static final System.Logger LOG = System.getLogger(Server.class.getName());

  /** Takes the next pending connection off a listening socket; tests inject failures here. */
  @FunctionalInterface
  interface Acceptor {
    /** The next connection, or null if none is pending. */
    SocketChannel accept(ServerSocketChannel channel) throws IOException;
  }

  private final Lifecycle node;
  private final ServerSocketChannel channel;
  private final InetSocketAddress address;
  private final IoLoop loop;
  private final Executor callbackExecutor; // null: lanes drained by the I/O thread
  private final CallbackSlot<Connection> accepted;
  private final AtomicLong connectionIds = new AtomicLong();
  private final Acceptor acceptor;

  private Server(
      Lifecycle parent,
      InetSocketAddress bindAddress,
      int backlog,
      Executor callbackExecutor,
      Consumer<? super Connection> onAccept,
      Acceptor acceptor) {
    Objects.requireNonNull(parent, "parent");
    if (backlog <= 0) { // the JDK would silently take 0 or less as its default of 50
      throw new IllegalArgumentException("backlog must be positive, not " + backlog);
    }
    this.acceptor = acceptor;
    Objects.requireNonNull(bindAddress, "address");
    Objects.requireNonNull(onAccept, "onAccept");
    this.callbackExecutor = callbackExecutor;
    ServerSocketChannel opened = null;
    Lifecycle created;
    try {
      opened = ServerSocketChannel.open();
      opened.configureBlocking(false);
      opened.bind(bindAddress, backlog);
      address = (InetSocketAddress) opened.getLocalAddress();
      created = parent.child("server-" + address.getPort());
    } catch (IOException | RuntimeException e) {
      IoLoop.closeQuietly(opened);
      if (e instanceof IOException) {
        throw new UncheckedIOException(
            "cannot listen on " + bindAddress + " under '" + parent.path() + "'", (IOException) e);
      }
      throw (RuntimeException) e;
    }
    channel = opened;
    node = created;
    try {
      // @start region="server-node"
      loop = node.own(new IoLoop("tether-io-" + node.path()));
      node.own(channel); // closed before the loop: resources close in reverse order
      accepted = node.slot(CallbackSlot.<Connection>builder("onAccept")
          .delivery(Delivery.inline()));
      accepted.set(onAccept);
      // @end region="server-node"
    } catch (RuntimeException | Error e) { // e.g. no selector, or the parent began closing
      IoLoop.closeQuietly(channel);
      IoLoop.closeQuietly(node);
      throw e;
    }
    loop.register(channel, SelectionKey.OP_ACCEPT, new AcceptHandler());
  }

  /**
   * Listens on {@code address} (port 0 picks a free port) under {@code parent}; each
   * connection's listeners run on a {@code Delivery.serial()} lane, mostly on the server's I/O
   * thread.
   *
   * @throws UncheckedIOException if the address cannot be bound
   * @throws IllegalStateException naming the path if {@code parent} is closing or closed
   */
  public static Server listen(
      Lifecycle parent, InetSocketAddress address, Consumer<? super Connection> onAccept) {
    return new Server(
        parent, address, DEFAULT_BACKLOG, null, onAccept, ServerSocketChannel::accept);
  }

  /**
   * As {@link #listen(Lifecycle, InetSocketAddress, Consumer)}, with each connection's listeners
   * run on a lane drained by {@code callbackExecutor}: the I/O thread never runs them.
   */
  public static Server listen(
      Lifecycle parent,
      InetSocketAddress address,
      Executor callbackExecutor,
      Consumer<? super Connection> onAccept) {
    return listen(parent, address, DEFAULT_BACKLOG, callbackExecutor, onAccept);
  }

  /**
   * As {@link #listen(Lifecycle, InetSocketAddress, Executor, Consumer)}, with a listen backlog
   * of {@code backlog} pending connections instead of {@value #DEFAULT_BACKLOG}.
   *
   * @throws IllegalArgumentException if {@code backlog} is not positive
   */
  public static Server listen(
      Lifecycle parent,
      InetSocketAddress address,
      int backlog,
      Executor callbackExecutor,
      Consumer<? super Connection> onAccept) {
    return new Server(
        parent,
        address,
        backlog,
        Objects.requireNonNull(callbackExecutor, "callbackExecutor"),
        onAccept,
        ServerSocketChannel::accept);
  }

  /**
   * As {@link #listen(Lifecycle, InetSocketAddress, Consumer)}, with a listen backlog of
   * {@code backlog} pending connections instead of {@value #DEFAULT_BACKLOG}.
   *
   * @throws IllegalArgumentException if {@code backlog} is not positive
   */
  public static Server listen(
      Lifecycle parent,
      InetSocketAddress address,
      int backlog,
      Consumer<? super Connection> onAccept) {
    return new Server(parent, address, backlog, null, onAccept, ServerSocketChannel::accept);
  }

  /**
   * As {@link #listen(Lifecycle, InetSocketAddress, Consumer)}, taking connections through
   * {@code acceptor}: for tests that inject accept failures.
   */
  static Server listenWithAcceptor(
      Lifecycle parent,
      InetSocketAddress address,
      Consumer<? super Connection> onAccept,
      Acceptor acceptor) {
    return new Server(parent, address, DEFAULT_BACKLOG, null, onAccept, acceptor);
  }

  /** The bound address, with the actual port. */
  public InetSocketAddress address() {
    return address;
  }

  /** The server's lifecycle node; accepted connections are its children. */
  public Lifecycle lifecycle() {
    return node;
  }

  /** Closes every connection, stops accepting and stops the I/O thread; see the class docs. */
  @Override
  public void close() {
    node.close();
  }

  @Override
  public String toString() {
    return "Server[" + node.path() + ", " + address + ", " + node.state() + "]";
  }

  private void accept(SocketChannel socket) throws IOException {
    Connection connection;
    try {
      socket.configureBlocking(false);
      socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
      connection =
          new Connection(
              node,
              "conn-" + connectionIds.incrementAndGet(),
              Lanes.forConnection(callbackExecutor),
              socket,
              loop);
    } catch (IOException | RuntimeException e) { // e.g. the server is closing: refuse it
      IoLoop.closeQuietly(socket);
      if (node.state() == Lifecycle.State.OPEN) {
        throw e;
      }
      return;
    }
    accepted.invoke(connection);
    loop.register(socket, 0, connection.handler()); // reads once onMessage is set
  }

  private final class AcceptHandler implements IoLoop.Handler {
    /** Loop thread only. */
    private long pauseMillis = MIN_ACCEPT_PAUSE_MILLIS;

    @Override
    public void registered(SelectionKey key) {}

    @Override
    public void ready(SelectionKey key) throws IOException {
      for (; ; ) {
        SocketChannel socket;
        try {
          socket = acceptor.accept(channel);
        } catch (IOException e) {
          pause(key, e);
          return;
        }
        if (socket == null) {
          return;
        }
        pauseMillis = MIN_ACCEPT_PAUSE_MILLIS;
        accept(socket);
      }
    }

    /** Stops accepting for a while: the connection that failed is still pending. */
    private void pause(SelectionKey key, IOException failure) {
      if (node.state() != Lifecycle.State.OPEN) {
        return; // closing: the channel's close is what failed the accept
      }
      LOG.log(
          System.Logger.Level.WARNING,
          "server '"
              + node.path()
              + "': accept failed; "
              + "pausing accepts for "
              + pauseMillis
              + " ms",
          failure);
      key.interestOps(0);
      loop.schedule(
          TimeUnit.MILLISECONDS.toNanos(pauseMillis),
          () -> {
            if (key.isValid()) {
              key.interestOps(SelectionKey.OP_ACCEPT);
            }
          });
      pauseMillis = Math.min(pauseMillis * 2, MAX_ACCEPT_PAUSE_MILLIS);
    }

    @Override
    public void failed(Throwable failure) {
      if (node.state() == Lifecycle.State.OPEN) {
        LOG.log(
            System.Logger.Level.WARNING, "server '" + node.path() + "': accept failed", failure);
      }
    }
  }
}
