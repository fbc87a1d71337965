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
 * One {@code set(callback)} followed by one {@code reset()}, with no call in flight: the cost of
 * (re)wiring a handler, e.g. per connection or per request. Before the measurement another thread
 * invokes every design once and ends, so {@code CallbackSlot}'s reset scans one (idle) invoker
 * record, as it would for a slot an I/O thread has used. Run with {@code -prof gc}:
 * {@code CallbackSlot.set} allocates its 16-byte registration.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar 'dev.tether.bench.SetResetBenchmark'
 * -prof gc -rf json -rff bench/target/set-reset.json}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@Threads(1)
@State(Scope.Thread)
public class SetResetBenchmark extends Designs {

  @Setup
  public void setUp() throws InterruptedException {
    installCallback();
    Thread ioThread =
        new Thread(
            () -> {
              Counter value = new Counter();
              callbackSlot.invoke(value);
              volatileField.invoke(value);
              synchronizedHeld.invoke(value);
              reentrantLockHeld.invoke(value);
              readWriteLock.invoke(value);
              stampedLock.invoke(value);
              atomicSwap.invoke(value);
            },
            "io-thread");
    ioThread.start();
    ioThread.join();
  }

  @TearDown
  public void tearDown() {
    close();
  }

  @Benchmark
  public boolean volatileField() {
    volatileField.set(Counter.CALLBACK);
    return volatileField.reset();
  }

  @Benchmark
  public boolean synchronizedHeld() {
    synchronizedHeld.set(Counter.CALLBACK);
    return synchronizedHeld.reset();
  }

  @Benchmark
  public boolean reentrantLockHeld() {
    reentrantLockHeld.set(Counter.CALLBACK);
    return reentrantLockHeld.reset();
  }

  @Benchmark
  public boolean readWriteLock() {
    readWriteLock.set(Counter.CALLBACK);
    return readWriteLock.reset();
  }

  @Benchmark
  public boolean stampedLock() {
    stampedLock.set(Counter.CALLBACK);
    return stampedLock.reset();
  }

  @Benchmark
  public boolean atomicSwap() {
    atomicSwap.set(Counter.CALLBACK);
    return atomicSwap.reset();
  }

  @Benchmark
  public boolean callbackSlot() {
    callbackSlot.set(Counter.CALLBACK);
    return callbackSlot.reset();
  }
}
