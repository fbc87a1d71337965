import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.spi.ToolProvider;
import java.util.stream.Collectors;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Writes or checks a module's public API surface: every public and protected type and member of
 * the packages its module exports (without qualification), as {@code javap -public} prints them,
 * members sorted within each type. The surface is checked in beside this file; the build fails
 * when the jar's surface differs, so that every API change is a conscious diff of that file.
 *
 * <p>Run by the published modules' {@code verify} phase (exec-maven-plugin), as a single-file
 * program: {@code java api/ApiSurface.java check|update JAR BASELINE}. {@code update} rewrites
 * the baseline: {@code ./mvnw -B verify -DskipTests -Dapi.surface=update}, then review the diff.
 *
 * <p>Reads class files with javap, loading nothing, so the jar's dependencies are not needed.
 */
public final class ApiSurface {
  private ApiSurface() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 3 || !Set.of("check", "update").contains(args[0])) {
      System.err.println("usage: java ApiSurface.java check|update JAR BASELINE");
      System.exit(2);
    }
    Path jar = Path.of(args[1]);
    Path baseline = Path.of(args[2]);
    String surface = surfaceOf(jar);
    if (args[0].equals("update")) {
      Files.writeString(baseline, surface, StandardCharsets.UTF_8);
      System.out.println("API surface written to " + baseline);
      return;
    }
    String expected =
        Files.exists(baseline) ? Files.readString(baseline, StandardCharsets.UTF_8) : "";
    if (expected.equals(surface)) {
      System.out.println("API surface of " + jar.getFileName() + " matches " + baseline);
      return;
    }
    System.err.println(
        "The public API of "
            + jar.getFileName()
            + " differs from "
            + baseline
            + " (- baseline, + jar):\n"
            + diff(expected, surface)
            + "If the change is intended, run ./mvnw -B verify -DskipTests -Dapi.surface=update and commit"
            + " the baseline with it.");
    System.exit(1);
  }

  static String surfaceOf(Path jar) throws IOException {
    Set<ModuleReference> modules = ModuleFinder.of(jar).findAll();
    if (modules.size() != 1) {
      throw new IllegalArgumentException(jar + " is not one module");
    }
    ModuleDescriptor descriptor = modules.iterator().next().descriptor();
    Set<String> exported =
        descriptor.exports().stream()
            .filter(e -> !e.isQualified())
            .map(ModuleDescriptor.Exports::source)
            .collect(Collectors.toSet());
    List<String> classes = new ArrayList<>();
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
        String name = e.nextElement().getName();
        if (!name.endsWith(".class") || name.startsWith("META-INF/")) {
          continue;
        }
        String className = name.substring(0, name.length() - ".class".length()).replace('/', '.');
        int dot = className.lastIndexOf('.');
        if (dot > 0 && exported.contains(className.substring(0, dot))) {
          classes.add(className);
        }
      }
    }
    TreeMap<String, TreeSet<String>> types = new TreeMap<>();
    for (String className : classes) {
      String out = javap(jar, className);
      String header = null;
      for (String line : out.split("\n")) {
        String trimmed = line.strip();
        if (trimmed.isEmpty() || trimmed.startsWith("Compiled from") || trimmed.equals("}")) {
          continue;
        }
        if (header == null) {
          header =
              trimmed.endsWith("{") ? trimmed.substring(0, trimmed.length() - 1).strip() : trimmed;
          types.put(header, new TreeSet<>());
        } else {
          types.get(header).add(trimmed);
        }
      }
    }
    StringBuilder text =
        new StringBuilder("# ")
            .append(descriptor.name())
            .append(": public API surface (api/ApiSurface.java); do not edit by hand\n");
    types.forEach(
        (type, members) -> {
          text.append('\n').append(type).append('\n');
          members.forEach(m -> text.append("  ").append(m).append('\n'));
        });
    return text.toString();
  }

  /** javap -public's text for one class, or "" for a class javap leaves out (not public). */
  private static String javap(Path jar, String className) {
    ToolProvider javap =
        ToolProvider.findFirst("javap").orElseThrow(() -> new IllegalStateException("no javap"));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int status =
        javap.run(
            new PrintWriter(out),
            new PrintWriter(err),
            "-public",
            "-classpath",
            jar.toString(),
            className);
    if (status != 0) {
      throw new IllegalStateException("javap failed on " + className + ": " + err);
    }
    String text = out.toString();
    // javap prints a header for a non-public class too, with no public members; keep only
    // types declared public (or protected, for nested ones).
    for (String line : text.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("Compiled from")) {
        continue;
      }
      return trimmed.startsWith("public ") || trimmed.startsWith("protected ") ? text : "";
    }
    return "";
  }

  /** The lines only in one of the two texts, in order: enough to see what changed. */
  private static String diff(String expected, String actual) {
    List<String> before = List.of(expected.split("\n"));
    List<String> after = List.of(actual.split("\n"));
    StringBuilder out = new StringBuilder();
    before.stream()
        .filter(l -> !after.contains(l))
        .forEach(l -> out.append("- ").append(l).append('\n'));
    after.stream()
        .filter(l -> !before.contains(l))
        .forEach(l -> out.append("+ ").append(l).append('\n'));
    return out.toString();
  }
}
