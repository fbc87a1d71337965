package dev.tether.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * {@code invoke} on one thread with no callback set: events that arrive before a handler is
 * installed or after it was reset. {@code CallbackSlot} (default {@code Replay.none()}) also counts
 * each such value in {@code droppedCount()}, an atomic add the baselines do not pay.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar 'dev.tether.bench.InvokeEmptyBenchmark'
 * -prof gc -rf json -rff bench/target/invoke-empty.json}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@Threads(1)
@State(Scope.Thread)
public class InvokeEmptyBenchmark extends Designs {

  @TearDown
  public void tearDown() {
    close();
  }

  @Benchmark
  public boolean volatileField(Counter value) {
    return volatileField.invoke(value);
  }

  @Benchmark
  public boolean synchronizedHeld(Counter value) {
    return synchronizedHeld.invoke(value);
  }

  @Benchmark
  public boolean reentrantLockHeld(Counter value) {
    return reentrantLockHeld.invoke(value);
  }

  @Benchmark
  public boolean readWriteLock(Counter value) {
    return readWriteLock.invoke(value);
  }

  @Benchmark
  public boolean stampedLock(Counter value) {
    return stampedLock.invoke(value);
  }

  @Benchmark
  public boolean atomicSwap(Counter value) {
    return atomicSwap.invoke(value);
  }

  @Benchmark
  public boolean callbackSlot(Counter value) {
    return callbackSlot.invoke(value);
  }
}
