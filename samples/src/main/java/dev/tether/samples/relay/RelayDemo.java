package dev.tether.samples.relay;

import dev.tether.Lifecycle;
import dev.tether.samples.net.Client;
import dev.tether.samples.net.Server;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The relay demo, Tether's main job: a server on loopback, {@code --pairs} client pairs bridged
 * through a relay, {@code --messages} per client, and with {@code --chaos} connections closed at
 * random from inside listeners (on pool threads and on I/O threads) and from the main thread, all
 * at once. It ends by closing the root and prints a report; it exits 1 if any invariant broke
 * (a listener that started after its connection's close returned, or was still running when a
 * close from outside every listener returned; a deadlock or hung wait; a leaked node; a
 * duplicated onClosed; a message out of order; without chaos, a message lost or a connection
 * error), 2 on bad arguments.
 *
 * <pre>{@code
 * ./mvnw -q -pl samples -am compile exec:exec -Dsample.args="--pairs 64 --messages 5000 --chaos"
 * }</pre>
 */
public final class RelayDemo {
  /** The demo's options, with defaults that finish in seconds. */
  record Options(int pairs, int messages, boolean chaos, long seed, int timeoutSeconds,
      int callbackThreads) {
    static Options parse(String... args) {
      int pairs = 16;
      int messages = 2000;
      boolean chaos = false;
      long seed = 1;
      int timeout = 60;
      int threads = 4;
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        switch (arg) {
          case "--pairs" -> pairs = positive(arg, value(args, ++i, arg));
          case "--messages" -> messages = positive(arg, value(args, ++i, arg));
          case "--chaos" -> chaos = true;
          case "--seed" -> seed = Long.parseLong(value(args, ++i, arg));
          case "--timeout" -> timeout = positive(arg, value(args, ++i, arg));
          case "--threads" -> threads = positive(arg, value(args, ++i, arg));
          case "" -> { } // an empty -Drelay.args
          default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
        }
      }
      return new Options(pairs, messages, chaos, seed, timeout, threads);
    }

    private static String value(String[] args, int index, String option) {
      if (index >= args.length) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      return args[index];
    }

