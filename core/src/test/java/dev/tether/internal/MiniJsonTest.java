package dev.tether.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link MiniJson}: the subset of JSON the JDK's thread dump uses, and strictness. */
class MiniJsonTest {

  @Test
  void parse_threadDumpShape_givesMapsListsAndStrings() {
    Object parsed =
        MiniJson.parse(
            "{\"threadDump\": {\"threadContainers\": [{\"threads\": ["
                + "{\"tid\": \"23\", \"virtual\": true, \"blockedOn\": \"java.lang.Object@15c43bd9\"},"
                + "{\"tid\": \"3\", \"monitorsOwned\": [{\"depth\": 8, \"locks\": [\"java.lang.Object@15c43bd9\"]}]}"
                + "]}]}}");
    Map<?, ?> dump = (Map<?, ?>) ((Map<?, ?>) parsed).get("threadDump");
    List<?> threads =
        (List<?>) ((Map<?, ?>) ((List<?>) dump.get("threadContainers")).get(0)).get("threads");
    Map<?, ?> blocked = (Map<?, ?>) threads.get(0);
    assertEquals("23", blocked.get("tid"));
    assertEquals(Boolean.TRUE, blocked.get("virtual"));
    assertEquals("java.lang.Object@15c43bd9", blocked.get("blockedOn"));
    Map<?, ?> owned =
        (Map<?, ?>) ((List<?>) ((Map<?, ?>) threads.get(1)).get("monitorsOwned")).get(0);
    assertEquals("8", owned.get("depth"), "numbers are kept as their source text");
    assertEquals(List.of("java.lang.Object@15c43bd9"), owned.get("locks"));
  }

  @Test
  void parse_escapesAndLiterals_areDecoded() {
    assertEquals("a\"b\\c/d\n\t\u00e9", MiniJson.parse("\"a\\\"b\\\\c\\/d\\n\\t\\u00e9\""));
    assertEquals(
        Arrays.asList(Boolean.FALSE, null, "-1.5e3"),
        MiniJson.parse(" [ false , null , -1.5e3 ] "));
    assertNull(MiniJson.parse("null"));
    assertEquals(Map.of(), MiniJson.parse("{}"));
  }

  @Test
  void parse_malformed_throwsIllegalArgumentExceptionNamingTheOffset() {
    for (String bad :
        List.of("", "{", "[1,]", "{\"a\" 1}", "\"open", "tru", "{} x", "\"\\q\"", "\"\\u12\"")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> MiniJson.parse(bad), bad);
      assertEquals(true, e.getMessage().startsWith("thread dump JSON: "), e.getMessage());
    }
  }
}
