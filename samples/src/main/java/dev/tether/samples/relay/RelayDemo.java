package dev.tether.samples.relay;

import dev.tether.Lifecycle;
import dev.tether.samples.net.Client;
import dev.tether.samples.net.Server;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;

/**
 * Not thread-safe, and it need not be: a program whose main thread drives the run, while the
 * listeners it sets report, from any thread, to a thread-safe {@link Tally}.
 *
 * <p>The relay demo, Tether's main job: a server on loopback, {@code --pairs} client pairs
 * bridged through a relay, {@code --messages} per client, and with {@code --chaos} connections
 * closed at random from inside listeners (on pool threads and on I/O threads) and from the main
 * thread, all at once. It ends by closing the root and prints a report; it exits 1 if any
 * invariant broke (a listener that started after its connection's close returned, or was still
 * running when a close from outside every listener returned; a deadlock or hung wait, that is a
 * close that did not return or a node left CLOSING, printed with its {@link Lifecycle#dump()}; a
 * client stalled with no close stuck; a leaked node; a duplicated onClosed; a message out of
 * order; a message neither delivered nor lost to a chaos close; without chaos, a message lost or
 * a connection error), 3 if every invariant held but some clients could not connect (refused, or
 * not connected within {@code --connect-timeout}: the machine's limits, reported on their own
 * line and never as a deadlock), 2 on bad arguments.
 *
 * <p>Options: {@code --pairs N} (16), {@code --messages N} per client (2000), {@code --chaos},
 * {@code --seed N} (1), {@code --timeout SECONDS} a pair may run (60), {@code --threads N}
 * callback threads (4), {@code --backlog N} the server's listen backlog
 * ({@value Server#DEFAULT_BACKLOG}), {@code --connect-timeout SECONDS} (30), {@code --jfr FILE}
 * (records Tether's JFR events, {@code dev.tether.*}, to FILE), and
 * {@code --cycles N}: a soak, which runs N pairs, {@code --pairs} at a time, each started as
 * another ends, prints its progress, and reports the process's resident memory and live threads
 * at its start and end; threads that outlive it are a leak.
 *
 * <p>Each pair holds four sockets (two clients, two relay sides). When the open-file limit
 * ({@code ulimit -n}) cannot hold {@code --pairs} pairs at once, the demo runs as many as fit at
 * a time, says so, and starts the others as pairs end; {@code ulimit -n 65536} runs
 * {@code --pairs 5000} all at once.
 *
 * <pre>{@code
 * ./mvnw -q -pl samples -am compile exec:exec -Dsample.args="--pairs 64 --messages 5000 --chaos"
 * ./mvnw -q -pl samples -am compile exec:exec -Dsample.args="--cycles 100000 --pairs 64 --messages 10 --chaos"
 * }</pre>
 */