    private static int positive(String option, String value) {
      int number;
      try {
        number = Integer.parseInt(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + " needs a number, not '" + value + "'");
      }
      if (number <= 0) {
        throw new IllegalArgumentException(option + " must be positive, not " + number);
      }
      return number;
    }
  }

  /** The outcome: the report's numbers and the broken invariants (none when all is well). */
  record Result(Tally tally, List<String> violations, long nanos) {
    boolean ok() {
      return violations.isEmpty();
    }
  }

  private static final String USAGE = "usage: RelayDemo [--pairs N] [--messages N] [--chaos]"
      + " [--seed N] [--timeout SECONDS] [--threads N]";

  private RelayDemo() {}

  public static void main(String[] args) throws Exception {
    Options options;
    try {
      options = Options.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage() + "\n" + USAGE);
      System.exit(2);
      return;
    }
    Result result = run(options, System.out);
    System.out.flush();
    System.exit(result.ok() ? 0 : 1);
  }

  static Result run(Options options, PrintStream out) throws Exception {
    out.printf(Locale.ROOT, "Relay demo: %d pairs x %d messages, chaos %s, %d callback threads%n",
        options.pairs(), options.messages(),
        options.chaos() ? "on (seed " + options.seed() + ")" : "off", options.callbackThreads());
    Tally tally = new Tally();
    try (AutoCloseable leaks = Lifecycle.addLeakListener(report ->
        tally.problem(tally.leakedNodes, "leak reported: " + report))) {
      long start = System.nanoTime();
      runTraffic(options, tally, out);
      long nanos = System.nanoTime() - start;
      long expected = 2L * options.pairs() * options.messages();
      Result result = new Result(tally, tally.violations(options.chaos(), expected), nanos);
      report(result, out);
      return result;
    }
  }

  private static void runTraffic(Options options, Tally tally, PrintStream out)
      throws Exception {
    Lifecycle root = Lifecycle.root("relay-demo");
    AtomicInteger threadIds = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(options.callbackThreads(), task -> {
      Thread thread = new Thread(task, "relay-callbacks-" + threadIds.incrementAndGet());
      thread.setDaemon(true); // a failed run must still let the JVM exit and report
      return thread;
    });
    // @start region="root-owns-pool"
    root.own(() -> { // the root's resource: closed after every connection, so lanes drain first
      pool.shutdown();
      if (!pool.awaitTermination(options.timeoutSeconds(), TimeUnit.SECONDS)) {
        throw new TimeoutException("callback pool did not stop");
      }
    });
    // @end region="root-owns-pool"
    List<Peer> peers = new ArrayList<>();
    List<Server> servers = new ArrayList<>();
    try {
      Relay relay = new Relay(tally, options.chaos(), options.messages());
      Server server = Server.listen(root, new InetSocketAddress("127.0.0.1", 0), pool,
          relay::accept);
      servers.add(server);
      // Half the pairs run their listeners on the client I/O thread, half on the pool.
      Client onIoThread = Client.open(root, "clients-io");
      Client onPool = Client.open(root, "clients-pool", pool);
      CountDownLatch ended = new CountDownLatch(2 * options.pairs());
      for (int pair = 0; pair < options.pairs(); pair++) {
        Client client = pair % 2 == 0 ? onIoThread : onPool;
        for (int side = 0; side < 2; side++) {
          Peer peer = new Peer(pair, side, options.messages(), options.chaos(), tally, ended);
          client.connect(server.address(), peer::attach);
          peers.add(peer);
        }
      }
      awaitEnd(options, tally, out, relay, ended, peers);
    } finally { // however the run went, everything is closed, within a bound
      // @start region="bounded-close"
      try {
        root.closeAsync().get(options.timeoutSeconds(), TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        tally.problem(tally.deadlocks, "closing the root hung; it is at:\n" + root.dump());
      } catch (ExecutionException e) {
        tally.problem(tally.unexpectedErrors, "closing the root failed: " + e.getCause());
      }
      // @end region="bounded-close"
    }
    for (Peer peer : peers) {
      if (peer.tracked.connection.lifecycle().state() != Lifecycle.State.CLOSED) {
        tally.problem(tally.leakedNodes, peer.tracked.connection.path() + " is not closed");
      }
    }
    for (Server server : servers) {
      if (!server.lifecycle().children().isEmpty()) {
        tally.problem(tally.leakedNodes, "server still has " + server.lifecycle().children());
      }
    }
  }

  /** Waits for every client to end, closing some from this thread under chaos. */
  private static void awaitEnd(Options options, Tally tally, PrintStream out, Relay relay,
      CountDownLatch ended, List<Peer> peers) throws InterruptedException {
    SplittableRandom random = new SplittableRandom(options.seed());
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(options.timeoutSeconds());
    long nextProgress = start + TimeUnit.SECONDS.toNanos(2);
    int outsideCloses = options.chaos() ? Math.max(1, options.pairs() / 8) : 0;
    while (!ended.await(1, TimeUnit.MILLISECONDS)) {
      long now = System.nanoTime();
      if (now > deadline) {
        tally.problem(tally.deadlocks, ended.getCount() + " clients never ended within "
            + options.timeoutSeconds() + " s");
        return;
      }
      if (now > nextProgress) {
        out.printf(Locale.ROOT, "  ... %.1f s: %d of %d clients done, %d messages delivered%n",
            (now - start) / 1e9, peers.size() - ended.getCount(), peers.size(),
            tally.delivered.sum());
        nextProgress = now + TimeUnit.SECONDS.toNanos(2);
      }
      if (outsideCloses > 0 && random.nextInt(50) == 0) {
        Peer target = peers.get(random.nextInt(peers.size()));
        if (target.isReady()) {
          outsideCloses--;
          tally.chaosCloses.increment();
          tally.outsideCloses.increment();
          if (random.nextBoolean()) {
            target.closeFromOutside(); // a client connection, from the main thread
          } else {
            relay.tearDownFromOutside(target.pair); // the relay's side, from the main thread
          }
        }
      }
    }
  }

  private static void report(Result result, PrintStream out) {
    Tally t = result.tally();
    double seconds = result.nanos() / 1e9;
    out.printf(Locale.ROOT, "  connections opened %8d   closed %d%n", t.opened.sum(),
        t.closed.sum());
    out.printf(Locale.ROOT, "  messages sent      %8d   delivered %d%n", t.sent.sum(),
        t.delivered.sum());
    out.printf(Locale.ROOT, "  chaos closes       %8d   (%d from the main thread; %d connection"
        + " errors seen)%n", t.chaosCloses.sum(), t.outsideCloses.sum(), t.connectionErrors.sum());
    out.printf(Locale.ROOT, "  callbacks after close() returned %d%n", t.callbacksAfterClose.sum());
    out.printf(Locale.ROOT, "  deadlocks          %8d%n", t.deadlocks.sum());
    out.printf(Locale.ROOT, "  leaked nodes       %8d%n", t.leakedNodes.sum());
    out.printf(Locale.ROOT, "  time               %8.2f s  (%,.0f messages/s delivered)%n",
        seconds, t.delivered.sum() / seconds);
    if (result.ok()) {
      out.println("OK: every invariant held.");
    } else {
      out.println("BROKEN: " + String.join("; ", result.violations()));
      t.problems.forEach(problem -> out.println("  - " + problem));
    }
  }
}
