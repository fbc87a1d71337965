package dev.tether.bench;

import dev.tether.CallbackSlot;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One shared slot invoked by many virtual threads, as a thread-per-connection server does: {@code
 * n} live virtual threads each invoke once, wait until all have, and then loop {invoke;
 * park 1 µs}. {@code perConnection} reports the population's invokes per
 * microsecond as the secondary metric {@code invokes} (the primary metric counts 10 ms sampling
 * windows and means nothing); wall-clock ns per invoke is 1000 / that, and CPU ns per invoke is
 * {@code cpuNanos} / {@code invokes} (robust to a loaded machine). {@code perRequest} starts a new
 * virtual thread per invoke (thread-per-request churn), 64 at a time, and reports ns per invoke,
 * thread start and join included. Each runs every design in {@code design} on the same machine
 * state, so the ratios, not the absolute numbers, are the result.
 *
 * <p>Needs Java 21+ (virtual threads), started reflectively so the module still compiles for
 * Java 17; on 17 the setup fails with a message. Run, on the Temurin 25 JDK: {@code
 * bench/run-many-threads.sh}, or {@code java -jar bench/target/benchmarks.jar ManyThreadsBenchmark
 * -rf json -rff bench/target/many-threads.json}, then {@code python3 bench/plot_many_threads.py
 * bench/target/many-threads.json}.
 */
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Threads(1)
public class ManyThreadsBenchmark {

  /** The pause between two invokes of a connection. */
  static final long PAUSE_NANOS = 1_000;

  /** The design under test, as one invoke. */
  interface Design {
    boolean invoke(Counter value);
  }

  static Design design(String name) {
    switch (name) {
      case "tether":
        {
          CallbackSlot<Counter> slot = CallbackSlot.create("many-threads");
          slot.set(Counter.CALLBACK);
          return slot::invoke;
        }
      case "lockHeld":
        {
          Baselines.ReentrantLockHeld<Counter> held = new Baselines.ReentrantLockHeld<>();
          held.set(Counter.CALLBACK);
          return held::invoke;
        }
      case "sharedCounter":
        {
          Baselines.SharedCounter<Counter> counter = new Baselines.SharedCounter<>();
          counter.set(Counter.CALLBACK);
          return counter::invoke;
        }
      default:
        throw new IllegalArgumentException("unknown design " + name);
    }
  }

  /** {@code Executors.newVirtualThreadPerTaskExecutor()}, called reflectively (Java 21+). */
  static ExecutorService virtualThreads() {
    try {
      return (ExecutorService)
          java.util.concurrent.Executors.class
              .getMethod("newVirtualThreadPerTaskExecutor")
              .invoke(null);
    } catch (ReflectiveOperationException e) {
      throw new UnsupportedOperationException(
          "virtual threads need Java 21+; run this benchmark on the Temurin 25 JDK", e);
    }
  }

  /** A live virtual thread that invokes in a loop; its count is read racily by the sampler. */
  @SuppressWarnings("unused")
  static final class Connection implements Runnable {
    private static final VarHandle COUNT;

