package dev.tether.bench;

import dev.tether.CallbackSlot;
import dev.tether.Delivery;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
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
 * 1 s of the other, and with a third 1 s that measures the host itself: two threads handing a
 * cache line back and forth. On a host whose cross-core speed drifts by 2x within minutes
 * (docs/performance.md), separate benchmarks are minutes apart and their ratio says more about
 * the host than the lanes; adjacent seconds drift much less, and the hand-off rate says which
 * state the host was in.
 *
 * <p>The group's two threads run whichever arm the iteration selects ({@link Alternating#turn},
 * advanced before every iteration, warm-up included, so every arm is compiled and warm): invoke
 * the tether lane, submit to the CLQ lane, or play ping-pong on one padded {@code volatile long},
 * each thread waiting for the other's parity and then incrementing it. Each thread counts its
 * operations per arm in {@link Calls}, a JMH {@code @AuxCounters} state, so every iteration's
 * secondary results name the arm it measured: {@code tether}, {@code clqLane} or
 * {@code handoffs} (cache-line hand-offs between the cores per µs), the others being 0. The
 * primary score mixes the arms and is not a result. Pacing and callback are
 * {@link LaneBenchmark}'s ({@link Lanes.Producer}, {@link Counter#CALLBACK}). Both lanes sit
 * behind one switch on a field that does not change within an iteration, each in a method of its
 * own that is never inlined (see the comment there), so neither pays more for the dispatch than
 * the other.
 *
 * <p>Run with {@link #main}, which runs this benchmark and prints each pair of adjacent
 * iterations and the ratios: {@code java -cp bench/target/benchmarks.jar
 * dev.tether.bench.LanePairBenchmark [JMH options, e.g. -f 3]}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 30, time = 1)
@Fork(2)
public class LanePairBenchmark {

  /** Both lanes, shared by the group's threads, and which one this iteration measures. */
  @State(Scope.Group)
  public static class Alternating {
    final CallbackSlot<Counter> tether =
        CallbackSlot.<Counter>builder("bench").delivery(Delivery.serial()).build();
    final Lanes.ClqLane<Counter> clqLane = new Lanes.ClqLane<>(Counter.CALLBACK);
    /** The ping-pong ball, on cache lines of its own. */
    final Ball ball = new Ball();
    /** TETHER, CLQ_LANE or PING_PONG; written before an iteration starts (JMH's barrier). */
    int turn;
    private int iterations;

    @Setup(Level.Trial)
    public void setUp() {
      tether.set(Counter.CALLBACK);
    }

    @Setup(Level.Iteration)
    public void nextArm() {
      turn = iterations++ % 3;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      tether.close();
    }
  }

  static final int TETHER = 0;
  static final int CLQ_LANE = 1;
  static final int PING_PONG = 2;

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

    @Setup(Level.Iteration)
    public void clear() {
      tether = 0;
      clqLane = 0;
      handoffs = 0;
    }
  }

  @Benchmark
  @Group("alternating2p")
  @GroupThreads(2)
  public void alternating2p(Alternating lanes, Lanes.Producer p, Calls calls, ThreadParams thread,
      Control control) {
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

  /** Runs the benchmark (JMH options may be given) and prints the paired ratios. */
  public static void main(String[] args) throws Exception {
    String[] withInclude = new String[args.length + 1];
    System.arraycopy(args, 0, withInclude, 0, args.length);
    withInclude[args.length] = LanePairBenchmark.class.getName() + ".alternating2p";
    Collection<RunResult> runs = new Runner(new CommandLineOptions(withInclude)).run();
    List<double[]> rounds = new ArrayList<>(); // {handoffs, tether, clqLane}, adjacent seconds
    for (RunResult run : runs) {
      for (BenchmarkResult fork : run.getBenchmarkResults()) {
        double[] round = new double[3];
        int filled = 0;
        for (IterationResult iteration : fork.getIterationResults()) {
          double tether = score(iteration, "tether");
          double clqLane = score(iteration, "clqLane");
          double handoffs = score(iteration, "handoffs");
          int arm = tether > 0 ? TETHER : clqLane > 0 ? CLQ_LANE : PING_PONG;
          if (arm != filled) {
            filled = 0; // a round starts with tether; realign after a partial one
            round = new double[3];
            if (arm != TETHER) {
              continue;
            }
          }
          round[arm == TETHER ? 1 : arm == CLQ_LANE ? 2 : 0] =
              arm == TETHER ? tether : arm == CLQ_LANE ? clqLane : handoffs;
          if (++filled == 3) {
            rounds.add(round);
            round = new double[3];
            filled = 0;
          }
        }
      }
    }
    if (rounds.isEmpty()) {
      throw new IllegalStateException("no complete round (tether, clqLane, ping-pong): at least 3"
          + " measurement iterations, starting on tether, are needed");
    }
    System.out.println();
    System.out.println("# adjacent 1 s iterations: hand-offs/us (the host), tether2p and clqLane2p"
        + " (calls/us), ratio");
    List<Double> ratios = new ArrayList<>();
    for (double[] round : rounds) {
      double ratio = round[1] / round[2];
      ratios.add(ratio);
      System.out.printf(Locale.ROOT, "handoffs %6.2f  tether %6.2f  clqLane %6.2f  ratio %5.2f%n",
          round[0], round[1], round[2], ratio);
    }
    summarize("all rounds", ratios);
    rounds.sort((a, b) -> Double.compare(a[0], b[0]));
    int half = rounds.size() / 2;
    if (half > 0) {
      summarize("slower host half (hand-offs " + fmt(rounds.get(0)[0]) + "-"
          + fmt(rounds.get(half - 1)[0]) + ")", ratiosOf(rounds.subList(0, half)));
      summarize("faster host half (hand-offs " + fmt(rounds.get(half)[0]) + "-"
          + fmt(rounds.get(rounds.size() - 1)[0]) + ")",
          ratiosOf(rounds.subList(half, rounds.size())));
    }
  }

  private static List<Double> ratiosOf(List<double[]> rounds) {
    List<Double> ratios = new ArrayList<>();
    for (double[] round : rounds) {
      ratios.add(round[1] / round[2]);
    }
    return ratios;
  }

  private static void summarize(String label, List<Double> ratios) {
    List<Double> sorted = new ArrayList<>(ratios);
    Collections.sort(sorted);
    double logSum = 0;
    for (double ratio : sorted) {
      logSum += Math.log(ratio);
    }
    System.out.printf(Locale.ROOT, "%s: %d rounds, ratio median %.2f, geometric mean %.2f,"
            + " range %.2f-%.2f%n", label, sorted.size(), median(sorted),
        Math.exp(logSum / sorted.size()), sorted.get(0), sorted.get(sorted.size() - 1));
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
