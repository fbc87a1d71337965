package dev.tether.samples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The snippet rule, checked in CI: every Java block in {@code README.md} and {@code docs/*.md} is
 * a region of a real sample or test, character for character (the rule is stated exactly on
 * {@link SnippetChecker}). A failure names the doc file and line, the cited source and region, and
 * a short diff. Runs with the {@code samples} module as working directory, so the repository root
 * is {@code ..}. Run just this: {@code ./mvnw -B -q -pl samples -am test
 * -Dtest='DocSnippetsTest*' -Dsurefire.failIfNoSpecifiedTests=false -Dexec.skip=true}.
 */
class DocSnippetsTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @TestFactory
  Stream<DynamicTest> everyJavaBlockOfEveryDocIsARegionOfRealCode() {
    return docFiles().stream()
        .map(
            doc ->
                dynamicTest(
                    name(doc),
                    () -> {
                      List<String> problems =
                          SnippetChecker.check(name(doc), read(doc), DocSnippetsTest::source);
                      if (!problems.isEmpty()) {
                        fail(
                            problems.size()
                                + " snippet problem(s):\n"
                                + String.join("\n", problems));
                      }
                    }));
  }

  @Test
  void docs_asShipped_haveJavaBlocksToCheck() {
    // Guards against a vacuous pass: a wrong root or a broken fence parser finds no blocks.
    long readmeBlocks = javaBlocks(ROOT.resolve("README.md"));
    long allBlocks = docFiles().stream().mapToLong(DocSnippetsTest::javaBlocks).sum();
    assertTrue(readmeBlocks >= 3, "README.md: expected its 3 Java examples, found " + readmeBlocks);
    assertTrue(allBlocks > readmeBlocks, "docs/*.md: no Java block found under " + ROOT);
  }

  @Test
  void regions_everySourceFile_noneDeclaredTwiceOrLeftOpen() throws IOException {
    List<String> problems = new ArrayList<>();
    List<Path> trees = new ArrayList<>(List.of(ROOT.resolve("samples/src"), ROOT.resolve("it")));
    try (Stream<Path> modules = Files.list(ROOT)) {
      modules
          .map(module -> module.resolve("src/test"))
          .filter(Files::isDirectory)
          .forEach(trees::add);
    }
    int filesWithRegions = 0;
    for (Path tree : trees) {
      try (Stream<Path> files = Files.walk(tree)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
          String text = read(file);
          if (!text.contains("@start") && !text.contains("@end")) {
            continue;
          }
          filesWithRegions++;
          for (String error : SnippetChecker.regions(text).errors()) {
            problems.add(name(file) + " " + error);
          }
        }
      }
    }
    assertTrue(filesWithRegions > 0, "no source file with regions found under " + trees);
    if (!problems.isEmpty()) {
      fail(String.join("\n", problems));
    }
  }

  /** The checker itself, on small inputs: each rule can fail. */
  @Nested
  class Checker {
    private final Map<String, String> files =
        Map.of(
            "samples/src/test/java/Demo.java",
                String.join(
                    "\n",
                    "class Demo {",
                    "  void demo() {",
                    "    // @start region=\"hello\"",
            "    String greeting = \"hello\";   ",
            "    if (greeting.isEmpty()) {",
            "      throw new AssertionError();",
            "    }",
            "    // @end region=\"hello\"",
                    "  }",
                    "}"),
            "core/src/main/java/Main.java",
                String.join(
                    "\n", "// @start region=\"main\"",
            "int x;",
            "// @end region=\"main\""));

    private List<String> check(String... markdown) {
      return SnippetChecker.check(
          "docs/guide.md",
          String.join("\n", markdown),
          path -> Optional.ofNullable(files.get(path)));
    }

    @Test
    void check_blockEqualToTheDedentedRegion_passes() {
      assertEquals(
          List.of(),
          check(
              "Intro.",
              "<!-- snippet: samples/src/test/java/Demo.java#hello -->",
              "```java",
              "String greeting = \"hello\";",
              "if (greeting.isEmpty()) {",
              "  throw new AssertionError();",
              "}",
              "",
              "```"));
    }

    @Test
    void check_blockThatDiffers_isReportedWithDocLineSourceAndDiff() {
      List<String> problems =
          check(
              "Intro.",
              "<!-- snippet: samples/src/test/java/Demo.java#hello -->",
              "```java",
              "String greeting = \"hi\";",
              "if (greeting.isEmpty()) {",
              "  throw new AssertionError();",
              "}",
              "```");
      assertEquals(1, problems.size(), problems.toString());
      String problem = problems.get(0);
      assertTrue(problem.startsWith("docs/guide.md:3: "), problem);
      assertTrue(problem.contains("samples/src/test/java/Demo.java#hello"), problem);
      assertTrue(problem.contains("1 - String greeting = \"hello\";"), problem);
      assertTrue(problem.contains("1 + String greeting = \"hi\";"), problem);
      assertTrue(!problem.contains("if (greeting"), "only changed lines are shown: " + problem);
    }

    @Test
    void check_blockKeepingTheSourceIndentation_isReported() {
      List<String> problems =
          check(
              "<!-- snippet: samples/src/test/java/Demo.java#hello -->",
              "```java",
              "    String greeting = \"hello\";",
              "    if (greeting.isEmpty()) {",
              "      throw new AssertionError();",
              "    }",
              "```");
      assertEquals(1, problems.size(), problems.toString());
    }

    @Test
    void check_javaBlockWithoutMarker_isReported() {
      List<String> problems = check("Some prose.", "```java", "int x;", "```");
      assertEquals(1, problems.size(), problems.toString());
      assertTrue(
          problems.get(0).startsWith("docs/guide.md:2: ```java block with no snippet"),
          problems.get(0));
    }

    @Test
    void check_markerSeparatedFromItsFenceByABlankLine_isReportedTwice() {
      List<String> problems =
          check(
              "<!-- snippet: samples/src/test/java/Demo.java#hello -->",
              "",
              "```java",
              "int x;",
              "```");
      assertEquals(2, problems.size(), problems.toString()); // dangling marker + unmarked block
    }

    @Test
    void check_malformedMarker_isNamed() {
      List<String> problems =
          check("<!-- snippet: samples/src/test/java/Demo.java -->", "```java", "int x;", "```");
      assertEquals(1, problems.size(), problems.toString());
      assertTrue(problems.get(0).contains("malformed"), problems.get(0));
    }

    @Test
    void check_missingFileOrRegion_isReported() {
      List<String> problems =
          check(
              "<!-- snippet: samples/src/test/java/Nope.java#hello -->",
              "```java",
              "int x;",
              "```",
              "<!-- snippet: samples/src/test/java/Demo.java#bye -->",
              "```java",
              "int x;",
              "```");
      assertEquals(2, problems.size(), problems.toString());
      assertTrue(problems.get(0).contains("Nope.java does not exist"), problems.get(0));
      assertTrue(problems.get(1).startsWith("docs/guide.md:6: "), problems.get(1));
      assertTrue(
          problems.get(1).contains("no region \"bye\" (its regions: [hello])"), problems.get(1));
    }

    @Test
    void check_fileThatIsNeitherASampleNorATest_cannotBeCited() {
      List<String> problems =
          check(
              "<!-- snippet: core/src/main/java/Main.java#main -->",
              "```java",
              "int x;",
              "```",
              "<!-- snippet: ../outside/src/test/X.java#x -->",
              "```java",
              "int x;",
              "```");
      assertEquals(2, problems.size(), problems.toString());
      assertTrue(problems.get(0).contains("under samples/, it/ or a src/test/"), problems.get(0));
      assertTrue(problems.get(1).contains("repo-relative"), problems.get(1));
    }

    @Test
    void check_otherLanguagesWithoutMarkerOrWithOne_needNoneButOneIsReported() {
      assertEquals(
          List.of(),
          check(
              "```cpp",
              "pc->onMessage(nullptr);",
              "```",
              "```text",
              "<!-- snippet: a#b -->",
              "```java",
              "not a real fence: inside a text block",
              "```"));
      List<String> problems =
          check(
              "<!-- snippet: samples/src/test/java/Demo.java#hello -->", "```cpp", "int x;", "```");
      assertEquals(1, problems.size(), problems.toString());
      assertTrue(problems.get(0).contains("before a ```cpp block"), problems.get(0));
    }

    @Test
    void check_javaFenceInsideALongerFence_isNotABlock() {
      assertEquals(List.of(), check("````markdown", "```java", "int x;", "```", "````"));
    }

    @Test
    void regions_duplicateUnclosedStrayOrMalformed_areReported() {
      List<String> errors =
          SnippetChecker.regions(
                  String.join(
                      "\n",
                      "// @start region=\"a\"", "x();", "// @end region=\"a\"",
                      "// @start region=\"a\"", "y();", "// @end region=\"a\"",
                      "// @end region=\"b\"",
                      "// @start region=c",
          "// @start region=\"d\"", "z();")).errors();
      assertEquals(4, errors.size(), errors.toString());
      assertTrue(errors.get(0).contains("declares region \"a\" twice"), errors.get(0));
      assertTrue(errors.get(1).contains("ends region \"b\""), errors.get(1));
      assertTrue(errors.get(2).contains("malformed region marker at line 8"), errors.get(2));
      assertTrue(errors.get(3).contains("starts region \"d\" at line 9 and never ends"),
          errors.get(3));
    }

    @Test
    void regions_nested_excludeEveryMarkerLine() {
      SnippetChecker.Regions regions = SnippetChecker.regions(String.join("\n",
          "  // @start region=\"outer\"", "  a();", "    // @start region=\"inner\"", "    b();",
          "    // @end region=\"inner\"",
                  "  // @end region=\"outer\""));
      assertEquals(List.of(), regions.errors());
      assertEquals(List.of("a();", "  b();"), SnippetChecker.dedent(regions.byName().get("outer")));
      assertEquals(List.of("b();"), SnippetChecker.dedent(regions.byName().get("inner")));
    }
  }

  private static List<Path> docFiles() {
    List<Path> docs = new ArrayList<>();
    docs.add(ROOT.resolve("README.md"));
    try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
      files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(docs::add);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + ROOT.resolve("docs"), e);
    }
    return docs;
  }

  private static long javaBlocks(Path doc) {
    return SnippetChecker.blocks(read(doc).lines().toList(), new ArrayList<>(), name(doc)).stream()
        .filter(block -> block.language().equals("java"))
        .count();
  }

  /** A repo-relative file's text, or empty; never a file outside the repository. */
  private static Optional<String> source(String repoRelative) {
    Path file = ROOT.resolve(repoRelative).normalize();
    if (!file.startsWith(ROOT) || !Files.isRegularFile(file)) {
      return Optional.empty();
    }
    return Optional.of(read(file));
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }

  private static String name(Path file) {
    return ROOT.relativize(file).toString().replace('\\', '/');
  }
}
