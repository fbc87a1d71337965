package dev.tether.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code invoke} from two threads at once, callback set; throughput summed over both threads.
 * <ul>
 *   <li>{@code shared*}: both threads invoke one slot (a slot fed by two I/O threads). Lock-held
 *       designs serialize here; read locks bounce their lock word between the cores.
 *   <li>{@code own*}: each thread invokes its own slot. Nothing is shared, so this is the ceiling
 *       for two threads; {@code shared} well below {@code own} for a design means contention or
 *       false sharing on the slot's own state.
 * </ul>
 * Needs two idle cores: on a loaded machine both variants measure the scheduler.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar 'dev.tether.bench.InvokeTwoThreadsBenchmark'
 * -prof gc -rf json -rff bench/target/invoke-two-threads.json}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@Threads(2)
public class InvokeTwoThreadsBenchmark {

  /** One set of designs shared by both threads. */
  @State(Scope.Benchmark)
  public static class Shared extends Designs {
    @Setup
    public void setUp() {
      installCallback();
    }

    @TearDown
    public void tearDown() {
      close();
    }
  }

  /** A set of designs per thread. */
  @State(Scope.Thread)
  public static class Own extends Designs {
    @Setup
    public void setUp() {
      installCallback();
    }

    @TearDown
    public void tearDown() {
      close();
    }
  }

  @Benchmark
  public boolean sharedVolatileField(Shared s, Counter value) {
    return s.volatileField.invoke(value);
  }

  @Benchmark
  public boolean sharedSynchronizedHeld(Shared s, Counter value) {
    return s.synchronizedHeld.invoke(value);
  }

  @Benchmark
  public boolean sharedReentrantLockHeld(Shared s, Counter value) {
    return s.reentrantLockHeld.invoke(value);
  }

  @Benchmark
  public boolean sharedReadWriteLock(Shared s, Counter value) {
    return s.readWriteLock.invoke(value);
  }

  @Benchmark
  public boolean sharedStampedLock(Shared s, Counter value) {
    return s.stampedLock.invoke(value);
  }

  @Benchmark
  public boolean sharedAtomicSwap(Shared s, Counter value) {
    return s.atomicSwap.invoke(value);
  }

  @Benchmark
  public boolean sharedCallbackSlot(Shared s, Counter value) {
    return s.callbackSlot.invoke(value);
  }

  @Benchmark
  public boolean ownVolatileField(Own s, Counter value) {
    return s.volatileField.invoke(value);
  }

  @Benchmark
  public boolean ownSynchronizedHeld(Own s, Counter value) {
    return s.synchronizedHeld.invoke(value);
  }

  @Benchmark
  public boolean ownReentrantLockHeld(Own s, Counter value) {
    return s.reentrantLockHeld.invoke(value);
  }

  @Benchmark
  public boolean ownReadWriteLock(Own s, Counter value) {
    return s.readWriteLock.invoke(value);
  }

  @Benchmark
  public boolean ownStampedLock(Own s, Counter value) {
    return s.stampedLock.invoke(value);
  }

  @Benchmark
  public boolean ownAtomicSwap(Own s, Counter value) {
    return s.atomicSwap.invoke(value);
  }

  @Benchmark
  public boolean ownCallbackSlot(Own s, Counter value) {
    return s.callbackSlot.invoke(value);
  }
}