public final class RelayDemo {
  /** The demo's options, with defaults that finish in seconds; {@code jfr} is null without --jfr. */
  record Options(
      int pairs,
      int messages,
      boolean chaos,
      long seed,
      int timeoutSeconds,
      int callbackThreads,
      int backlog,
      long cycles,
      int connectTimeoutSeconds,
      Path jfr) {
    static Options parse(String... args) {
      int pairs = 16;
      int messages = 2000;
      boolean chaos = false;
      long seed = 1;
      int timeout = 60;
      int threads = 4;
      int backlog = Server.DEFAULT_BACKLOG;
      long cycles = 0;
      // Past the SYN retries at 1, 3, 7 and 15 s, and short of --timeout, so that a connect that
      // never completes is reported as one, not as a stalled pair.
      int connectTimeout = 30;
      Path jfr = null;
      for (int i = 0; i < args.length; i++) {
        String arg = args[i];
        switch (arg) {
          case "--pairs" -> pairs = positive(arg, value(args, ++i, arg));
          case "--messages" -> messages = positive(arg, value(args, ++i, arg));
          case "--chaos" -> chaos = true;
          case "--seed" -> seed = Long.parseLong(value(args, ++i, arg));
          case "--timeout" -> timeout = positive(arg, value(args, ++i, arg));
          case "--threads" -> threads = positive(arg, value(args, ++i, arg));
          case "--backlog" -> backlog = positive(arg, value(args, ++i, arg));
          case "--cycles" -> cycles = positiveLong(arg, value(args, ++i, arg));
          case "--connect-timeout" -> connectTimeout = positive(arg, value(args, ++i, arg));
          case "--jfr" -> jfr = Path.of(value(args, ++i, arg));
          case "" -> {} // an empty -Dsample.args
          default -> throw new IllegalArgumentException("unknown option '" + arg + "'");
        }
      }
      return new Options(
          pairs, messages, chaos, seed, timeout, threads, backlog, cycles, connectTimeout, jfr);
    }

    /** Whether this is a soak: {@code cycles} pairs, {@code pairs} at a time. */
    boolean soak() {
      return cycles > 0;
    }

    /** How many pairs the run starts in all. */
    long totalPairs() {
      return soak() ? cycles : pairs;
    }

    private static String value(String[] args, int index, String option) {
      if (index >= args.length) {
        throw new IllegalArgumentException(option + " needs a value");
      }
      return args[index];
    }

    private static int positive(String option, String value) {
      long number = positiveLong(option, value);
      if (number > Integer.MAX_VALUE) {
        throw new IllegalArgumentException(
            option + " must be at most " + Integer.MAX_VALUE + ", not " + number);
      }
      return (int) number;
    }

    private static long positiveLong(String option, String value) {
      long number;
      try {
        number = Long.parseLong(value);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(option + " needs a number, not '" + value + "'");
      }
      if (number <= 0) {
        throw new IllegalArgumentException(option + " must be positive, not " + number);
      }
      return number;
    }
  }

  /** What the process holds: resident memory (-1 where /proc is missing) and live threads. */
  record Resources(long rssKib, List<String> threads) {
    static Resources now() {
      List<String> names = new ArrayList<>();
      for (Thread thread : Thread.getAllStackTraces().keySet()) {
        if (thread.isAlive()) {
          names.add(thread.getName());
        }
      }
      return new Resources(procStatusKib("VmRSS:"), names);
    }
  }

  /**
   * The outcome: the report's numbers, the broken invariants (none when all is well), the pairs
   * that ended, and, for a soak, the resources at its start and end (else null).
   */
  record Result(
      Tally tally,
      List<String> violations,
      long nanos,
      long pairsEnded,
      Resources start,
      Resources end) {
    boolean ok() {
      return violations.isEmpty();
    }

    /** Whether every client could connect, so that the run checked every pair it was asked to. */
    boolean complete() {
      return tally.connectFailures.sum() == 0 && tally.connectTimeouts.sum() == 0;
    }

    int exitCode() {
      return !ok() ? 1 : complete() ? 0 : 3;
    }
  }

  /** Sockets per pair: two clients, and the relay's side of each. */
  private static final int FILES_PER_PAIR = 4;

  /** Descriptors left for the JVM itself: jars, selectors and their wake-up pipes. */
  private static final int FILES_RESERVED = 256;

