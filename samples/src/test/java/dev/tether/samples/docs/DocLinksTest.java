package dev.tether.samples.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in {@code README.md} and {@code docs/*.md} points at a file of the
 * repository, and every {@code #anchor} at a heading of its target, so the docs can be cited
 * section by section without dead ends. External links are not fetched (CI has no network).
 */
class DocLinksTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  /** [text](target): the target up to a space or the closing parenthesis. */
  private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");

  @Test
  void docs_everyRelativeLinkAndAnchor_resolves() throws IOException {
    List<String> broken = new ArrayList<>();
    int checked = 0;
    for (Path doc : docs()) {
      String text = withoutCodeBlocks(Files.readString(doc));
      Matcher link = LINK.matcher(text);
      while (link.find()) {
        String target = link.group(1);
        if (target.matches("^[a-z]+:.*")) {
          continue; // http:, https:, mailto:
        }
        checked++;
        int hash = target.indexOf('#');
        String file = hash < 0 ? target : target.substring(0, hash);
        Path resolved = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
        String where = ROOT.relativize(doc) + ": (" + target + ")";
        if (!Files.exists(resolved)) {
          broken.add(where + ": no file " + ROOT.relativize(resolved));
        } else if (hash >= 0 && !anchors(resolved).contains(target.substring(hash + 1))) {
          broken.add(
              where
                  + ": no heading with anchor #"
                  + target.substring(hash + 1)
                  + " in "
                  + ROOT.relativize(resolved));
        }
      }
    }
    assertTrue(checked > 20, "found only " + checked + " relative links: is the root right?");
    assertEquals(List.of(), broken);
  }

  @Test
  void anchor_headingWithPunctuation_followsGitHubsRule() {
    assertEquals(
        "1-reset-never-again-and-not-running-anywhere",
        anchor("### 1. `reset()`: never again, and not running anywhere"));
    assertEquals("delivery-serialized-lanes", anchor("## `Delivery`: serialized lanes"));
  }

  private static List<Path> docs() throws IOException {
    List<Path> docs = new ArrayList<>(List.of(ROOT.resolve("README.md")));
    try (Stream<Path> files = Files.list(ROOT.resolve("docs"))) {
      files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(docs::add);
    }
    return docs;
  }

  private static Set<String> anchors(Path markdown) {
    try {
      return withoutCodeBlocks(Files.readString(markdown))
          .lines()
          .filter(line -> line.startsWith("#"))
          .map(DocLinksTest::anchor)
          .collect(Collectors.toSet());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** GitHub's heading anchor: lower case, punctuation other than '-' and '_' dropped, spaces to '-'. */
  static String anchor(String heading) {
    String title = heading.replaceFirst("^#+\\s*", "").toLowerCase(Locale.ROOT);
    return title.replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
  }

  private static String withoutCodeBlocks(String markdown) {
    return markdown.replaceAll("(?ms)^```.*?^```", "");
  }
}
