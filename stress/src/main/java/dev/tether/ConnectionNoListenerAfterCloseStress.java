package dev.tether;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE_INTERESTING;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

import java.util.function.Function;
import java.util.function.IntConsumer;
import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.Arbiter;
import org.openjdk.jcstress.annotations.JCStressMeta;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.IIII_Result;

/**
 * The testkit's jcstress template (docs/testing-your-library.md): copy this file into your own
 * jcstress module, replace {@link TetherConnection} with your connection class (an adapter of a
 * few lines, {@link Connection}), keep {@link NaiveConnection} as the canary, and run it.
 * Self-contained: it uses nothing of this module but Tether's public API.
 *
 * <p>Property: when {@code close()} returns, the connection's listener is not running on another
 * thread and never starts again, while the library's event thread delivers a message. For an API
 * that can be driven without I/O: {@link Connection#deliver} is what your I/O thread calls when a
 * message arrives.
 *
 * <p>Actor 1 (the event thread) delivers one message; the listener raises an in-call flag, notes
 * whether close has already returned, spins so that it is often in flight while close runs, and
 * lowers the flag. Actor 2 (the user) notes the flag, closes, publishes "close returned", and reads
 * the flag again. The listener's "started after close returned" check and actor 2's "still
 * running" check form a Dekker pair over two volatile fields, so a call that starts after close
 * returns is seen by at least one of them. The interleavings that matter: the event thread reads
 * the listener before close removes it, and the call starts (or is still running) after close
 * returns.
 *
 * <p>Result: r1 = the listener was running when close began (1) or not (0); r2 = it was running
 * when close returned; r3 = it started after close returned; r4 = how many times it ran
 * (arbiter). In the canary, -2 in r2, r3 or r4 records that the model threw: forbidden, never an
 * ERROR (a canary must fail by a forbidden outcome, or it proves nothing).
 *
 * <p>Run just this harness: {@code java -jar stress/target/jcstress.jar -t
 * ConnectionNoListenerAfterCloseStress}. {@code Actual} drives {@link TetherConnection} (a
 * {@link Lifecycle} node with one slot); the canary {@code Broken} drives {@link NaiveConnection}
 * (a volatile listener field that close clears: libdatachannel's callbacks before its PR 1384),
 * which this harness must catch.
 */
@Outcome(
    id = "0, 0, 0, 1",
    expect = ACCEPTABLE,
    desc =
        "The listener ran once and had ended when close returned (it ended before close "
            + "began, or started just after close's first look and close waited for it).")
@Outcome(
    id = "1, 0, 0, 1",
    expect = ACCEPTABLE_INTERESTING,
    desc = "close began while the listener was running and waited for it to end.")
@Outcome(
    id = "0, 0, 0, 0",
    expect = ACCEPTABLE,
    desc = "close removed the listener before the event thread read it: it never ran.")
@Outcome(
    expect = FORBIDDEN,
    desc =
        "close returned while the listener was still running, or the listener started "
            + "after close returned: the guarantee is broken. In the canary, -2 (its model threw) "
            + "is forbidden too.")
public class ConnectionNoListenerAfterCloseStress {
  private ConnectionNoListenerAfterCloseStress() {}

  /** Spin length of the listener: a few microseconds in flight. */
  static final int CALL_SPIN = 200;

  /** What the harness needs of your API. Adapt it to your class. */
  interface Connection {
    /** What your I/O thread does when a message arrives: calls the listener. */
    void deliver(int message);

    /** Your close(): when it returns, no listener runs or will run. */
    void close();
  }

  /** Replace with your class. Here: a connection built on Tether. */
  static final class TetherConnection implements Connection {
    private final Lifecycle node = Lifecycle.root("template-connection");
    private final CallbackSlot<Integer> onMessage = node.slot("onMessage");

    TetherConnection(IntConsumer listener) {
      onMessage.set(listener::accept);
    }

    @Override
    public void deliver(int message) {
      onMessage.invoke(message);
    }

    @Override
    public void close() {
      node.close();
    }
  }

  /** The canary: a listener field that close() clears, without waiting for a running call. */
  static final class NaiveConnection implements Connection {
    private volatile IntConsumer listener;

    NaiveConnection(IntConsumer listener) {
      this.listener = listener;
    }

    @Override
    public void deliver(int message) {
      IntConsumer current = listener; // read before close clears it: the call runs on after
      if (current != null) {
        current.accept(message);
      }
    }

    @Override
    public void close() {
      listener = null;
    }
  }

  /** The instrumented listener and the actors' work, over the variant's connection. */
  abstract static class Probe {
    final Connection connection;
    volatile int inCall;
    volatile boolean closeReturned;
    int startedAfterClose; // written and read by the event actor only
    int calls; // written by the event actor, read by the arbiter

    /** {@code connect} builds the connection under test around the instrumented listener. */
    Probe(Function<IntConsumer, Connection> connect) {
      connection = connect.apply(this::listener);
    }

    /**
     * What an actor does with an exception of the connection: {@code Actual} lets it escape
     * (jcstress reports an ERROR, with the stack trace); the canary records a FORBIDDEN -2, so
     * that it fails only by a forbidden outcome, never by an ERROR.
     */
    int failure(RuntimeException e) {
      throw e;
    }

    final void listener(int message) {
      inCall = 1;
      if (closeReturned) {
        startedAfterClose = 1;
      }
      for (int i = 0; i < CALL_SPIN; i++) {
        Thread.onSpinWait();
      }
      calls++;
      inCall = 0;
    }

    void eventThread(IIII_Result r) {
      try {
        connection.deliver(1);
        r.r3 = startedAfterClose;
      } catch (RuntimeException e) {
        r.r3 = failure(e);
      }
    }

    void closer(IIII_Result r) {
      r.r1 = inCall;
      try {
        connection.close();
        closeReturned = true;
        r.r2 = inCall;
      } catch (RuntimeException e) {
        r.r2 = failure(e);
      }
    }

    void arbiter(IIII_Result r) {
      r.r4 = calls;
    }
  }

  // The test classes re-declare the actors: jcstress 0.16 collects @Actor and @Arbiter methods
  // from a class's own declared methods only, not inherited ones.

  @JCStressTest
  @JCStressMeta(ConnectionNoListenerAfterCloseStress.class)
  @State
  public static class Actual extends Probe {
    public Actual() {
      super(TetherConnection::new);
    }

    @Actor
    @Override
    public void eventThread(IIII_Result r) {
      super.eventThread(r);
    }

    @Actor
    @Override
    public void closer(IIII_Result r) {
      super.closer(r);
    }

    @Arbiter
    @Override
    public void arbiter(IIII_Result r) {
      super.arbiter(r);
    }
  }

  @JCStressTest
  @JCStressMeta(ConnectionNoListenerAfterCloseStress.class)
  @State
  public static class Broken extends Probe {
    public Broken() {
      super(NaiveConnection::new);
    }

    @Override
    int failure(RuntimeException e) {
      return -2;
    }

    @Actor
    @Override
    public void eventThread(IIII_Result r) {
      super.eventThread(r);
    }

    @Actor
    @Override
    public void closer(IIII_Result r) {
      super.closer(r);
    }

    @Arbiter
    @Override
    public void arbiter(IIII_Result r) {
      super.arbiter(r);
    }
  }
}
