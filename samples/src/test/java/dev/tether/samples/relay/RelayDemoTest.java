package dev.tether.samples.relay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.Lifecycle;
import dev.tether.samples.net.Client;
import dev.tether.samples.net.Connection;
import dev.tether.samples.net.Server;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

class RelayDemoTest {
  private static RelayDemo.Result run(String... args) throws Exception {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    RelayDemo.Result result = RelayDemo.run(RelayDemo.Options.parse(args),
        new PrintStream(text, true, StandardCharsets.UTF_8));
    String report = text.toString(StandardCharsets.UTF_8);
    assertTrue(result.ok(), report);
    assertTrue(report.contains("callbacks after close() returned 0") && report.contains("OK: "),
        report);
    return result;
  }

  @Test
  void withoutChaos_everyMessageArrives_andEveryConnectionCloses() throws Exception {
    RelayDemo.Result result = run("--pairs", "8", "--messages", "300");
    Tally tally = result.tally();
    assertEquals(2L * 8 * 300, tally.sent.sum());
    assertEquals(tally.sent.sum(), tally.delivered.sum());
    assertEquals(32, tally.opened.sum(), "16 clients and their 16 relay-side connections");
    assertEquals(tally.opened.sum(), tally.closed.sum());
  }

  @Test
  void withChaos_closesHappen_andNoInvariantBreaks() throws Exception {
    for (int seed = 1; seed <= 5; seed++) {
      RelayDemo.Result result =
          run("--pairs", "16", "--messages", "200", "--chaos", "--seed", "" + seed);
      assertTrue(result.tally().chaosCloses.sum() > 0, "chaos closed nothing");
      assertTrue(result.tally().delivered.sum() <= result.tally().sent.sum());
    }
  }

  /** A tracked client connection to a live server, for checks of the demo's own checker. */
  private static void withTrackedConnection(BiConsumer<Tracked, Tally> check) throws Exception {
    Tally tally = new Tally();
    Lifecycle app = Lifecycle.root("check");
    try {
      Server server = Server.listen(app, new InetSocketAddress("127.0.0.1", 0), conn -> { });
      Connection connection = Client.open(app, "client").connect(server.address(), c -> { });
      check.accept(new Tracked(connection, tally), tally);
    } finally {
      app.closeAsync().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theAfterCloseCheck_catchesAListenerThatStartsAfterCloseReturned() throws Exception {
    withTrackedConnection((tracked, tally) -> {
      tracked.closeFromOutside();
      // What must never happen: a broken library running a listener after close() returned.
      tracked.watch("a broken library's late onMessage", ignored -> { }).accept(null);
      assertEquals(1, tally.callbacksAfterClose.sum());
      List<String> violations = tally.violations(true, 0);
      assertTrue(violations.contains("callbacks after close() returned: 1"), violations.toString());
    });
  }

  @Test
  void theAfterCloseCheck_catchesAListenerStillRunningWhenCloseReturned() throws Exception {
    withTrackedConnection((tracked, tally) -> {
      // A broken close that returns while a listener runs: closing from inside a watched call
      // models it, because that close (rightly) does not wait for its own caller.
      tracked.watch("a listener still running", ignored -> tracked.closeFromOutside())
          .accept(null);
      assertEquals(1, tally.callbacksAfterClose.sum());
    });
  }

  @Test
  void withoutChaos_aLostMessageIsAViolation() {
    Tally tally = new Tally();
    tally.sent.add(10);
    tally.delivered.add(9);
    assertTrue(tally.violations(false, 10).get(0).contains("delivered 9"));
    assertEquals(List.of(), tally.violations(true, 10), "under chaos, losses are expected");
  }

  @Test
  void badOptions_areRejectedNamingTheOption() {
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> RelayDemo.Options.parse("--pairs", "0")).getMessage().contains("--pairs"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> RelayDemo.Options.parse("--messages")).getMessage().contains("--messages"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> RelayDemo.Options.parse("--bogus")).getMessage().contains("--bogus"));
    assertEquals(16, RelayDemo.Options.parse().pairs());
  }
}
