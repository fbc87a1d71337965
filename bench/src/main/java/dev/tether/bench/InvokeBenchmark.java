package dev.tether.bench;

import dev.tether.CallbackSlot;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
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
 * {@code invoke} on one thread with a callback set: the cost a user pays per event on an I/O
 * thread. Run with {@code -prof gc} for the allocation per call ({@code gc.alloc.rate.norm}),
 * which must be 0 B/op for {@code callbackSlot}.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar 'dev.tether.bench.InvokeBenchmark'
 * -prof gc -rf json -rff bench/target/invoke.json}
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@Threads(1)
@State(Scope.Thread)
public class InvokeBenchmark extends Designs {

  private final Baselines.FenceFloor<Counter> fenceFloor = new Baselines.FenceFloor<>();

  /** Threads that own the overflow slot's inline records (InFlight.INLINE_RECORDS). */
  static final int OCCUPIERS = 4;

  /** A slot whose inline records belong to other live threads: this thread takes the overflow. */
  private final CallbackSlot<Counter> overflowSlot = CallbackSlot.create("bench-overflow");

  private final CountDownLatch occupiersRelease = new CountDownLatch(1);
  private final List<Thread> occupiers = new ArrayList<>();

  @Setup
  public void setUp() throws InterruptedException {
    installCallback();
    fenceFloor.set(Counter.CALLBACK);
    overflowSlot.set(Counter.CALLBACK);
    CountDownLatch invoked = new CountDownLatch(OCCUPIERS);
    for (int i = 0; i < OCCUPIERS; i++) {
      Thread occupier =
          new Thread(
              () -> {
                overflowSlot.invoke(new Counter());
                invoked.countDown();
                try {
                  occupiersRelease.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
              },
              "inline-record-occupier-" + i);
      occupier.setDaemon(true);
      occupier.start();
      occupiers.add(occupier);
    }
    invoked.await();
  }

  @TearDown
  public void tearDown() throws InterruptedException {
    close();
    occupiersRelease.countDown();
    for (Thread occupier : occupiers) {
      occupier.join();
    }
  }

  @Benchmark
  public boolean volatileField(Counter value) {
    return volatileField.invoke(value);
  }

  /** The floor of any lock-free design with reset's guarantee: one fence per call. */
  @Benchmark
  public boolean fenceFloor(Counter value) {
    return fenceFloor.invoke(value);
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

  /**
   * invoke by a thread beyond the slot's inline records (the fifth and later invoking threads):
   * its mark is a record made per call in the slot's overflow table. B/op is that record.
   */
  @Benchmark
  public boolean callbackSlotOverflow(Counter value) {
    return overflowSlot.invoke(value);
  }
}