    static {
      try {
        COUNT = MethodHandles.lookup().findVarHandle(Connection.class, "count", long.class);
      } catch (ReflectiveOperationException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    long p00, p01, p02, p03, p04, p05, p06;
    private long count;
    long q00, q01, q02, q03, q04, q05, q06;
    private final Population population;
    private final Counter value = new Counter();

    Connection(Population population) {
      this.population = population;
    }

    long count() {
      return (long) COUNT.getOpaque(this);
    }

    @Override
    public void run() {
      Design design = population.target;
      design.invoke(value);
      COUNT.setOpaque(this, 1L);
      population.firstInvokes.countDown();
      try {
        population.go.await(); // parked, unmounted: the threads not yet started get the carriers
      } catch (InterruptedException e) {
        return;
      }
      long n = 1;
      while (population.running) {
        design.invoke(value);
        COUNT.setOpaque(this, ++n); // a plain store on x86: no fence, no shared line
        // A short park, not Thread.yield(): a yielding virtual thread is rescheduled ahead of
        // most others (of 10,000 yielding threads about 300 ran in a 500 ms window on JDK 25;
        // with this park, all of them did), which would measure a handful of threads.
        LockSupport.parkNanos(PAUSE_NANOS);
      }
    }
  }

  /** n live virtual threads invoking one design. */
  @State(Scope.Benchmark)
  public static class Population {
    @Param({"1", "10", "100", "1000", "10000", "50000"})
    public int n;

    @Param({"tether", "lockHeld", "sharedCounter"})
    public String design;

    /** The design the connections invoke. */
    volatile Design target;

    volatile boolean running = true;
    CountDownLatch firstInvokes;

    /** Opened once every connection has invoked once; then all of them loop. */
    final CountDownLatch go = new CountDownLatch(1);

    private ExecutorService executor;
    private final List<Connection> connections = new ArrayList<>();

    @Setup(Level.Trial)
    public void start() throws InterruptedException {
      target = design(design);
      firstInvokes = new CountDownLatch(n);
      executor = virtualThreads();
      for (int i = 0; i < n; i++) {
        Connection connection = new Connection(this);
        connections.add(connection);
        executor.execute(connection);
      }
      if (!firstInvokes.await(5, TimeUnit.MINUTES)) {
        throw new IllegalStateException("not every connection invoked within 5 minutes");
      }
      go.countDown();
    }

    /** The population's invokes so far (each connection's count read racily). */
    long total() {
      long sum = 0;
      for (int i = 0, size = connections.size(); i < size; i++) {
        sum += connections.get(i).count();
      }
      return sum;
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
      running = false;
      go.countDown();
      executor.shutdown();
      if (!executor.awaitTermination(1, TimeUnit.MINUTES)) {
        throw new IllegalStateException("connections did not stop");
      }
    }
  }

  /**
   * The population's invokes, and the CPU time the whole JVM used meanwhile, counted per sampling
   * window. Both are reported as rates over the same iteration, so cpuNanos / invokes is the CPU
   * cost of one invoke (everything the JVM did for it: the call, the park and unpark, the scheduler, GC),
   * which, unlike the wall-clock rate, does not depend on what else the machine runs.
   */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Invokes {
    public long invokes;
    public long cpuNanos;
    private long last;
    private long lastCpu;

    @Setup(Level.Iteration)
    public void clear(Population population) {
      invokes = 0;
      cpuNanos = 0;
      last = population.total();
      lastCpu = processCpuNanos();
    }
  }

  private static final java.lang.management.OperatingSystemMXBean OS =
      java.lang.management.ManagementFactory.getOperatingSystemMXBean();

  /** CPU time of this JVM, all threads. */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) OS).getProcessCpuTime();
  }

  /**
   * Samples the live population every 10 ms; the results are the secondary metrics invokes and
   * cpuNanos.
   */
  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public void perConnection(Population population, Invokes invokes) {
    LockSupport.parkNanos(10_000_000L);
    long now = population.total();
    long cpu = processCpuNanos();
    invokes.invokes += now - invokes.last;
    invokes.cpuNanos += cpu - invokes.lastCpu;
    invokes.last = now;
    invokes.lastCpu = cpu;
  }

  /** Threads started per {@code perRequest} operation. */
  static final int REQUESTS = 64;

  /** A design and a virtual-thread executor, for thread-per-request churn. */
  @State(Scope.Benchmark)
  public static class Requests {
    @Param({"tether", "lockHeld", "sharedCounter"})
    public String design;

    Design target;
    ExecutorService executor;
    final Future<?>[] inFlight = new Future<?>[REQUESTS];

    @Setup(Level.Trial)
    public void start() {
      target = design(design);
      executor = virtualThreads();
    }

    @TearDown(Level.Trial)
    public void stop() throws InterruptedException {
      executor.shutdown();
      executor.awaitTermination(1, TimeUnit.MINUTES);
    }
  }

  /** 64 new virtual threads, each invoking once with its own value; ns per invoke. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  @OperationsPerInvocation(REQUESTS)
  public void perRequest(Requests requests) throws Exception {
    Design target = requests.target;
    Future<?>[] inFlight = requests.inFlight;
    for (int i = 0; i < REQUESTS; i++) {
      inFlight[i] = requests.executor.submit(() -> target.invoke(new Counter()));
    }
    for (Future<?> request : inFlight) {
      request.get();
    }
  }
}
