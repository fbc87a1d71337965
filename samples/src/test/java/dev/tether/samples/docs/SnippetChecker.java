package dev.tether.samples.docs;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The snippet rule: every Java block in the docs is a region of real code that CI compiles and
 * runs. Pure functions over strings, so that {@link DocSnippetsTest} can check the real files and
 * test this checker on small inputs. <b>Note:</b> not thread-safe (no state; static methods only).
 *
 * <p>The rule, exactly:
 *
 * <ol>
 *   <li>In Markdown, the line immediately before each {@code ```java} fence is
 *       {@code <!-- snippet: <repo-relative path>#<region> -->}. Only fences outside other fenced
 *       blocks count; a marker that is not immediately followed by a {@code ```java} fence is an
 *       error too.
 *   <li>The cited file is a {@code .java} file under {@code samples/}, under {@code it/} (the
 *       consumer smoke test, which {@code it/run-consumer.sh} builds and runs in CI) or under a
 *       {@code src/test/} directory: code that CI compiles and runs.
 *   <li>In that file, the region is the lines between {@code // @start region="<region>"} and
 *       {@code // @end region="<region>"} (the JDK {@code {@snippet}} markup), marker lines
 *       excluded, also those of regions nested inside it. A region name appears at most once per
 *       file; every start has its end.
 *   <li>The block equals the region with its common leading indentation removed. Trailing
 *       whitespace is ignored, on each line and at the end of the block.
 * </ol>
 */
final class SnippetChecker {
  /** {@code <!-- snippet: path#region -->}, alone on its line. */
  static final Pattern MARKER =
      Pattern.compile("^\\s*<!--\\s*snippet:\\s*([^\\s#]+)#([A-Za-z0-9_.-]+)\\s*-->\\s*$");

  private static final Pattern MARKER_LIKE = Pattern.compile("^\\s*<!--.*\\bsnippet\\b.*$");

  /** An opening fence: indentation, three or more backticks or tildes, an info string. */
  private static final Pattern FENCE = Pattern.compile("^(\\s*)(`{3,}|~{3,})(.*)$");

  static final Pattern REGION_START =
      Pattern.compile("^\\s*//\\s*@start\\s+region\\s*=\\s*\"([A-Za-z0-9_.-]+)\"\\s*$");
  static final Pattern REGION_END =
      Pattern.compile("^\\s*//\\s*@end\\s+region\\s*=\\s*\"([A-Za-z0-9_.-]+)\"\\s*$");
  private static final Pattern REGION_MARKUP_LIKE =
      Pattern.compile("^\\s*//\\s*@(start|end)\\b.*$");
  private static final int MAX_DIFF_LINES = 16;

  private SnippetChecker() {}

  /** A fenced block of a Markdown file. */
  record Block(int fenceLine, String language, List<String> lines, String lineBefore) {}

  /** The regions of one Java file, and what is wrong with its markers. */
  record Regions(Map<String, List<String>> byName, List<String> errors) {}

  /**
   * Checks every Java block of one Markdown file.
   *
   * @param docName the file's repo-relative name, used in messages
   * @param markdown its text
   * @param sources reads a repo-relative path; empty if no such file
   * @return one message per problem; empty when the file follows the rule
   */
  static List<String> check(
      String docName, String markdown, Function<String, Optional<String>> sources) {
    List<String> problems = new ArrayList<>();
    Set<String> fileErrorsReported = new LinkedHashSet<>();
    List<String> lines = markdown.lines().toList();
    for (Block block : blocks(lines, problems, docName)) {
      String where = docName + ":" + block.fenceLine();
      Matcher marker = MARKER.matcher(block.lineBefore());
      if (!block.language().equals("java")) {
        if (marker.matches()) {
          problems.add(
              where
                  + ": snippet marker before a ```"
                  + block.language()
                  + " block; markers belong to ```java blocks only");
        }
        continue;
      }
      if (!marker.matches()) {
        problems.add(
            where
                + ": ```java block with no snippet marker on the line before it; add"
                + " <!-- snippet: <repo-relative path>#<region> --> (see docs/README.md)"
                + (MARKER_LIKE.matcher(block.lineBefore()).matches()
                    ? "; the line before is malformed: " + block.lineBefore().strip()
                    : ""));
        continue;
      }
      String path = marker.group(1);
      String region = marker.group(2);
      String cited = path + "#" + region;
      String pathProblem = pathProblem(path);
      if (pathProblem != null) {
        problems.add(where + ": cites " + cited + ", but " + pathProblem);
        continue;
      }
      Optional<String> source = sources.apply(path);
      if (source.isEmpty()) {
        problems.add(where + ": cites " + cited + ", but " + path + " does not exist");
        continue;
      }
      Regions regions = regions(source.get());
      if (!regions.errors().isEmpty() && fileErrorsReported.add(path)) {
        for (String error : regions.errors()) {
          problems.add(where + ": cites " + cited + ", and " + path + " " + error);
        }
      }
      List<String> expected = regions.byName().get(region);
      if (expected == null) {
        problems.add(
            where
                + ": cites "
                + cited
                + ", but "
                + path
                + " has no region \""
                + region
                + "\" (its regions: "
                + regions.byName().keySet()
                + ")");
        continue;
      }
      List<String> want = withoutTrailingBlankLines(dedent(expected));
      List<String> got = withoutTrailingBlankLines(stripTrailing(block.lines()));
      if (!want.equals(got)) {
        problems.add(
            where
                + ": ```java block differs from "
                + cited
                + " (- source region, + doc block):\n"
                + diff(want, got));
      }
    }
    return problems;
  }

  /**
   * The fenced blocks of a Markdown file, outermost only; adds a problem for every snippet marker
   * that is not directly followed by an opening fence, and for an unclosed fence.
   */
  static List<Block> blocks(List<String> lines, List<String> problems, String docName) {
    List<Block> blocks = new ArrayList<>();
    int i = 0;
    while (i < lines.size()) {
      String line = lines.get(i);
      Matcher fence = FENCE.matcher(line);
      boolean opening =
          fence.matches() && !(fence.group(2).charAt(0) == '`' && fence.group(3).contains("`"));
      if (!opening) {
        if (MARKER.matcher(line).matches()
            && (i + 1 >= lines.size() || !FENCE.matcher(lines.get(i + 1)).matches())) {
          problems.add(
              docName
                  + ":"
                  + (i + 1)
                  + ": snippet marker not followed by a ```java"
                  + " fence on the next line");
        }
        i++;
        continue;
      }
      int indent = fence.group(1).length();
      char fenceChar = fence.group(2).charAt(0);
      int fenceLength = fence.group(2).length();
      String info = fence.group(3).strip();
      String language = info.isEmpty() ? "" : info.split("\\s+", 2)[0];
      List<String> content = new ArrayList<>();
      int j = i + 1;
      while (j < lines.size() && !closes(lines.get(j), fenceChar, fenceLength)) {
        content.add(unindent(lines.get(j), indent));
        j++;
      }
      if (j == lines.size()) {
        problems.add(docName + ":" + (i + 1) + ": fence never closed");
      }
      blocks.add(new Block(i + 1, language, content, i == 0 ? "" : lines.get(i - 1)));
      i = j + 1;
    }
    return blocks;
  }

  /** Reads the regions of a Java source file and what is wrong with its markers. */
  static Regions regions(String javaSource) {
    Map<String, List<String>> byName = new LinkedHashMap<>();
    Map<String, OpenRegion> open = new LinkedHashMap<>();
    List<String> errors = new ArrayList<>();
    List<String> lines = javaSource.lines().toList();
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n);
      Matcher start = REGION_START.matcher(line);
      Matcher end = REGION_END.matcher(line);
      if (start.matches()) {
        String name = start.group(1);
        List<String> content = new ArrayList<>();
        if (byName.containsKey(name)) {
          errors.add("declares region \"" + name + "\" twice (again at line " + (n + 1) + ")");
        } else {
          byName.put(name, content);
        }
        // A duplicate is still tracked as open, so that its end is not reported as stray.
        open.put(name, new OpenRegion(n + 1, content));
      } else if (end.matches()) {
        if (open.remove(end.group(1)) == null) {
          errors.add(
              "ends region \""
                  + end.group(1)
                  + "\" at line "
                  + (n + 1)
                  + " without a start before it");
        }
      } else if (REGION_MARKUP_LIKE.matcher(line).matches()) {
        errors.add(
            "has a malformed region marker at line "
                + (n + 1)
                + ": "
                + line.strip()
                + " (write // @start region=\"name\" and // @end region=\"name\")");
      } else {
        for (OpenRegion region : open.values()) {
          region.lines().add(line);
        }
      }
    }
    open.forEach(
        (name, region) ->
            errors.add(
                "starts region \"" + name + "\" at line " + region.line() + " and never ends it"));
    return new Regions(byName, errors);
  }

  private record OpenRegion(int line, List<String> lines) {}

  /** Why {@code path} may not be cited, or null if it may. */
  static String pathProblem(String path) {
    if (path.startsWith("/")
        || path.contains("\\")
        || path.contains(":")
        || List.of(path.split("/")).contains("..")
        || List.of(path.split("/")).contains(".")) {
      return "the path must be repo-relative, without '.', '..', '\\' or ':'";
    }
    if (!path.endsWith(".java")) {
      return "the cited file must be a .java file";
    }
    if (!path.startsWith("samples/") && !path.startsWith("it/") && !path.contains("/src/test/")) {
      return "the cited file must be under samples/, it/ or a src/test/ directory (real code that"
          + " CI compiles and runs)";
    }
    return null;
  }

  /** Removes the indentation common to all non-blank lines; blank lines become empty. */
  static List<String> dedent(List<String> lines) {
    List<String> stripped = stripTrailing(lines);
    int common = Integer.MAX_VALUE;
    for (String line : stripped) {
      if (!line.isEmpty()) {
        common = Math.min(common, indentation(line));
      }
    }
    List<String> out = new ArrayList<>(stripped.size());
    for (String line : stripped) {
      out.add(line.isEmpty() ? line : line.substring(common));
    }
    return out;
  }

  /** A line diff by longest common subsequence: "- " only in expected, "+ " only in actual. */
  static String diff(List<String> expected, List<String> actual) {
    int[][] lcs = new int[expected.size() + 1][actual.size() + 1];
    for (int a = expected.size() - 1; a >= 0; a--) {
      for (int b = actual.size() - 1; b >= 0; b--) {
        lcs[a][b] =
            expected.get(a).equals(actual.get(b))
                ? lcs[a + 1][b + 1] + 1
                : Math.max(lcs[a + 1][b], lcs[a][b + 1]);
      }
    }
    List<String> out = new ArrayList<>();
    int a = 0;
    int b = 0;
    while (a < expected.size() || b < actual.size()) {
      if (a < expected.size() && b < actual.size() && expected.get(a).equals(actual.get(b))) {
        a++;
        b++;
      } else if (b == actual.size() || (a < expected.size() && lcs[a + 1][b] >= lcs[a][b + 1])) {
        out.add("  " + (a + 1) + " - " + expected.get(a));
        a++;
      } else {
        out.add("  " + (b + 1) + " + " + actual.get(b));
        b++;
      }
    }
    if (out.size() > MAX_DIFF_LINES) {
      int more = out.size() - MAX_DIFF_LINES;
      out = new ArrayList<>(out.subList(0, MAX_DIFF_LINES));
      out.add("  ... and " + more + " more changed lines");
    }
    return String.join("\n", out);
  }

  private static boolean closes(String line, char fenceChar, int fenceLength) {
    String s = line.strip();
    if (s.length() < fenceLength) {
      return false;
    }
    for (int k = 0; k < s.length(); k++) {
      if (s.charAt(k) != fenceChar) {
        return false;
      }
    }
    return true;
  }

  /** Removes up to {@code indent} leading spaces, as CommonMark does inside an indented fence. */
  private static String unindent(String line, int indent) {
    int k = 0;
    while (k < indent && k < line.length() && line.charAt(k) == ' ') {
      k++;
    }
    return line.substring(k);
  }

  private static int indentation(String line) {
    int k = 0;
    while (k < line.length() && (line.charAt(k) == ' ' || line.charAt(k) == '\t')) {
      k++;
    }
    return k;
  }

  private static List<String> stripTrailing(List<String> lines) {
    return lines.stream().map(String::stripTrailing).toList();
  }

  private static List<String> withoutTrailingBlankLines(List<String> lines) {
    int end = lines.size();
    while (end > 0 && lines.get(end - 1).isBlank()) {
      end--;
    }
    return lines.subList(0, end);
  }
}
