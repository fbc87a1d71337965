package dev.tether.samples.websocket;

import dev.tether.CallbackErrorHandler;
import dev.tether.CallbackSlot;
import dev.tether.Delivery;
import dev.tether.Lifecycle;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.ProtocolException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * A client WebSocket on the JDK's {@link java.net.http.WebSocket}, held in a {@link Lifecycle}
 * node so that once {@link #close()} returns (or an ancestor node's close does), no listener of
 * this socket is running or will run, even if the JDK goes on calling its own listener.
 *
 * <p>Use: create it under a parent node, register listeners, then connect.
 * <pre>{@code
 * TetherWebSocket ws = TetherWebSocket.create(app, httpClient, URI.create("ws://host/feed"));
 * ws.onText(text -> ws.sendText("ack " + text))
 *     .onClose((code, reason) -> log("closed by server: " + code))
 *     .onError(error -> log("failed: " + error));
 * ws.connect().get(10, SECONDS);
 * ...
 * ws.close();   // or app.close(): no listener of ws runs after it returns
 * }</pre>
 *
 * <p>Instances are thread-safe: every method may be called from any thread, including from
 * inside this socket's own listeners and those of other sockets.
 *
 * <p>Memory consistency effects: actions prior to registering a listener happen-before each of
 * its calls. The listener calls of one socket run one at a time, in the order the messages
 * arrived, and each call's actions happen-before the next call. Actions of every listener call
 * happen-before the return of a {@link #close()} that waited for it. Actions prior to a
 * {@code sendText} or {@code sendBinary} happen-before the message is handed to the JDK.
 *
 * <p>Delivery: listeners run on the socket's serial lane (see {@link Delivery}), by default a
 * {@code Delivery.serialOn(pool)} lane of its own on a shared pool of daemon threads created on
 * demand ({@code tether-websocket-lane-<n>}), so the JDK's threads never run user code and a
 * listener may block or close the socket. {@link Builder#delivery} chooses another: a lane shared
 * by several sockets, one on your executor, or even {@link Delivery#inline()} (listeners then run
 * on the JDK's threads, still one at a time). Text and binary messages are delivered whole,
 * however the peer fragmented them; each is a fresh copy that the listener owns. Flow control:
 * at most {@link Builder#receiveWindow} whole messages are queued for the listeners at a time;
 * the next ones stay in the JDK and the kernel (back-pressuring the peer) until a listener call
 * finishes. Size: a message longer than {@link Builder#maxMessageBytes} (1 MiB by default) is
 * not assembled: the connection is aborted as soon as the limit is passed, and {@link #onError}
 * receives a {@link ProtocolException}.
 *
 * <p>Listeners: registered before {@link #connect()}, and fixed from then on. A kind of message
 * with no listener is discarded (and flow-controlled). {@link #onClose} runs at most once, when the
 * peer closes the connection (after the listeners of every earlier message), and not when this
 * side closes first; {@link #onError} runs at most once, on a transport or protocol error or a
 * message over the size limit (without one registered, errors are logged at {@code WARNING}); at
 * most one of the two runs.
 * After either, the socket closes itself, from the lane, as {@link #close()} does.
 *
 * <p>Blocking: {@link #close()} blocks until no listener of this socket runs on another thread,
 * then for at most {@link Builder#closeTimeout} while the close frame is written, then aborts the
 * connection. {@link #connect()}, {@link #sendText} and {@link #sendBinary} never block: their
 * results are futures. Registration methods never block.
 *
 * <p>Reentrancy: every method may be called from inside this socket's listeners. {@code close()}
 * from inside a listener does not wait for that listener's own call (it finishes normally after
 * {@code close()} returns), and where two threads' closes would wait for each other the cycle is
 * detected and one returns without waiting, under the rules of {@link CallbackSlot#reset()};
 * {@link #closeFuture()} then tells when the close finishes.
 *
 * <p>Exceptions: a {@link RuntimeException} or {@link Error} thrown by a listener goes to the
 * slots' {@link CallbackErrorHandler} ({@link Builder#callbackErrorHandler}, by default a log line
 * at {@code WARNING} naming this socket's path); delivery goes on with the next message. Null
 * arguments throw {@link NullPointerException} naming the parameter. Sending on a socket that is
 * not connected, closing or closed returns a future failed with {@link IllegalStateException}
 * naming the socket's lifecycle path: the state can change between any check and the send, so
 * only the future can report it exactly; transport failures fail the future with the JDK's
 * {@link java.io.IOException}. {@code close()} throws as {@link Lifecycle#close()} (for example
 * {@link dev.tether.CallbackDeadlockException} if a running listener waits for a lock the closing
 * thread holds; the socket is closed all the same).
 *
 * <p>Interrupts: {@code close()} waits for running listeners uninterruptibly; an interrupt cuts
 * the close-frame wait short (the connection is aborted at once). The interrupt status is kept.
 *
 * @since 0.1.0
 */
/*
 * Implementation notes
 *
 * Shape. One Lifecycle node per socket, a child of the user's parent, on its own serial lane.
 * The node owns four slots (onText, onBinary, onClose, onError) and, once the handshake is done,
 * one resource, the Transport (close frame, then abort). Lifecycle.close() closes slots before
 * resources, so close() = node.close() gives the order the issue needs: first every slot is
 * closed (no new listener call starts, queued calls are discarded, running ones are waited for,
 * except the caller's own), then the close frame is sent and the JDK socket aborted. Whatever the
 * JDK's Listener does after that reaches only closed slots, whose invoke returns false. This is
 * also why an ancestor's close needs no code here.
 *
 * The slots hold wrappers written here, installed by connect() before the JDK can call anything,
 * never the user's lambdas directly: a slot whose user registered nothing still returns flow
 * control credit, and the onClose/onError wrappers close the node after the user's listener.
 * Listeners are frozen at connect() because replacing a slot's callback discards the calls queued
 * for the old one (Delivery's removal rule); allowing replacement would lose messages.
 *
 * Why a serial lane, and why serialOn by default. The JDK calls its Listener on the HttpClient's
 * worker threads, and also synchronously inside WebSocket.request() on whatever thread calls it.
 * With Delivery.serial() the first invoker would drain the lane and run user code on a JDK
 * thread; serialOn(pool) never does, so a listener may block or call close() without stalling the
 * client, and the lane still gives one-at-a-time, in-order calls across the four slots, which is
 * what makes "onClose after every earlier message" hold. An inline Delivery passed to the builder
 * also works (the JDK invokes the Listener one call at a time), with user code on JDK threads.
 *
 * Remote close. Receiver.onClose queues the close event on the lane behind the messages. Its
 * wrapper runs the user's onClose and then node.close() from inside the lane's callback: the
 * slots' closing does not wait for that very call (reentrant reset), queued messages are already
 * delivered, and the user's onClose has run, so nothing is discarded that should have run. If the
 * user's close() won the race, it closed the slot first and the queued close event is discarded:
 * onClose is for peer-initiated closes, so that is the documented outcome, not a loss. A close()
 * on another thread concurrent with the wrapper's node.close() is a wait-for cycle (the thread
 * waits for the lane's call, the lane waits for the closer); Tether detects it and the lane side
 * returns at once.
 *
 * Flow control. WebSocket.request(n) counts Listener invocations, fragments included. onOpen
 * requests receiveWindow. A non-final fragment is copied into the assembly buffer and its credit
 * is returned at once (request(1)); ping and pong likewise. A whole message keeps its credit
 * until its slot callback has finished (the wrapper's finally calls request(1)), so at most
 * receiveWindow messages are queued on the lane per socket (receiveWindow - 1 behind a running
 * call) and the rest back-pressure the peer.
 * If the slot is closed, invoke returns false and the credit is not returned: the socket is
 * closing. request(1) from the lane may run the JDK's receive task on the lane thread and call the
 * Receiver there; its invoke then only queues (a lane call never nests), so nothing recurses.
 *
 * Size limit. Assembly counts a message's payload bytes before copying a fragment (UTF-8 bytes
 * for text: the JDK hands over decoded chars, and a char's UTF-8 length is known from the char
 * alone, a surrogate counting 2, so a pair split across fragments still counts 4). The fragment
 * that would pass maxMessageBytes is never copied: the parts are dropped, the JDK socket is
 * aborted from inside the Listener call (no more input, no credit returned, so the JDK delivers
 * nothing more; `finished` drops anything it had in hand), and the ProtocolException goes to the
 * onError slot, behind the messages already queued; its wrapper then closes the node, whose
 * close frame fails at once on the aborted socket. Abort rather than a close frame: a peer that
 * sends too much is not trusted to read one, and waiting for it would hold memory and time.
 * The binary assembly buffer doubles but never past the limit, and a message is delivered in a
 * buffer whose capacity is its length (trimmed by one copy if needed), so clear() on it shows
 * nothing but the message.
 *
 * Receiver state (textParts, textBytes, binaryParts, finished) is touched only from the JDK's
 * Listener calls, which the JDK makes "in a thread-safe manner, such that the next invocation may
 * start only after the previous one has finished" (WebSocket's class documentation), possibly on
 * different threads; that ordering is the happens-before that makes plain fields safe. The data
 * the JDK passes may be reused once the listener method returns (we return null), so it is
 * copied before returning.
 *
 * Sends. The JDK allows one outstanding text/binary send at a time and fails the next with
 * IllegalStateException, a trap for callers on several threads. Sends go through a FIFO queue:
 * the thread that finds it idle takes the drain role (`draining`) and starts the sends, each when
 * the previous one completed, so at most one JDK send is outstanding. The drain is a trampoline:
 * a send that completed synchronously continues the loop on this thread; one still pending hands
 * the role to the thread that completes it (a two-party CAS on `handoff` decides which), so the
 * stack stays flat. The role is given up while a caller's future is completed (its dependents are
 * user code) and taken back afterwards if work remains and nobody took it: a dependent that sends
 * or closes then drives the queue itself instead of waiting for a drain parked in its own frame.
 * A future whose JDK send completed asynchronously is completed on the pool, not on the JDK's
 * thread: that thread is inside the JDK's send scheduler, and a close() in a dependent there
 * would wait the whole close timeout for a close frame the JDK sends only after it returns
 * (found by close_insideSendCompletion_sendsCloseFrameWithoutWaitingForItself).
 * The close frame is the queue's last entry: `sendsClosed` is set under sendLock when it is
 * queued, so no send is queued behind it; sends queued before it go out first (within the
 * close timeout). After abort, the JDK fails every pending and later send with IOException, so no
 * future is left pending.
 *
 * State. `socket` is null until the handshake is done, then the JDK socket (CAS, once). Open,
 * closing and closed are the node's state. `attached` is completed once, by the attach that won
 * the CAS: true if node.own accepted the Transport, false if the node was already closing.
 * attach is called twice (from onOpen and from the handshake future's completion, which the JDK
 * orders in no documented way, so possibly at once), and each caller acts on the outcome through
 * the future (onOpen requests the window, the completion completes or fails `connected`), so the
 * loser never acts on a decision not yet made: the socket being recorded does not mean the node
 * owns it (the completion once took the one for the other and reported a refused socket as
 * connected). A refused own closes the Transport inside own(), on the attaching thread;
 * Transport.close() recognises that (`registering`) and only aborts, so a JDK thread never waits
 * out closeTimeout for a close frame there. `connectCalled` and the listener fields are guarded
 * by setupLock, held only to check and copy, never while user code runs or anything blocks. The
 * send queue is guarded by sendLock, likewise.
 */
public final class TetherWebSocket implements AutoCloseable {
  /** Receives the peer's close: its status code and reason. */
  @FunctionalInterface
  public interface CloseListener {
    /**
     * Called once when the peer closes the connection.
     *
     * @param statusCode the close frame's status code (1006 if the connection ended without one)
     * @param reason the close frame's reason, possibly empty
     */
    void onClose(int statusCode, String reason);
  }

  private static final VarHandle SOCKET;

  static {
    try {
      SOCKET =
          MethodHandles.lookup().findVarHandle(TetherWebSocket.class, "socket", WebSocket.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private static final System.Logger LOG =
      System.getLogger("dev.tether.samples.websocket.TetherWebSocket");
  private static final AtomicLong IDS = new AtomicLong();
  private static final Consumer<Object> IGNORE = value -> {};

  private final Lifecycle node;
  private final HttpClient client;
  private final URI uri;
  private final Duration closeTimeout;
  private final Duration connectTimeout; // null: the client's
  private final int receiveWindow;
  private final int maxMessageBytes;
  private final CallbackSlot<String> textSlot;
  private final CallbackSlot<ByteBuffer> binarySlot;
  private final CallbackSlot<CloseStatus> closeSlot;
  private final CallbackSlot<Throwable> errorSlot;
  private final CompletableFuture<TetherWebSocket> connected = new CompletableFuture<>();

  /** null until the handshake is done; then the JDK socket, never changed. */
  private volatile WebSocket socket;

  /** Why the handshake failed; written before the node closes, read after. */
  private volatile Throwable connectFailure;

  /** Completed once by the first attach: whether the node owns the connection (see the notes). */
  private final CompletableFuture<Boolean> attached = new CompletableFuture<>();

  // Guarded by setupLock.
  private final ReentrantLock setupLock = new ReentrantLock();
  private boolean connectCalled;
  private Consumer<? super String> textListener = IGNORE;
  private Consumer<? super ByteBuffer> binaryListener = IGNORE;
  private CloseListener closeListener = (code, reason) -> {};
  private Consumer<? super Throwable> errorListener = this::logFailure;

  // Guarded by sendLock.
  private final ReentrantLock sendLock = new ReentrantLock();
  private final ArrayDeque<PendingSend> sendQueue = new ArrayDeque<>();
  private boolean draining;
  private boolean sendsClosed;

  private TetherWebSocket(Builder builder) {
    this.client = builder.client;
    this.uri = builder.uri;
    this.closeTimeout = builder.closeTimeout;
    this.connectTimeout = builder.connectTimeout;
    this.receiveWindow = builder.receiveWindow;
    this.maxMessageBytes = builder.maxMessageBytes;
    Delivery delivery =
        builder.delivery != null ? builder.delivery : Delivery.serialOn(DefaultLanePool.POOL);
    String name = builder.name != null ? builder.name : "websocket-" + IDS.incrementAndGet();
    this.node = builder.parent.child(name, delivery);
    CallbackErrorHandler handler =
        builder.errorHandler != null ? builder.errorHandler : this::logCallbackFailure;
    try {
      this.textSlot = node.slot(CallbackSlot.<String>builder("onText").errorHandler(handler));
      this.binarySlot =
          node.slot(CallbackSlot.<ByteBuffer>builder("onBinary").errorHandler(handler));
      this.closeSlot =
          node.slot(CallbackSlot.<CloseStatus>builder("onClose").errorHandler(handler));
      this.errorSlot = node.slot(CallbackSlot.<Throwable>builder("onError").errorHandler(handler));
    } catch (RuntimeException e) {
      node.close(); // the parent closed meanwhile: leave nothing half-made behind
      throw e;
    }
  }

  /**
   * Creates an unconnected socket with the defaults of {@link #builder}; its node is a child of
   * {@code parent}, so closing {@code parent} closes it.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code uri}'s scheme is not {@code ws} or {@code wss}
   * @throws IllegalStateException naming the path if {@code parent} is closing or closed
   */
  public static TetherWebSocket create(Lifecycle parent, HttpClient client, URI uri) {
    return builder(parent, client, uri).build();
  }

  /**
   * Starts configuring a socket whose node will be a child of {@code parent}.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code uri}'s scheme is not {@code ws} or {@code wss}
   */
  public static Builder builder(Lifecycle parent, HttpClient client, URI uri) {
    return new Builder(parent, client, uri);
  }

  /**
   * Sets the listener for whole text messages, replacing an earlier one.
   *
   * @return this socket
   * @throws NullPointerException if {@code listener} is null
   * @throws IllegalStateException if {@link #connect()} was called
   */
  public TetherWebSocket onText(Consumer<? super String> listener) {
    Objects.requireNonNull(listener, "listener");
    setupLock.lock();
    try {
      requireNotConnected("onText");
      textListener = listener;
    } finally {
      setupLock.unlock();
    }
    return this;
  }

  /**
   * Sets the listener for whole binary messages, replacing an earlier one. Each buffer is a fresh
   * heap buffer that the listener owns: position 0, limit and capacity the message's length, so
   * {@code clear()} or {@code array()} show the message and nothing else.
   *
   * @return this socket
   * @throws NullPointerException if {@code listener} is null
   * @throws IllegalStateException if {@link #connect()} was called
   */
  public TetherWebSocket onBinary(Consumer<? super ByteBuffer> listener) {
    Objects.requireNonNull(listener, "listener");
    setupLock.lock();
    try {
      requireNotConnected("onBinary");
      binaryListener = listener;
    } finally {
      setupLock.unlock();
    }
    return this;
  }

  /**
   * Sets the listener for the peer's close, replacing an earlier one; see the class
   * documentation for when it runs.
   *
   * @return this socket
   * @throws NullPointerException if {@code listener} is null
   * @throws IllegalStateException if {@link #connect()} was called
   */
  public TetherWebSocket onClose(CloseListener listener) {
    Objects.requireNonNull(listener, "listener");
    setupLock.lock();
    try {
      requireNotConnected("onClose");
      closeListener = listener;
    } finally {
      setupLock.unlock();
    }
    return this;
  }

  /**
   * Sets the listener for a transport or protocol error, replacing the default, which logs it.
   *
   * @return this socket
   * @throws NullPointerException if {@code listener} is null
   * @throws IllegalStateException if {@link #connect()} was called
   */
  public TetherWebSocket onError(Consumer<? super Throwable> listener) {
    Objects.requireNonNull(listener, "listener");
    setupLock.lock();
    try {
      requireNotConnected("onError");
      errorListener = listener;
    } finally {
      setupLock.unlock();
    }
    return this;
  }

  /**
   * Installs the listeners and starts the opening handshake. The future completes with this
   * socket when the connection is open, or exceptionally with the JDK's failure (the socket is
   * then closed; no listener is called), or with {@link IllegalStateException} naming the path
   * if this socket's close (or an ancestor's) began before the handshake completed: the
   * connection is then aborted, without a close frame. Cancelling the future does not stop the
   * connection; {@link #close()} does. Never blocks.
   *
   * @throws IllegalStateException if {@code connect()} was called before
   */
  public CompletableFuture<TetherWebSocket> connect() {
    Consumer<? super String> text;
    Consumer<? super ByteBuffer> binary;
    CloseListener close;
    Consumer<? super Throwable> error;
    setupLock.lock();
    try {
      requireNotConnected("connect");
      connectCalled = true;
      text = textListener;
      binary = binaryListener;
      close = closeListener;
      error = errorListener;
    } finally {
      setupLock.unlock();
    }
    // Before the handshake, so a listener is in place before the JDK can deliver anything; a
    // slot closed meanwhile (close() or an ancestor's close) refuses the set.
    try {
      textSlot.set(
          message -> {
            try {
              text.accept(message);
            } finally {
              returnCredit();
            }
          });
      binarySlot.set(
          message -> {
            try {
              binary.accept(message);
            } finally {
              returnCredit();
            }
          });
      closeSlot.set(
          status -> {
            try {
              close.onClose(status.code, status.reason);
            } finally {
              node.close();
            }
          });
      errorSlot.set(
          failure -> {
            try {
              error.accept(failure);
            } finally {
              node.close();
            }
          });
    } catch (IllegalStateException closed) {
      return CompletableFuture.failedFuture(closedException("connect"));
    }
    // Whichever comes first, a handshake failure or any close, fails the future; afterwards a
    // close changes nothing (completeExceptionally on a completed future is a no-op).
    node.closeFuture()
        .whenComplete(
            (ignored, closeError) -> {
              Throwable failure = connectFailure;
              connected.completeExceptionally(
                  failure != null ? failure : closedException("connect"));
            });
    WebSocket.Builder handshake = client.newWebSocketBuilder();
    if (connectTimeout != null) {
      handshake.connectTimeout(connectTimeout);
    }
    CompletableFuture<WebSocket> opening;
    try {
      opening = handshake.buildAsync(uri, new Receiver());
    } catch (RuntimeException e) {
      failConnect(e);
      return connected.copy();
    }
    opening.whenComplete(
        (opened, failure) -> {
          if (failure != null) {
            failConnect(
                failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause()
                    : failure);
            return;
          }
          attach(opened)
              .thenAccept(
                  owned -> {
                    if (owned) {
                      connected.complete(this);
                    } else {
                      // At once: the close that refused it may be held up for long (a child's
                      // resource).
                      connected.completeExceptionally(
                          new IllegalStateException(
                              "websocket '"
                                  + node.path()
                                  + "' was closed before its handshake completed: the connection was aborted"));
                    }
                  });
        });
    return connected.copy();
  }

  /**
   * Sends {@code text} as one text message, after every message sent before it by any thread.
   * The text is copied at once, so a mutable {@code CharSequence} may be reused.
   *
   * @return completes when the JDK has sent the message; fails with
   *     {@link IllegalStateException} naming the path if the socket is not connected, closing or
   *     closed, or with the JDK's exception ({@link java.io.IOException} once the connection is
   *     aborted). Cancelling it does not withdraw the message. Its dependent actions run on a
   *     thread that sends on this socket or on a pool thread, never inside the JDK's send
   *     machinery, so they may send and close; futures of different sends may complete in any
   *     order.
   * @throws NullPointerException if {@code text} is null
   */
  public CompletableFuture<Void> sendText(CharSequence text) {
    Objects.requireNonNull(text, "text");
    String message = text.toString();
    return send("text", socket -> socket.sendText(message, true));
  }

  /**
   * Sends {@code data}'s remaining bytes as one binary message, after every message sent before
   * it by any thread. The bytes are copied at once and {@code data}'s position is not changed, so
   * the buffer may be reused when this returns.
   *
   * @return as {@link #sendText}
   * @throws NullPointerException if {@code data} is null
   */
  public CompletableFuture<Void> sendBinary(ByteBuffer data) {
    Objects.requireNonNull(data, "data");
    ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data.duplicate()).flip();
    return send("binary", socket -> socket.sendBinary(copy, true));
  }

  /**
   * Closes this socket: no listener of it starts after this returns, none is running on another
   * thread when it returns, and queued messages are discarded; then the close frame (status 1000)
   * is sent, after the sends queued before it, with a bounded wait, and the connection is
   * aborted. Idempotent; concurrent callers each return when the close is done, under the rules in
   * the class documentation.
   *
   * @throws RuntimeException as {@link Lifecycle#close()}; the socket is closed all the same
   */
  @Override
  public void close() {
    node.close();
  }

  /** Completes when the socket is fully closed; the node's {@link Lifecycle#closeFuture()}. */
  public CompletableFuture<Void> closeFuture() {
    return node.closeFuture();
  }

  /** Whether the handshake is done and the socket not closing or closed; a snapshot. */
  public boolean isOpen() {
    return socket != null && node.state() == Lifecycle.State.OPEN;
  }

  /**
   * This socket's node; {@link Lifecycle#dump()} shows its slots and lane. What you own there
   * ({@link Lifecycle#own}) is closed with the socket after its listeners are stopped, so a
   * listener never sees it closed, except where Tether's close does not wait for a listener: the
   * listener's own call when it closes the socket, a wait-for cycle, or a listener blocked on a
   * lock the closing thread holds (the rules of {@link CallbackSlot#reset()}). The connection
   * itself is also a resource of this node, registered when the handshake completes, and
   * resources close in reverse order of registration: what you own before calling
   * {@link #connect()} is closed after the connection is aborted; what you own after its future
   * completed is closed before the close frame is sent; in between, either. Child nodes close
   * first, before the listeners are stopped, as every {@link Lifecycle} child does.
   */
  public Lifecycle lifecycle() {
    return node;
  }

  /** The URI given at creation. */
  public URI uri() {
    return uri;
  }

  @Override
  public String toString() {
    return "TetherWebSocket["
        + node.path()
        + ", "
        + uri
        + ", "
        + (socket == null && node.state() == Lifecycle.State.OPEN ? "NOT CONNECTED" : node.state())
        + "]";
  }

  // ---- receiving ----

  /** The JDK's listener: assembles fragments and hands whole messages to the slots. */
  private final class Receiver implements WebSocket.Listener {
    // Touched only by the JDK's Listener calls, which never overlap (see the notes).
    private StringBuilder textParts; // null between messages
    private long textBytes; // UTF-8 bytes in textParts; 0 between messages
    private ByteBuffer binaryParts; // null between messages; position = bytes so far
    private boolean finished; // onClose or onError seen, or a message over the size limit

    @Override
    public void onOpen(WebSocket opened) {
      attach(opened)
          .thenAccept(
              owned -> {
                if (owned) {
                  opened.request(receiveWindow);
                }
              });
    }

    @Override
    public CompletionStage<?> onText(WebSocket from, CharSequence data, boolean last) {
      if (finished) {
        return null; // aborted for size; the JDK had this in hand
      }
      long size = textBytes + utf8Length(data);
      if (size > maxMessageBytes) {
        tooLarge(from, "text", size);
        return null;
      }
      if (!last) {
        if (textParts == null) {
          textParts = new StringBuilder();
        }
        textParts.append(data);
        textBytes = size;
        from.request(1);
        return null;
      }
      String message;
      if (textParts == null) {
        message = data.toString();
      } else {
        message = textParts.append(data).toString();
        textParts = null;
        textBytes = 0;
      }
      deliver(textSlot, message);
      return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket from, ByteBuffer data, boolean last) {
      if (finished) {
        return null; // as in onText
      }
      long size = (binaryParts == null ? 0L : binaryParts.position()) + data.remaining();
      if (size > maxMessageBytes) {
        tooLarge(from, "binary", size);
        return null;
      }
      binaryParts = append(binaryParts, data, maxMessageBytes);
      if (!last) {
        from.request(1);
        return null;
      }
      ByteBuffer message = exactly(binaryParts);
      binaryParts = null;
      deliver(binarySlot, message);
      return null;
    }

    /**
     * A message passed maxMessageBytes: drops it, aborts the connection, reports it to onError.
     * Abort first, so that an inline onError listener already sees the connection gone, as every
     * other Delivery does.
     */
    private void tooLarge(WebSocket from, String kind, long size) {
      finish(kind + " message too large");
      from.abort();
      deliver(
          errorSlot,
          new ProtocolException(
              "websocket '"
                  + node.path()
                  + "': "
                  + kind
                  + " message larger than maxMessageBytes ("
                  + maxMessageBytes
                  + " bytes): "
                  + size
                  + " bytes so far; connection aborted"));
    }

    @Override
    public CompletionStage<?> onPing(WebSocket from, ByteBuffer message) {
      from.request(1); // the JDK answers with a pong itself
      return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket from, ByteBuffer message) {
      from.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket from, int statusCode, String reason) {
      if (finish("onClose " + statusCode)) {
        deliver(closeSlot, new CloseStatus(statusCode, reason));
      }
      return null; // the JDK replies with a close frame once this completes
    }

    @Override
    public void onError(WebSocket from, Throwable error) {
      if (finish("onError " + error)) {
        deliver(errorSlot, error);
      } else {
        LOG.log(Level.DEBUG, () -> "websocket '" + node.path() + "': error after the end", error);
      }
    }

    /** Marks the terminal event; false if one was seen already (the JDK promises none). */
    private boolean finish(String event) {
      textParts = null;
      textBytes = 0;
      binaryParts = null;
      if (finished) {
        LOG.log(Level.DEBUG, () -> "websocket '" + node.path() + "': ignored late " + event);
        return false;
      }
      finished = true;
      return true;
    }
  }

  /**
   * Hands {@code value} to {@code slot}'s lane. If the slot is closed the value is dropped with
   * its credit: the socket is closing and its listeners must not see it.
   */
  private <T> void deliver(CallbackSlot<T> slot, T value) {
    try {
      slot.invoke(value);
    } catch (RuntimeException e) {
      // Only a lane executor that refuses its drain gets here; the call stays queued, but
      // without a drain the socket is stuck, so it is failed loudly rather than left hanging.
      LOG.log(
          Level.WARNING,
          "websocket '" + node.path() + "': cannot deliver to " + slot.name() + "; closing it",
          e);
      node.closeAsync();
    }
  }

  /** After a whole message's listener call: let the JDK deliver one more. */
  private void returnCredit() {
    WebSocket current = socket;
    if (current != null) {
      current.request(1);
    }
  }

  /**
   * Copies {@code data} after {@code parts}, growing it as needed but never past {@code limit};
   * the JDK reuses data. The caller has checked that the sum fits in {@code limit}.
   */
  private static ByteBuffer append(ByteBuffer parts, ByteBuffer data, int limit) {
    if (parts == null) {
      return ByteBuffer.allocate(data.remaining()).put(data);
    }
    if (parts.remaining() < data.remaining()) {
      long needed = (long) parts.position() + data.remaining();
      int capacity = (int) Math.min(limit, Math.max(needed, 2L * parts.capacity()));
      parts = ByteBuffer.allocate(capacity).put(parts.flip());
    }
    return parts.put(data);
  }

  /** {@code parts} flipped, in a buffer whose capacity is its length (copied if it is not). */
  private static ByteBuffer exactly(ByteBuffer parts) {
    parts.flip();
    return parts.limit() == parts.capacity()
        ? parts
        : ByteBuffer.wrap(Arrays.copyOf(parts.array(), parts.limit()));
  }

  /**
   * The UTF-8 length of {@code text}. Each surrogate counts 2, so a pair counts 4 even when a
   * fragment boundary splits it; the JDK's decoder produces no unpaired surrogates.
   */
  private static long utf8Length(CharSequence text) {
    long bytes = 0;
    for (int i = 0, n = text.length(); i < n; i++) {
      char c = text.charAt(i);
      bytes += c < 0x80 ? 1 : c < 0x800 || Character.isSurrogate(c) ? 2 : 3;
    }
    return bytes;
  }

  // ---- connecting ----

  /**
   * Records the open JDK socket and gives it to the node, once: the first call (from onOpen or
   * from the handshake's completion, whichever comes first) decides, every call returns the
   * outcome, which completes with true if the node owns the connection, or false if the node was
   * already closing or closed (the connection has then been aborted). See the notes.
   */
  private CompletableFuture<Boolean> attach(WebSocket opened) {
    if (SOCKET.compareAndSet(this, null, opened)) {
      Transport transport = new Transport(opened);
      boolean owned;
      transport.registering = Thread.currentThread();
      try {
        node.own(transport);
        owned = true;
      } catch (IllegalStateException closing) {
        owned = false; // own() has closed the transport, which aborted it
      } finally {
        transport.registering = null;
      }
      attached.complete(owned);
    }
    return attached;
  }

  private void failConnect(Throwable failure) {
    connectFailure = failure;
    // Not close(): this may be a JDK thread, which must not wait for resources of the user's
    // children of this node.
    node.closeAsync();
  }

  private void requireNotConnected(String action) {
    if (connectCalled) {
      throw new IllegalStateException(
          "websocket '"
              + node.path()
              + "': cannot "
              + action
              + ": connect() was already called; listeners are fixed from then on");
    }
  }

  // ---- sending ----

  private CompletableFuture<Void> send(
      String kind, Function<WebSocket, CompletableFuture<WebSocket>> start) {
    WebSocket target = socket;
    PendingSend pending = new PendingSend(start);
    boolean drain;
    sendLock.lock();
    try {
      if (target == null || sendsClosed || node.state() != Lifecycle.State.OPEN) {
        drain = false;
        pending = null;
      } else {
        sendQueue.add(pending);
        drain = !draining;
        draining = true;
      }
    } finally {
      sendLock.unlock();
    }
    if (pending == null) {
      return CompletableFuture.failedFuture(
          target == null && node.state() == Lifecycle.State.OPEN
              ? new IllegalStateException(
                  "websocket '" + node.path() + "' is not connected: cannot " + "send " + kind)
              : closedException("send " + kind));
    }
    if (drain) {
      drainSends(target);
    }
    return pending.done;
  }

  /** Queues the close frame as the last send; returns its future. */
  private CompletableFuture<Void> sendCloseFrame(WebSocket target) {
    PendingSend closeFrame = new PendingSend(s -> s.sendClose(WebSocket.NORMAL_CLOSURE, ""));
    boolean drain;
    sendLock.lock();
    try {
      sendsClosed = true;
      sendQueue.add(closeFrame);
      drain = !draining;
      draining = true;
    } finally {
      sendLock.unlock();
    }
    if (drain) {
      drainSends(target);
    }
    return closeFrame.done;
  }

  /**
   * Starts queued sends, one at a time, until the queue is empty or a send is pending; the caller
   * holds the drain role ({@code draining}). See the notes.
   */
  private void drainSends(WebSocket target) {
    for (; ; ) {
      PendingSend next;
      sendLock.lock();
      try {
        next = sendQueue.poll();
        if (next == null) {
          draining = false;
          return;
        }
      } finally {
        sendLock.unlock();
      }
      CompletableFuture<WebSocket> sent;
      try {
        sent = next.start.apply(target);
      } catch (RuntimeException e) {
        sent = CompletableFuture.failedFuture(e);
      }
      // 0: this frame is still deciding; 1: the send completed inside it; 2: this frame left.
      AtomicInteger handoff = new AtomicInteger();
      sent.whenComplete(
          (ignored, failure) -> {
            // This frame left: the completing thread, a JDK thread inside its send machinery,
            // carries the drain on, but the caller's dependents go to a pool thread (see finish).
            if (!handoff.compareAndSet(0, 1) && finish(next, failure, true)) {
              drainSends(target);
            }
          });
      if (handoff.compareAndSet(0, 2) || !finish(next, failureOf(sent), false)) {
        return;
      }
    }
  }

  /**
   * Called by the drain role's holder once {@code done}'s JDK send completed: gives the role up,
   * completes the caller's future, and takes the role back if sends are queued and nobody took
   * it meanwhile. The role is not held while the future's dependents run, so they may send or
   * close (whose close frame then goes out at once, not after they return). On a JDK thread
   * ({@code onJdkThread}) the future is completed on the pool instead: that thread is inside the
   * JDK's send machinery, which cannot send the close frame of a close() called there until it
   * returns.
   *
   * @return whether the caller holds the role again and must go on draining
   */
  private boolean finish(PendingSend done, Throwable failure, boolean onJdkThread) {
    sendLock.lock();
    try {
      draining = false;
    } finally {
      sendLock.unlock();
    }
    if (onJdkThread) {
      DefaultLanePool.POOL.execute(() -> done.complete(failure));
    } else {
      done.complete(failure);
    }
    sendLock.lock();
    try {
      if (draining || sendQueue.isEmpty()) {
        return false;
      }
      draining = true;
      return true;
    } finally {
      sendLock.unlock();
    }
  }

  private static Throwable failureOf(CompletableFuture<?> completed) {
    try {
      completed.join();
      return null;
    } catch (CompletionException e) {
      return e.getCause() != null ? e.getCause() : e;
    } catch (java.util.concurrent.CancellationException e) {
      return e;
    }
  }

  private static final class PendingSend {
    final Function<WebSocket, CompletableFuture<WebSocket>> start;
    final CompletableFuture<Void> done = new CompletableFuture<>();

    PendingSend(Function<WebSocket, CompletableFuture<WebSocket>> start) {
      this.start = start;
    }

    void complete(Throwable failure) {
      if (failure == null) {
        done.complete(null);
      } else {
        done.completeExceptionally(failure);
      }
    }
  }

  // ---- closing ----

  /** The node's resource: closed after the slots, so no listener can see what follows. */
  private final class Transport implements AutoCloseable {
    private final WebSocket target;

    /**
     * The thread inside {@code node.own(this)}, null before and after. Plain: only the attaching
     * thread writes it, and another thread's racy read sees null or that thread, never itself,
     * which is all close() compares against.
     */
    Thread registering;

    Transport(WebSocket target) {
      this.target = target;
    }

    @Override
    public void close() {
      if (registering == Thread.currentThread()) {
        // own() refused us: the node was closing before the socket opened. Nobody has used the
        // connection, so abort alone is enough, and this is a JDK thread, which must not wait
        // out closeTimeout for a close frame.
        target.abort();
        return;
      }
      try {
        awaitCloseFrame(sendCloseFrame(target));
      } finally {
        target.abort();
      }
    }

    @Override
    public String toString() {
      return "websocket transport to " + uri;
    }
  }

  /**
   * Waits at most closeTimeout for the close frame. Its failure needs no report: the peer may be
   * gone or have closed first (the JDK then fails or completes it), and abort follows anyway.
   */
  private void awaitCloseFrame(CompletableFuture<Void> closeFrame) {
    try {
      closeFrame.get(closeTimeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      LOG.log(Level.DEBUG, () -> "websocket '" + node.path() + "': close frame not sent", e);
    } catch (TimeoutException e) {
      LOG.log(
          Level.DEBUG,
          () ->
              "websocket '"
                  + node.path()
                  + "': close frame not sent within "
                  + closeTimeout
                  + "; aborting");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // abort at once, keep the status for the caller
    }
  }

  private IllegalStateException closedException(String action) {
    return new IllegalStateException(
        "websocket '"
            + node.path()
            + "' is "
            + node.state().name().toLowerCase(java.util.Locale.ROOT)
            + ": cannot "
            + action);
  }

  private void logFailure(Throwable error) {
    LOG.log(Level.WARNING, "websocket '" + node.path() + "' to " + uri + " failed", error);
  }

  private void logCallbackFailure(CallbackSlot<?> slot, Throwable error) {
    LOG.log(
        Level.WARNING,
        "listener "
            + slot.name()
            + " of websocket '"
            + node.path()
            + "' threw on thread '"
            + Thread.currentThread().getName()
            + "'",
        error);
  }

  /** A close frame as the onClose slot carries it. */
  private static final class CloseStatus {
    final int code;
    final String reason;

    CloseStatus(int code, String reason) {
      this.code = code;
      this.reason = reason;
    }
  }

  /** The default lanes' threads: created on demand, daemon, retired after a minute idle. */
  private static final class DefaultLanePool {
    static final ExecutorService POOL =
        Executors.newCachedThreadPool(
            new java.util.concurrent.ThreadFactory() {
              private final AtomicLong count = new AtomicLong();

              @Override
              public Thread newThread(Runnable task) {
                Thread thread =
                    new Thread(task, "tether-websocket-lane-" + count.incrementAndGet());
                thread.setDaemon(true);
                return thread;
              }
            });
  }

  /**
   * Configures a {@link TetherWebSocket}. <b>Note:</b> not thread-safe; build on one thread.
   *
   * @since 0.1.0
   */
  public static final class Builder {
    private final Lifecycle parent;
    private final HttpClient client;
    private final URI uri;
    private String name;
    private Delivery delivery;
    private CallbackErrorHandler errorHandler;
    private Duration closeTimeout = Duration.ofSeconds(1);
    private Duration connectTimeout;
    private int receiveWindow = 16;
    private int maxMessageBytes = 1 << 20;

    private Builder(Lifecycle parent, HttpClient client, URI uri) {
      this.parent = Objects.requireNonNull(parent, "parent");
      this.client = Objects.requireNonNull(client, "client");
      this.uri = Objects.requireNonNull(uri, "uri");
      String scheme = uri.getScheme();
      if (!"ws".equalsIgnoreCase(scheme) && !"wss".equalsIgnoreCase(scheme)) {
        throw new IllegalArgumentException("uri must be ws:// or wss://, was " + uri);
      }
    }

    /**
     * The node's name, unique among its siblings by convention; by default
     * {@code websocket-<n>}.
     *
     * @throws NullPointerException if {@code name} is null
     */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /**
     * The lane the listeners run on; by default a new {@code Delivery.serialOn} lane on a shared
     * pool of daemon threads. Pass a lane shared with other nodes to serialize their callbacks
     * with this socket's.
     *
     * @throws NullPointerException if {@code delivery} is null
     */
    public Builder delivery(Delivery delivery) {
      this.delivery = Objects.requireNonNull(delivery, "delivery");
      return this;
    }

    /**
     * Receives what a listener throws; by default logged at {@code WARNING} with the path.
     *
     * @throws NullPointerException if {@code handler} is null
     */
    public Builder callbackErrorHandler(CallbackErrorHandler handler) {
      this.errorHandler = Objects.requireNonNull(handler, "handler");
      return this;
    }

    /**
     * How long {@link TetherWebSocket#close()} waits for the close frame (and the sends queued
     * before it) before aborting; default one second, zero aborts at once.
     *
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is negative
     */
    public Builder closeTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("closeTimeout must not be negative, was " + timeout);
      }
      this.closeTimeout = timeout;
      return this;
    }

    /**
     * Bounds the opening handshake; by default the {@link HttpClient}'s connect timeout.
     *
     * @throws NullPointerException if {@code timeout} is null
     * @throws IllegalArgumentException if {@code timeout} is not positive
     */
    public Builder connectTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("connectTimeout must be positive, was " + timeout);
      }
      this.connectTimeout = timeout;
      return this;
    }

    /**
     * How many whole received messages may wait for the listeners at once; default 16. Beyond
     * it the JDK stops reading, so a slow listener back-pressures the peer instead of queuing
     * without bound.
     *
     * @throws IllegalArgumentException if {@code messages} is less than 1
     */
    public Builder receiveWindow(int messages) {
      if (messages < 1) {
        throw new IllegalArgumentException("receiveWindow must be at least 1, was " + messages);
      }
      this.receiveWindow = messages;
      return this;
    }

    /**
     * The largest received message, text or binary, in payload bytes (UTF-8 bytes for text),
     * however the peer fragments it; default 1 MiB ({@code 1 << 20}). A message that passes it
     * is dropped before its excess is copied, the connection is aborted (no close frame), and
     * {@link TetherWebSocket#onError} receives a {@link ProtocolException} naming the
     * socket's path and the limit, after the listeners of earlier messages; then the socket
     * closes itself. The memory a socket holds for assembling a message is then bounded by a
     * small multiple of the limit (buffers grow by doubling, and text is held as UTF-16
     * {@code char}s).
     *
     * @throws IllegalArgumentException if {@code bytes} is less than 1 or more than
     *     {@code Integer.MAX_VALUE - 8}, the largest array a buffer can have
     */
    public Builder maxMessageBytes(int bytes) {
      if (bytes < 1 || bytes > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException(
            "maxMessageBytes must be between 1 and Integer.MAX_VALUE - 8, was " + bytes);
      }
      this.maxMessageBytes = bytes;
      return this;
    }

    /**
     * Creates the socket's node under the parent and returns the unconnected socket.
     *
     * @throws IllegalStateException naming the path if the parent is closing or closed
     * @throws IllegalArgumentException if the name is blank or contains {@code '/'}
     */
    public TetherWebSocket build() {
      return new TetherWebSocket(this);
    }
  }
}
