package dev.tether.bench;

import dev.tether.CallbackSlot;
import dev.tether.Lifecycle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of {@link Lifecycle}: a connection-shaped node (4 slots) created and closed under a
 * long-lived parent, and closing a whole tree, whose time per node must not grow with the tree
 * (linear close). Baseline for the first: the same 4 slots created and closed without a node.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar 'dev.tether.bench.LifecycleBenchmark'
 * -prof gc -rf json -rff bench/target/lifecycle.json}
 */
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class LifecycleBenchmark {

  /** A long-lived parent that sees millions of short-lived children come and go. */
  @State(Scope.Thread)
  public static class Parent {
    final Lifecycle server = Lifecycle.root("server");
  }

  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public Lifecycle nodeWith4SlotsCreateAndClose(Parent parent) {
    Lifecycle conn = parent.server.child("conn");
    conn.slot("onOpen");
    conn.slot("onMessage");
    conn.slot("onClosed");
    conn.slot("onError");
    conn.close();
    return conn;
  }

  /** Baseline: the 4 slots alone, created and closed, no tree. */
  @Benchmark
  @BenchmarkMode(Mode.AverageTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  public CallbackSlot<Object> baseline4SlotsCreateAndClose() {
    CallbackSlot<Object> a = CallbackSlot.create("onOpen");
    CallbackSlot<Object> b = CallbackSlot.create("onMessage");
    CallbackSlot<Object> c = CallbackSlot.create("onClosed");
    CallbackSlot<Object> d = CallbackSlot.create("onError");
    d.close();
    c.close();
    b.close();
    a.close();
    return a;
  }

  /** A fresh tree of {@code size} nodes (fan-out 10, one slot each) for every invocation. */
  @State(Scope.Thread)
  public static class Tree {
    @Param({"1000", "10000", "100000"})
    int size;

    Lifecycle root;

    @Setup(Level.Invocation)
    public void build() {
      root = Lifecycle.root("root");
      List<Lifecycle> level = List.of(root);
      int nodes = 1;
      while (nodes < size) {
        List<Lifecycle> next = new ArrayList<>();
        for (Lifecycle node : level) {
          for (int i = 0; i < 10 && nodes < size; i++, nodes++) {
            Lifecycle child = node.child("n" + i);
            child.slot("onMessage").set(v -> {});
            next.add(child);
          }
        }
        level = next;
      }
    }
  }

  /** Time to close the whole tree; divide by {@code size} for the time per node. */
  @Benchmark
  @BenchmarkMode(Mode.SingleShotTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  @Warmup(iterations = 5, batchSize = 1)
  @Measurement(iterations = 10, batchSize = 1)
  public Lifecycle closeTree(Tree tree) {
    tree.root.close();
    return tree.root;
  }
}
