package dev.tether.bench;

import java.util.concurrent.TimeUnit;
import org.jctools.queues.MpscGrowableArrayQueue;
import org.jctools.queues.MpscUnboundedArrayQueue;
import org.jctools.queues.MpscUnboundedXaddArrayQueue;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The queue behind a serial lane: the combining lane of {@link Lanes.JctoolsLane} over each
 * JCTools MPSC queue, with one producer ({@code *1p}) and two producers on one lane
 * ({@code *2p}); throughput in calls run per µs, summed over the group's threads, paced as in
 * {@link LaneBenchmark}. A call is one element, the caller's preallocated {@link Counter}
 * ({@link Lanes.Producer#value}), so the score is the queue's cost, except in
 * {@code xaddPair}.
 * <ul>
 *   <li>{@code xadd}: {@code MpscUnboundedXaddArrayQueue}, 512-element chunks, 2 pooled (as core).
 *   <li>{@code unbounded}: {@code MpscUnboundedArrayQueue}, 512-element chunks (CAS claim).
 *   <li>{@code growable}: {@code MpscGrowableArrayQueue}, 512 elements growing to 65536.
 *   <li>{@code xaddPair}: {@code MpscUnboundedXaddArrayQueue}, a call is two elements (callback,
 *       value) claimed with one {@code fill(supplier, 2)} through a per-thread supplier found in
 *       a {@code ThreadLocal}: what core's lane did up to 0.1.0 development. The CAS-claiming
 *       queues cannot claim two adjacent indices at once, so a pair there costs a holder object
 *       per call.
 *   <li>{@code core}: core's own {@code XaddLaneQueue} (VarHandles, no {@code sun.misc.Unsafe}),
 *       the queue of every serial lane: a call is two places claimed with one getAndAdd, value
 *       stored before header, 512-place chunks recycled ({@link Lanes.CoreQueueLane}).
 * </ul>
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar 'dev.tether.bench.LaneQueueBenchmark'
 * -prof gc -rf json -rff bench/target/lane-queue.json}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
public class LaneQueueBenchmark {
  private static final int CHUNK = 512;

  /** One lane per queue, shared by the threads of a group. */
  @State(Scope.Group)
  public static class Queues {
    final Lanes.JctoolsLane xadd =
        new Lanes.JctoolsLane(new MpscUnboundedXaddArrayQueue<>(CHUNK, 2), false, Counter.CALLBACK);
    final Lanes.JctoolsLane unbounded =
        new Lanes.JctoolsLane(new MpscUnboundedArrayQueue<>(CHUNK), false, Counter.CALLBACK);
    final Lanes.JctoolsLane growable =
        new Lanes.JctoolsLane(
            new MpscGrowableArrayQueue<>(CHUNK, 1 << 16), false, Counter.CALLBACK);
    final Lanes.JctoolsLane xaddPair =
        new Lanes.JctoolsLane(new MpscUnboundedXaddArrayQueue<>(CHUNK, 2), true, Counter.CALLBACK);
    final Lanes.CoreQueueLane core = new Lanes.CoreQueueLane(Counter.CALLBACK);
  }

  @Benchmark
  @Group("core1p")
  @GroupThreads(1)
  public void core1p(Queues q, Lanes.Producer p) {
    q.core.submit(p.value);
    p.queued();
  }

  @Benchmark
  @Group("core2p")
  @GroupThreads(2)
  public void core2p(Queues q, Lanes.Producer p) {
    q.core.submit(p.value);
    p.queued();
  }

  @Benchmark
  @Group("xadd1p")
  @GroupThreads(1)
  public void xadd1p(Queues q, Lanes.Producer p) {
    submit(q.xadd, p);
  }

  @Benchmark
  @Group("xadd2p")
  @GroupThreads(2)
  public void xadd2p(Queues q, Lanes.Producer p) {
    submit(q.xadd, p);
  }

  @Benchmark
  @Group("unbounded1p")
  @GroupThreads(1)
  public void unbounded1p(Queues q, Lanes.Producer p) {
    submit(q.unbounded, p);
  }

  @Benchmark
  @Group("unbounded2p")
  @GroupThreads(2)
  public void unbounded2p(Queues q, Lanes.Producer p) {
    submit(q.unbounded, p);
  }

  @Benchmark
  @Group("growable1p")
  @GroupThreads(1)
  public void growable1p(Queues q, Lanes.Producer p) {
    submit(q.growable, p);
  }

  @Benchmark
  @Group("growable2p")
  @GroupThreads(2)
  public void growable2p(Queues q, Lanes.Producer p) {
    submit(q.growable, p);
  }

  @Benchmark
  @Group("xaddPair1p")
  @GroupThreads(1)
  public void xaddPair1p(Queues q, Lanes.Producer p) {
    submit(q.xaddPair, p);
  }

  @Benchmark
  @Group("xaddPair2p")
  @GroupThreads(2)
  public void xaddPair2p(Queues q, Lanes.Producer p) {
    submit(q.xaddPair, p);
  }

  private static void submit(Lanes.JctoolsLane lane, Lanes.Producer p) {
    lane.submit(p.value);
    p.queued();
  }
}
