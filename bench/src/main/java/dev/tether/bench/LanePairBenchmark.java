package dev.tether.bench;

import dev.tether.CallbackSlot;
import dev.tether.Delivery;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.CompilerControl;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Control;
import org.openjdk.jmh.infra.ThreadParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * {@code tether2p} and {@code clqLane2p} of {@link LaneBenchmark}, measured in alternate
 * iterations of the same fork, so that each 1 s of one lane is compared with the neighbouring
 * 1 s of the other, with a third 1 s that measures the host itself (two threads handing a cache
 * line back and forth), and with a fourth of {@code clqLinger2p}, the CLQ lane with tether's
 * linger. On a host whose cross-core speed drifts, and switches between two states
 * (docs/performance.md), separate benchmarks are minutes apart and their ratio says more about
 * the host than the lanes; adjacent seconds drift much less, and the hand-off rate says which
 * state the host was in.
 *
 * <p>The group's two threads run whichever arm the iteration selects ({@link Alternating#turn},
 * advanced before every iteration, warm-up included, so every arm is compiled and warm): invoke
 * the tether lane, submit to the CLQ lane, play ping-pong on one padded {@code volatile long}
 * (each thread waiting for the other's parity and then incrementing it), or submit to the
 * lingering CLQ lane. Each thread counts its operations per arm in {@link Calls}, a JMH
 * {@code @AuxCounters} state, so every iteration's secondary results name the arm it measured:
 * {@code tether}, {@code clqLane}, {@code handoffs} (cache-line hand-offs between the cores per
 * µs) or {@code clqLinger}, the others being 0. The primary score mixes the arms and is not a
 * result. Pacing and callback are {@link LaneBenchmark}'s ({@link Lanes.Producer},
 * {@link Counter#CALLBACK}). The lanes sit behind one switch on a field that does not change
 * within an iteration, each in a method of its own that is never inlined (see the comment
 * there), so none pays more for the dispatch than another.
 *
 * <p>Run with {@link #main}, which runs this benchmark and prints each round of adjacent
 * iterations, {@code tether2p} over the better CLQ lane of the round (the target's baseline),
 * and the medians by host state: {@code java -cp bench/target/benchmarks.jar
 * dev.tether.bench.LanePairBenchmark [JMH options, e.g. -f 6]}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 8, time = 1)
@Measurement(iterations = 32, time = 1)
@Fork(4)
public class LanePairBenchmark {

  /** The lanes, shared by the group's threads, and which arm this iteration measures. */
  @State(Scope.Group)
  public static class Alternating {
    final CallbackSlot<Counter> tether =
        CallbackSlot.<Counter>builder("bench").delivery(Delivery.serial()).build();
    final Lanes.ClqLane<Counter> clqLane = new Lanes.ClqLane<>(Counter.CALLBACK);

    /** The ping-pong ball, on cache lines of its own. */
    final Ball ball = new Ball();

    /** The CLQ lane with tether's linger (LINGER_SPINS). */
    final Lanes.ClqLane<Counter> clqLinger =
        new Lanes.ClqLane<>(Counter.CALLBACK, Lanes.LINGER_SPINS);

    /** The arm, TETHER to CLQ_LINGER; written before an iteration starts (JMH's barrier). */
    int turn;

    private int iterations;

    @Setup(Level.Trial)
    public void setUp() {
      tether.set(Counter.CALLBACK);
    }

    @Setup(Level.Iteration)
    public void nextArm() {
      turn = iterations++ % ARMS;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      tether.close();
    }
  }

  static final int TETHER = 0;
  static final int CLQ_LANE = 1;
  static final int PING_PONG = 2;
  static final int CLQ_LINGER = 3;
  static final int ARMS = 4;

  /** The arms' counters in {@link Calls}, in arm order. */
  private static final String[] COUNTERS = {"tether", "clqLane", "handoffs", "clqLinger"};

  /** A volatile long with 128 bytes of padding each side (see Lanes' claim word). */
  static class BallPadBefore {
    int headerGap;
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
  }

  static class BallValue extends BallPadBefore {
    volatile long value;
  }

  static final class Ball extends BallValue {
    long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;
  }

  /** Operations per arm, reported per iteration as a rate (JMH {@code AuxCounters}). */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Calls {
    public long tether;
    public long clqLane;
    public long handoffs;
    public long clqLinger;

    @Setup(Level.Iteration)
    public void clear() {
      tether = 0;
      clqLane = 0;
      handoffs = 0;
      clqLinger = 0;
    }
  }

  @Benchmark
  @Group("alternating2p")
  @GroupThreads(2)
  public void alternating2p(
      Alternating lanes, Lanes.Producer p, Calls calls, ThreadParams thread, Control control) {
    switch (lanes.turn) {
      case TETHER:
        tether(lanes, p);
        calls.tether++;
        p.queued();
        break;
      case CLQ_LANE:
        clqLane(lanes, p);
        calls.clqLane++;
        p.queued();
        break;
      case CLQ_LINGER:
        clqLinger(lanes, p);
        calls.clqLinger++;
        p.queued();
        break;
      default:
        if (pingPong(lanes.ball, thread.getGroupThreadIndex(), control)) {
          calls.handoffs++;
        }
    }
  }

  /**
   * Waits until the ball's parity is {@code me}'s, then passes it on; false if the iteration
   * ended first (the other thread may already have stopped).
   */
  private static boolean pingPong(Ball ball, int me, Control control) {
    long value;
    while (((value = ball.value) & 1) != me) {
      if (control.stopMeasurement) {
        return false;
      }
      Thread.onSpinWait();
    }
    ball.value = value + 1;
    return true;
  }

  // Each lane in a method of its own, never inlined into the benchmark loop: inlined, the lane
  // compiled first filled the loop's inlining budget and the other was called out of line
  // ("already compiled into a big method", -XX:+PrintInlining), which favoured the first. This
  // way each lane is compiled whole in its own method, and both pay the same call.
  @CompilerControl(CompilerControl.Mode.DONT_INLINE)
  private static void tether(Alternating lanes, Lanes.Producer p) {
    lanes.tether.invoke(p.value);
  }

  @CompilerControl(CompilerControl.Mode.DONT_INLINE)
  private static void clqLane(Alternating lanes, Lanes.Producer p) {
    lanes.clqLane.submit(p.value);
  }

  @CompilerControl(CompilerControl.Mode.DONT_INLINE)
  private static void clqLinger(Alternating lanes, Lanes.Producer p) {
    lanes.clqLinger.submit(p.value);
  }

  /** Runs the benchmark (JMH options may be given) and prints the paired ratios. */
  public static void main(String[] args) throws Exception {
    String[] withInclude = new String[args.length + 1];
    System.arraycopy(args, 0, withInclude, 0, args.length);
    withInclude[args.length] = LanePairBenchmark.class.getName() + ".alternating2p";
    Collection<RunResult> runs = new Runner(new CommandLineOptions(withInclude)).run();
    List<double[]> rounds = new ArrayList<>(); // per arm, adjacent seconds, in arm order
    for (RunResult run : runs) {
      for (BenchmarkResult fork : run.getBenchmarkResults()) {
        double[] round = new double[ARMS];
        int filled = 0;
        for (IterationResult iteration : fork.getIterationResults()) {
          int arm = armOf(iteration);
          if (arm != filled) {
            filled = 0; // a round starts with tether; realign after a partial one
            round = new double[ARMS];
            if (arm != TETHER) {
              continue;
            }
          }
          round[arm] = score(iteration, COUNTERS[arm]);
          if (++filled == ARMS) {
            rounds.add(round);
            round = new double[ARMS];
            filled = 0;
          }
        }
      }
    }
    if (rounds.isEmpty()) {
      throw new IllegalStateException(
          "no complete round (tether, clqLane, ping-pong, clqLinger):"
              + " at least "
              + ARMS
              + " measurement iterations, starting on tether, are needed");
    }
    System.out.println();
    System.out.println(
        "# adjacent 1 s iterations: hand-offs/us (the host); tether2p, clqLane2p and"
            + " clqLinger2p (calls/us); tether over the better CLQ lane of the round");
    for (double[] round : rounds) {
      System.out.printf(
          Locale.ROOT,
          "handoffs %6.2f  tether %6.2f  clqLane %6.2f  clqLinger %6.2f"
              + "  tether/better %5.2f%n",
          round[PING_PONG],
          round[TETHER],
          round[CLQ_LANE],
          round[CLQ_LINGER],
          round[TETHER] / betterClq(round));
    }
    summarize("all rounds", rounds);
    rounds.sort((a, b) -> Double.compare(a[PING_PONG], b[PING_PONG]));
    // The host has two states, hand-offs about 5 and about 40 per us (docs/performance.md):
    // split at the widest gap in the hand-off rate if it is one (2x or more), else in halves.
    int split = rounds.size() / 2;
    String slower = "slower host half";
    String faster = "faster host half";
    double widestGap = 0;
    for (int i = 1; i < rounds.size(); i++) {
      double gap = rounds.get(i)[PING_PONG] / rounds.get(i - 1)[PING_PONG];
      if (gap > widestGap) {
        widestGap = gap;
        if (gap >= 2) {
          split = i;
          slower = "slow host state";
          faster = "fast host state";
        }
      }
    }
    if (split > 0 && split < rounds.size()) {
      summarize(
          slower
              + " (hand-offs "
              + fmt(rounds.get(0)[PING_PONG])
              + "-"
              + fmt(rounds.get(split - 1)[PING_PONG])
              + ")",
          rounds.subList(0, split));
      summarize(
          faster
              + " (hand-offs "
              + fmt(rounds.get(split)[PING_PONG])
              + "-"
              + fmt(rounds.get(rounds.size() - 1)[PING_PONG])
              + ")",
          rounds.subList(split, rounds.size()));
    }
  }

  /** The arm an iteration measured: the one counter that is not 0. */
  private static int armOf(IterationResult iteration) {
    for (int arm = 0; arm < ARMS; arm++) {
      if (score(iteration, COUNTERS[arm]) > 0) {
        return arm;
      }
    }
    return PING_PONG; // no hand-off completed at all
  }

  private static void summarize(String label, List<double[]> rounds) {
    System.out.printf(Locale.ROOT, "%s: %d rounds%n", label, rounds.size());
    summarizeRatio("  tether/better CLQ lane", ratiosOf(rounds, round -> betterClq(round)));
    summarizeRatio("  tether/clqLane        ", ratiosOf(rounds, round -> round[CLQ_LANE]));
    summarizeRatio("  tether/clqLinger      ", ratiosOf(rounds, round -> round[CLQ_LINGER]));
  }

  /** The faster of the two CLQ lanes in a round: the target's baseline. */
  private static double betterClq(double[] round) {
    return Math.max(round[CLQ_LANE], round[CLQ_LINGER]);
  }

  private static List<Double> ratiosOf(List<double[]> rounds, ToDoubleFunction<double[]> base) {
    List<Double> ratios = new ArrayList<>();
    for (double[] round : rounds) {
      ratios.add(round[TETHER] / base.applyAsDouble(round));
    }
    return ratios;
  }

  private static void summarizeRatio(String label, List<Double> ratios) {
    List<Double> sorted = new ArrayList<>(ratios);
    Collections.sort(sorted);
    double logSum = 0;
    for (double ratio : sorted) {
      logSum += Math.log(ratio);
    }
    System.out.printf(
        Locale.ROOT,
        "%s: median %.2f, geometric mean %.2f, range %.2f-%.2f%n",
        label,
        median(sorted),
        Math.exp(logSum / sorted.size()),
        sorted.get(0),
        sorted.get(sorted.size() - 1));
  }

  private static String fmt(double value) {
    return String.format(Locale.ROOT, "%.1f", value);
  }

  private static double score(IterationResult iteration, String counter) {
    Result<?> result = iteration.getSecondaryResults().get(counter);
    return result == null ? 0 : result.getScore();
  }

  private static double median(List<Double> sorted) {
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
