package dev.tether.samples.gallery;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * Runs every failure mode that libdatachannel's users report twice: against a compact model of
 * libdatachannel's design, which must hang (detected within a short bound, and confirmed in the
 * locks the threads wait on) or lose the event, and against Tether, which must complete, or, for
 * a user lock, throw {@link dev.tether.CallbackDeadlockException} with its diagnostic.
 *
 * <p>Run with no arguments. Exits 0 only if every naive design failed as reported and every
 * Tether design behaved as promised; otherwise exits 1 and names each case that did not. Hung
 * naive threads are daemons and are abandoned; the JVM exits all the same.
 *
 * <pre>./mvnw -B -q -pl samples -am package -DskipTests -Dexec.skip=true
 * java -cp samples/target/classes:core/target/classes:JCTOOLS_JAR \
 *     dev.tether.samples.gallery.DeadlockGallery</pre>
 */
public final class DeadlockGallery {
  /**
   * How long a naive run may go on, from the moment its interleaving is in place, before it is
   * declared hung (and its wait cycle confirmed). Scheduling cannot make a naive design finish,
   * so a short bound is safe on any machine.
   */
  static final Duration NAIVE_BOUND = Duration.ofSeconds(1);

  /**
   * How long a Tether run may go on, from the moment its interleaving is in place, before it
   * counts as a failure. It needs milliseconds; the margin is for a starved CI machine, and is
   * spent only when Tether is broken.
   */
  static final Duration TETHER_BOUND = Duration.ofSeconds(10);

  private static final int WIDTH = 100;

  private DeadlockGallery() {}

  /** The cases, in the order they are shown. */
  static List<GalleryCase> cases() {
    return List.of(
        new CrossResetCase(),
        new CloseFromCallbackCase(),
        new UserLockCase(),
        new ConcurrentCloseCase());
  }

  public static void main(String[] args) {
    int code = run(System.out);
    System.out.flush();
    System.err.flush();
    System.exit(code); // hung naive threads are daemons, but say so explicitly
  }

  /** Runs the gallery, prints the report to {@code out}, and returns the exit code. */
  static int run(PrintStream out) {
    return run(out, cases(), NAIVE_BOUND, TETHER_BOUND);
  }

  static int run(
      PrintStream out, List<GalleryCase> cases, Duration naiveBound, Duration tetherBound) {
    long start = System.nanoTime();
    out.println("Tether deadlock gallery: libdatachannel's designs, modelled in Java, then Tether");
    wrap(
        out,
        "",
        "(JDK "
            + Runtime.version()
            + ", "
            + Runtime.getRuntime().availableProcessors()
            + " CPUs; a naive run is declared hung when it has not finished "
            + Waits.seconds(naiveBound)
            + " after its threads are in place, and they are seen waiting for each other)");
    List<String> problems = new ArrayList<>();
    List<Thread> abandoned = new ArrayList<>();
    int number = 0;
    for (GalleryCase galleryCase : cases) {
      number++;
      out.println();
      wrap(out, "", number + ". " + galleryCase.title() + " (" + galleryCase.reports() + ")");
      Outcome naive = guarded(() -> galleryCase.runNaive(naiveBound));
      print(out, "naive ", naive, galleryCase.naiveFailure());
      Outcome tether = guarded(() -> galleryCase.runTether(tetherBound));
      print(out, "tether", tether, galleryCase.tetherPromise());
      if (naive.kind() != galleryCase.naiveFailure()) {
        problems.add(
            number
                + ". "
                + galleryCase.title()
                + ": the naive design showed "
                + naive.kind()
                + ", expected "
                + galleryCase.naiveFailure());
      }
      if (tether.kind() != galleryCase.tetherPromise()) {
        problems.add(
            number
                + ". "
                + galleryCase.title()
                + ": Tether showed "
                + tether.kind()
                + ", expected "
                + galleryCase.tetherPromise());
      }
      abandoned.addAll(naive.abandoned());
      abandoned.addAll(tether.abandoned());
    }
    out.println();
    if (!abandoned.isEmpty()) {
      List<String> names = new ArrayList<>();
      for (Thread thread : abandoned) {
        names.add(thread.getName() + (thread.isAlive() ? "" : " (ended)"));
      }
      wrap(
          out,
          "",
          "Abandoned "
              + abandoned.size()
              + " hung daemon threads: "
              + String.join(", ", names)
              + ".");
    }
    int code = problems.isEmpty() ? 0 : 1;
    if (code == 0) {
      out.println(
          "OK: every naive design failed as reported; every Tether design kept its"
              + " promise, in "
              + Waits.seconds(Duration.ofNanos(System.nanoTime() - start))
              + ". Exit 0.");
    } else {
      out.println(
          "FAILED, in " + Waits.seconds(Duration.ofNanos(System.nanoTime() - start)) + ". Exit 1:");
      for (String problem : problems) {
        wrap(out, "  ", problem);
      }
    }
    out.flush();
    return code;
  }

  /** Runs one side; anything it throws is an {@code UNEXPECTED} outcome, never a crash. */
  private static Outcome guarded(Supplier<Outcome> side) {
    try {
      return side.get();
    } catch (RuntimeException | Error e) {
      return Outcome.unexpected("threw " + e);
    }
  }

  private static void print(PrintStream out, String side, Outcome outcome, Outcome.Kind expected) {
    String verdict = outcome.kind() == expected ? "" : "  <-- expected " + expected;
    wrap(out, "   " + side + "  ", outcome.kind() + ": " + outcome.summary() + verdict);
  }

  /** Prints {@code text} word-wrapped at {@link #WIDTH}, continuation lines indented. */
  private static void wrap(PrintStream out, String prefix, String text) {
    String indent = " ".repeat(prefix.length() + 2);
    StringBuilder line = new StringBuilder(prefix);
    int lineStart = 0;
    boolean lineEmpty = true;
    for (String word : text.split(" ")) {
      if (!lineEmpty && line.length() - lineStart + 1 + word.length() > WIDTH) {
        line.append(System.lineSeparator());
        lineStart = line.length();
        line.append(indent);
        lineEmpty = true;
      }
      if (!lineEmpty) {
        line.append(' ');
      }
      line.append(word);
      lineEmpty = false;
    }
    out.println(line);
  }
}
