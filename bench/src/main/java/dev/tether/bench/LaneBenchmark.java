package dev.tether.bench;

import com.google.common.util.concurrent.MoreExecutors;
import dev.tether.CallbackSlot;
import dev.tether.Delivery;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One call through a serial lane drained by its invokers, with one producer ({@code *1p}) and
 * with two producers invoking the same lane at once ({@code *2p}, a JMH group of two threads
 * sharing one lane); throughput in calls run per µs, summed over the group's threads. The
 * callback is {@link Counter#CALLBACK}; each thread passes its own preallocated {@link Counter}
 * ({@link Lanes.Producer#value}), so any allocation is the lane's.
 * <ul>
 *   <li>{@code tether}: {@code CallbackSlot.invoke} on a slot built with
 *       {@link Delivery#serial()}.
 *   <li>{@code clqLane}: the same drain-by-one algorithm over {@code ConcurrentLinkedQueue}
 *       ({@link Lanes.ClqLane}): one queue node per call.
 *   <li>{@code clqLinger}: the same CLQ lane with tether's linger (a drainer that ran calls polls
 *       for the next one, 64 spin-wait hints, before it releases the lane).
 *   <li>{@code guavaSequential}: Guava's {@code MoreExecutors.newSequentialExecutor} over
 *       {@code directExecutor()}: a lock per enqueue and per poll, and a {@code Runnable}
 *       capturing the value per call.
 * </ul>
 * Every producer is paced ({@link Lanes.Producer}): at most
 * {@value Lanes.Producer#MAX_AHEAD} of its calls queued and not yet run, so the score is the
 * rate at which calls run, not the rate at which they are queued. With two producers the lane
 * is saturated: mostly one thread drains while the other queues, so the score is about the
 * drain rate, and the drainer's per-call cost counts fully. {@code 2p} needs two idle cores.
 *
 * <p>Targets: {@code tether2p} at least 1.5x the better of {@code clqLane2p},
 * {@code clqLinger2p} and {@code guavaSequential2p} (but see {@link LanePairBenchmark}: this
 * host's speed drifts between runs); {@code tether} allocates 0 B/op
 * ({@code gc.alloc.rate.norm}) apart from the queue's chunks (256 calls each, 2 pooled, so a
 * steady lane allocates none).
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar 'dev.tether.bench.LaneBenchmark'
 * -prof gc -rf json -rff bench/target/lane.json}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class LaneBenchmark {

  /** One lane of each kind, shared by the threads of a group. */
  @State(Scope.Group)
  public static class Lane {
    final CallbackSlot<Counter> tether =
        CallbackSlot.<Counter>builder("bench").delivery(Delivery.serial()).build();
    final Lanes.ClqLane<Counter> clqLane = new Lanes.ClqLane<>(Counter.CALLBACK);
    final Lanes.ClqLane<Counter> clqLinger =
        new Lanes.ClqLane<>(Counter.CALLBACK, Lanes.LINGER_SPINS);
    final Executor guavaSequential =
        MoreExecutors.newSequentialExecutor(MoreExecutors.directExecutor());

    @Setup
    public void setUp() {
      tether.set(Counter.CALLBACK);
    }

    @TearDown
    public void tearDown() {
      tether.close();
    }
  }

  @Benchmark
  @Group("tether1p")
  @GroupThreads(1)
  public boolean tether1p(Lane lane, Lanes.Producer p) {
    return tether(lane, p);
  }

  @Benchmark
  @Group("tether2p")
  @GroupThreads(2)
  public boolean tether2p(Lane lane, Lanes.Producer p) {
    return tether(lane, p);
  }

  @Benchmark
  @Group("clqLane1p")
  @GroupThreads(1)
  public void clqLane1p(Lane lane, Lanes.Producer p) {
    clqLane(lane, p);
  }

  @Benchmark
  @Group("clqLane2p")
  @GroupThreads(2)
  public void clqLane2p(Lane lane, Lanes.Producer p) {
    clqLane(lane, p);
  }

  @Benchmark
  @Group("clqLinger1p")
  @GroupThreads(1)
  public void clqLinger1p(Lane lane, Lanes.Producer p) {
    clqLinger(lane, p);
  }

  @Benchmark
  @Group("clqLinger2p")
  @GroupThreads(2)
  public void clqLinger2p(Lane lane, Lanes.Producer p) {
    clqLinger(lane, p);
  }

  @Benchmark
  @Group("guavaSequential1p")
  @GroupThreads(1)
  public void guavaSequential1p(Lane lane, Lanes.Producer p) {
    guavaSequential(lane, p);
  }

  @Benchmark
  @Group("guavaSequential2p")
  @GroupThreads(2)
  public void guavaSequential2p(Lane lane, Lanes.Producer p) {
    guavaSequential(lane, p);
  }

  private static boolean tether(Lane lane, Lanes.Producer p) {
    boolean queued = lane.tether.invoke(p.value);
    p.queued();
    return queued;
  }

  private static void clqLane(Lane lane, Lanes.Producer p) {
    lane.clqLane.submit(p.value);
    p.queued();
  }

  private static void clqLinger(Lane lane, Lanes.Producer p) {
    lane.clqLinger.submit(p.value);
    p.queued();
  }

  private static void guavaSequential(Lane lane, Lanes.Producer p) {
    Counter value = p.value;
    lane.guavaSequential.execute(() -> Counter.CALLBACK.accept(value)); // captures value
    p.queued();
  }
}