  private static final String USAGE =
      "usage: RelayDemo [--pairs N] [--messages N] [--chaos]"
          + " [--seed N] [--timeout SECONDS] [--threads N] [--backlog N] [--connect-timeout SECONDS]"
          + " [--cycles N] [--jfr FILE]";

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
    System.exit(result.exitCode());
  }

  static Result run(Options options, PrintStream out) throws Exception {
    return run(options, out, UnaryOperator.identity());
  }

  /**
   * As {@link #run(Options, PrintStream)}, with the clients connecting to
   * {@code clientTarget.apply(the relay's address)}: tests point them at a dead port.
   */
  static Result run(Options options, PrintStream out, UnaryOperator<InetSocketAddress> clientTarget)
      throws Exception {
    Path jfr = options.jfr();
    if (jfr == null) {
      return runUnrecorded(options, out, clientTarget);
    }
    try (TetherRecording recording = new TetherRecording(jfr)) {
      Result result = runUnrecorded(options, out, clientTarget);
      out.printf(
          Locale.ROOT,
          "  JFR recording of Tether's events: %s (read it with"
              + " `jfr print --events 'dev.tether.*' %s`)%n",
          recording.finish(),
          jfr);
      return result;
    }
  }

  @SuppressWarnings("try") // the leak listener is registered for the try block, not used in it
  private static Result runUnrecorded(
      Options options, PrintStream out, UnaryOperator<InetSocketAddress> clientTarget)
      throws Exception {
    out.printf(
        Locale.ROOT,
        "Relay demo: %s x %d messages, chaos %s, %d callback threads," + " backlog %d%n",
        options.soak()
            ? String.format(
                Locale.ROOT,
                "soak of %d cycles (pairs), %d at a time",
                options.cycles(),
                options.pairs())
            : options.pairs() + " pairs",
        options.messages(),
        options.chaos() ? "on (seed " + options.seed() + ")" : "off",
        options.callbackThreads(),
        options.backlog());
    Tally tally = new Tally();
    try (AutoCloseable leaks =
        Lifecycle.addLeakListener(
            report -> tally.problem(tally.leakedNodes, "leak reported: " + report))) {
      Traffic traffic = new Traffic(options, tally, out, pairsAtOnce(options, out), clientTarget);
      long start = System.nanoTime();
      traffic.run();
      long nanos = System.nanoTime() - start;
      Result result =
          new Result(
              tally,
              tally.violations(options.chaos(), traffic.expectedMessages),
              nanos,
              traffic.accounted,
              options.soak() ? traffic.start : null,
              options.soak() ? traffic.end : null);
      report(result, options, out);
      return result;
    }
  }

  /** {@code --pairs}, or fewer if the open-file limit cannot hold that many pairs at once. */
  private static int pairsAtOnce(Options options, PrintStream out) {
    long limit = openFileLimit();
    long fit = (limit - FILES_RESERVED) / FILES_PER_PAIR;
    long wanted = Math.min(options.pairs(), options.totalPairs());
    if (limit <= 0 || fit >= wanted) {
      return options.pairs();
    }
    out.printf(
        Locale.ROOT,
        "  the open-file limit (%d) holds %d pairs at once, not %d: the"
            + " others start as pairs end (`ulimit -n 65536` runs them all at once)%n",
        limit,
        Math.max(1, fit),
        wanted);
    return (int) Math.max(1, fit);
  }

  /** The soft limit on open files, or -1 where /proc is missing. */
  private static long openFileLimit() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
          return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
        }
      }
    } catch (IOException | RuntimeException e) { // not Linux: no pacing, as before
      return -1;
    }
    return -1;
  }

  /** A {@code /proc/self/status} field in kiB, e.g. {@code VmRSS:}; -1 where it is missing. */
  private static long procStatusKib(String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) { // not Linux: reported as unknown
      return -1;
    }
    return -1;
  }

  /** One run, driven by the calling thread (the main thread) from start to report. */
  private static final class Traffic {
    private final Options options;
    private final Tally tally;
    private final PrintStream out;
    private final int atOnce;
    private final UnaryOperator<InetSocketAddress> clientTarget;

    /** Pairs whose both peers ended, waiting for the main thread to account for them. */
    private final LinkedBlockingQueue<PairRun> ended = new LinkedBlockingQueue<>();

    /** Partners of clients that could not connect; the main thread closes them. */
    private final Queue<Peer> toClose = new ConcurrentLinkedQueue<>();

    /** The pairs in flight by id, for the relay's chaos to mark. */
    private final Map<Integer, PairRun> live = new ConcurrentHashMap<>();

    // Main thread only from here on.
    private final List<PairRun> inFlight = new ArrayList<>();

    /** Every peer, for the checks after the root's close; not kept by a soak. */
    private final List<Peer> peers = new ArrayList<>();

    private Relay relay;
    private Server server;
    private InetSocketAddress target;
    private Client onIoThread;
    private Client onPool;
    private long started;
    long accounted;
    long expectedMessages;
    Resources start;
    Resources end;

    Traffic(
        Options options,
        Tally tally,
        PrintStream out,
        int atOnce,
        UnaryOperator<InetSocketAddress> clientTarget) {
      this.options = options;
      this.tally = tally;
      this.out = out;
      this.atOnce = atOnce;
      this.clientTarget = clientTarget;
    }

    void run() throws Exception {
      Lifecycle root = Lifecycle.root("relay-demo");
      AtomicInteger threadIds = new AtomicInteger();
      ThreadPoolExecutor pool =
          new ThreadPoolExecutor(
              options.callbackThreads(),
              options.callbackThreads(),
              0,
              TimeUnit.MILLISECONDS,
              new LinkedBlockingQueue<>(),
              task -> {
                Thread thread = new Thread(task, "relay-callbacks-" + threadIds.incrementAndGet());
                thread.setDaemon(true); // a failed run must still let the JVM exit and report
                return thread;
              });
      pool.prestartAllCoreThreads(); // so that a soak's thread count starts as it should end
      // @start region="root-owns-pool"
      root.own(() -> { // the root's resource: closed after every connection, so lanes drain first
        pool.shutdown();
        if (!pool.awaitTermination(options.timeoutSeconds(), TimeUnit.SECONDS)) {
          throw new TimeoutException("callback pool did not stop");
        }
      });
      // @end region="root-owns-pool"
      try {
        relay =
            new Relay(
                tally,
                options.chaos(),
                options.messages(),
                id -> {
                  PairRun run = live.get(id);
                  if (run != null) { // else both its clients have ended: nothing left to lose
                    run.chaosClose();
                  }
                });
        server =
            Server.listen(
                root,
                new InetSocketAddress("127.0.0.1", 0),
                options.backlog(),
                pool,
                relay::accept);
        // Half the pairs run their listeners on the client I/O thread, half on the pool.
        onIoThread = Client.open(root, "clients-io");
        onPool = Client.open(root, "clients-pool", pool);
        target = clientTarget.apply(server.address());
        start = Resources.now();
        if (drive()) {
          awaitConnectionsClosed();
        } else {
          reportStalled();
        }
        end = Resources.now(); // before the root's close: the same threads as at the start
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
      for (PairRun run : inFlight) { // stalled: their counts are final now that all is closed
        run.account(tally);
      }
      for (Peer peer : peers) {
        if (peer.tracked != null) {
          checkClosed(peer.tracked.connection.lifecycle(), "after the root's close returned");
        }
      }
      if (server != null && !server.lifecycle().children().isEmpty()) {
        tally.problem(tally.leakedNodes, "server still has " + server.lifecycle().children());
      }
      if (options.soak() && start != null && end != null) {
        checkThreads();
      }
    }

    /** Starts pairs and accounts for them until all have ended; false if some stalled. */
    private boolean drive() throws InterruptedException {
      long total = options.totalPairs();
      SplittableRandom random = new SplittableRandom(options.seed());
      long outsideCloses = options.chaos() ? Math.max(1, total / 8) : 0;
      long timeout = TimeUnit.SECONDS.toNanos(options.timeoutSeconds());
      long connectTimeout = TimeUnit.SECONDS.toNanos(options.connectTimeoutSeconds());
      long progressEvery = TimeUnit.SECONDS.toNanos(options.soak() ? 10 : 2);
      long begin = System.nanoTime();
      long nextProgress = begin + progressEvery;
      long nextCheck = begin;
      while (accounted < total) {
        while (inFlight.size() < atOnce && started < total) {
          startPair((int) started++);
        }
        for (PairRun run = ended.poll(1, TimeUnit.MILLISECONDS); run != null; run = ended.poll()) {
          finish(run);
        }
        for (Peer partner; (partner = toClose.poll()) != null; ) {
          partner.closeFromOutside(); // its own connect failed: no one else ends it
        }
        long now = System.nanoTime();
        if (now - nextCheck >= 0) { // every pair's age, ten times a second
          nextCheck = now + TimeUnit.MILLISECONDS.toNanos(100);
          for (int i = 0; i < inFlight.size(); i++) {
            PairRun run = inFlight.get(i);
            long age = now - run.startNanos;
            if (age > timeout) {
              return false;
            }
            if (age > connectTimeout) {
              for (Peer peer : run.peers) {
                if (!peer.isOpened() && !peer.hasEnded()) {
                  peer.giveUpConnecting();
                }
              }
            }
          }
        }
        if (now - nextProgress >= 0) {
          progress(now - begin, total);
          nextProgress = now + progressEvery;
        }
        if (outsideCloses > 0 && !inFlight.isEmpty() && random.nextInt(50) == 0) {
          PairRun run = inFlight.get(random.nextInt(inFlight.size()));
          Peer target = run.peers[random.nextInt(2)];
          if (target.isReady()) {
            outsideCloses--;
            tally.chaosCloses.increment();
            tally.outsideCloses.increment();
            run.chaosClose();
            if (random.nextBoolean()) {
              target.closeFromOutside(); // a client connection, from the main thread
            } else {
              relay.tearDownFromOutside(run.id); // the relay's side, from the main thread
            }
          }
        }
      }
      return true;
    }

    private void startPair(int id) {
      PairRun run = new PairRun(id, options.messages(), options.chaos(), tally, ended, toClose);
      run.index = inFlight.size();
      inFlight.add(run);
      live.put(id, run);
      Client client = id % 2 == 0 ? onIoThread : onPool;
      for (Peer peer : run.peers) {
        if (!options.soak()) {
          peers.add(peer);
        }
        try {
          client.connect(target, peer::attach);
        } catch (UncheckedIOException e) { // no socket at all (out of descriptors): a refusal
          peer.connectThrew(client.lifecycle().path() + ": " + e.getMessage());
        }
      }
    }

    /** Accounts for a pair whose both peers ended and forgets it. */
    private void finish(PairRun run) {
      run.account(tally);
      if (!run.hadConnectFailure()) {
        expectedMessages += 2L * options.messages();
      }
      PairRun last = inFlight.remove(inFlight.size() - 1); // swap-remove: order does not matter
      if (last != run) {
        inFlight.set(run.index, last);
        last.index = run.index;
      }
      live.remove(run.id);
      relay.forget(run.id);
      accounted++;
    }

    private void progress(long nanos, long total) {
      if (options.soak()) {
        Resources now = Resources.now();
        out.printf(
            Locale.ROOT,
            "  ... %.0f s: %d of %d cycles (%.0f/s), %d connections open,"
                + " RSS %d MiB, %d threads%n",
            nanos / 1e9,
            accounted,
            total,
            accounted / (nanos / 1e9),
            openConnections().size(),
            now.rssKib() / 1024,
            now.threads().size());
      } else {
        out.printf(
            Locale.ROOT,
            "  ... %.1f s: %d of %d pairs done, %d messages delivered%n",
            nanos / 1e9,
            accounted,
            total,
            tally.delivered.sum());
      }
    }

    private List<Lifecycle> openConnections() {
      List<Lifecycle> open = new ArrayList<>(server.lifecycle().children());
      open.addAll(onIoThread.lifecycle().children());
      open.addAll(onPool.lifecycle().children());
      return open;
    }

    /**
     * Every pair has ended, so every connection closes by itself (the relay cross-closes the
     * other side); waits for that, within a bound, so that one left open is a leak and not
     * hidden by the root's close.
     */
    private void awaitConnectionsClosed() {
      long deadline =
          System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.min(10, options.timeoutSeconds()));
      List<Lifecycle> open = openConnections();
      while (!open.isEmpty() && System.nanoTime() - deadline < 0) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5)); // polls state, no event to wait on
        open = openConnections();
      }
      for (Lifecycle node : open) {
        checkClosed(node, "once both clients of its pair had ended");
      }
    }

    /** A node not CLOSED: stuck (CLOSING, with its dump) or leaked (OPEN). */
    private void checkClosed(Lifecycle node, String when) {
      switch (node.state()) {
        case CLOSED -> {}
        case CLOSING ->
            tally.problem(
                tally.deadlocks,
                node.path() + " is still CLOSING " + when + "; it is at:\n" + node.dump());
        case OPEN -> tally.problem(tally.leakedNodes, node.path() + " is still open " + when);
      }
    }

    /**
     * Some pair ran past {@code --timeout}: each client still running is stuck in a close (a
     * deadlock, with the dump of its node) or stalled (its traffic stopped; the dump says where).
     */
    private void reportStalled() {
      for (PairRun run : inFlight) {
        for (Peer peer : run.peers) {
          if (peer.hasEnded() || peer.tracked == null) {
            continue;
          }
          Lifecycle node = peer.tracked.connection.lifecycle();
          if (!peer.isOpened() && peer.giveUpConnecting()) {
            continue; // a connect that never completed: counted as timed out, not as a stall
          }
          if (node.state() == Lifecycle.State.CLOSING) {
            tally.problem(
                tally.deadlocks,
                node.path()
                    + " is still CLOSING after "
                    + options.timeoutSeconds()
                    + " s; it is at:\n"
                    + node.dump());
          } else {
            tally.problem(
                tally.stalledClients,
                node.path()
                    + " (pair "
                    + run.id
                    + ", "
                    + (peer.isOpened() ? "open" : "connecting")
                    + ") has not ended after "
                    + options.timeoutSeconds()
                    + " s, and no close of it is stuck:\n"
                    + node.dump());
          }
        }
      }
    }

    /** Threads alive at the end of a soak beyond those at its start are leaked, by name. */
    private void checkThreads() {
      Map<String, Integer> extra = new HashMap<>();
      end.threads().forEach(name -> extra.merge(name, 1, Integer::sum));
      start.threads().forEach(name -> extra.merge(name, -1, Integer::sum));
      extra.values().removeIf(count -> count <= 0);
      int leaked = extra.values().stream().mapToInt(Integer::intValue).sum();
      if (leaked > 0) {
        tally.leakedThreads.add(leaked - 1); // problem() counts one
        tally.problem(
            tally.leakedThreads, "threads alive at the end but not at the start: " + extra);
      }
    }
  }

  private static void report(Result result, Options options, PrintStream out) {
    Tally t = result.tally();
    double seconds = result.nanos() / 1e9;
    if (options.soak()) {
      out.printf(
          Locale.ROOT,
          "  cycles             %8d   of %d, %.0f per second%n",
          result.pairsEnded(),
          options.cycles(),
          result.pairsEnded() / seconds);
    }
    out.printf(
        Locale.ROOT, "  connections opened %8d   closed %d%n", t.opened.sum(), t.closed.sum());
    out.printf(
        Locale.ROOT,
        "  connects failed    %8d   timed out %d%s%n",
        t.connectFailures.sum(),
        t.connectTimeouts.sum(),
        result.complete()
            ? ""
            : "   (the machine refused them, not Tether: raise --backlog or `ulimit -n`; first: "
                + t.firstConnectFailure.get()
                + ")");
    out.printf(
        Locale.ROOT,
        "  messages sent      %8d   delivered %d, lost to chaos closes %d,"
            + " unaccounted for %d%n",
        t.sent.sum(),
        t.delivered.sum(),
        t.lostToClose.sum(),
        t.unaccounted.sum());
    out.printf(
        Locale.ROOT,
        "  chaos closes       %8d   (%d from the main thread; %d connection" + " errors seen)%n",
        t.chaosCloses.sum(),
        t.outsideCloses.sum(),
        t.connectionErrors.sum());
    out.printf(Locale.ROOT, "  callbacks after close() returned %d%n", t.callbacksAfterClose.sum());
    out.printf(
        Locale.ROOT,
        "  deadlocks or hung waits %3d   (a close that did not return, a node" + " left CLOSING)%n",
        t.deadlocks.sum());
    out.printf(
        Locale.ROOT,
        "  stalled clients    %8d   (running at --timeout, no close stuck)%n",
        t.stalledClients.sum());
    out.printf(Locale.ROOT, "  leaked nodes       %8d%n", t.leakedNodes.sum());
    if (result.start() != null && result.end() != null) {
      out.printf(
          Locale.ROOT,
          "  resident memory    %8s   at the start, %s at the end%n",
          mib(result.start().rssKib()),
          mib(result.end().rssKib()));
      out.printf(
          Locale.ROOT,
          "  live threads       %8d   at the start, %d at the end" + " (%d leaked)%n",
          result.start().threads().size(),
          result.end().threads().size(),
          t.leakedThreads.sum());
    }
    out.printf(
        Locale.ROOT,
        "  time               %8.2f s  (%,.0f messages/s delivered)%n",
        seconds,
        t.delivered.sum() / seconds);
    if (!result.ok()) {
      out.println("BROKEN: " + String.join("; ", result.violations()));
      t.problems.forEach(problem -> out.println("  - " + problem));
    } else if (!result.complete()) {
      out.println(
          "INCOMPLETE: every invariant held, but "
              + (t.connectFailures.sum() + t.connectTimeouts.sum())
              + " clients could not connect, so their pairs were not"
              + " checked.");
    } else {
      out.println("OK: every invariant held.");
    }
  }

  private static String mib(long kib) {
    return kib < 0 ? "unknown" : (kib / 1024) + " MiB";
  }
}
