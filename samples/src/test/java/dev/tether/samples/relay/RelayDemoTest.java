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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

class RelayDemoTest {
  private static RelayDemo.Result run(String... args) throws Exception {
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    RelayDemo.Result result =
        RelayDemo.run(
            RelayDemo.Options.parse(args), new PrintStream(text, true, StandardCharsets.UTF_8));
    String report = text.toString(StandardCharsets.UTF_8);
    assertTrue(result.ok(), report);
    assertTrue(
        report.contains("callbacks after close() returned 0") && report.contains("OK: "), report);
    return result;
  }

  @Test
  void run_jfrOption_writesARecordingWithTethersEvents() throws Exception {
    java.nio.file.Path file = java.nio.file.Files.createTempFile("relay", ".jfr");
    try {
      run("--pairs", "2", "--messages", "20", "--chaos", "--jfr", file.toString());
      List<jdk.jfr.consumer.RecordedEvent> events =
          jdk.jfr.consumer.RecordingFile.readAllEvents(file);
      assertTrue(
          events.stream()
              .anyMatch(
                  event ->
                      event.getEventType().getName().equals("dev.tether.LifecycleClose")
                          && event.getString("target").equals("relay-demo")),
          "the root's close walk is recorded: " + events.size() + " events");
      assertTrue(
          events.stream()
              .allMatch(event -> event.getEventType().getName().startsWith("dev.tether.")),
          "only Tether's events");
    } finally {
      java.nio.file.Files.deleteIfExists(file);
    }
  }

  @Test
  void run_withoutChaos_everyMessageArrivesAndEveryConnectionCloses() throws Exception {
    RelayDemo.Result result = run("--pairs", "8", "--messages", "300");
    Tally tally = result.tally();
    assertEquals(2L * 8 * 300, tally.sent.sum());
    assertEquals(tally.sent.sum(), tally.delivered.sum());
    assertEquals(32, tally.opened.sum(), "16 clients and their 16 relay-side connections");
    assertEquals(tally.opened.sum(), tally.closed.sum());
  }

  @Test
  void run_withChaos_closesHappenAndNoInvariantBreaks() throws Exception {
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
      Server server = Server.listen(app, new InetSocketAddress("127.0.0.1", 0), conn -> {});
      Connection connection = Client.open(app, "client").connect(server.address(), c -> {});
      check.accept(new Tracked(connection, tally), tally);
    } finally {
      app.closeAsync().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void watch_listenerStartsAfterCloseReturned_isCaughtByTheAfterCloseCheck() throws Exception {
    withTrackedConnection(
        (tracked, tally) -> {
          tracked.closeFromOutside();
          // What must never happen: a broken library running a listener after close() returned.
          tracked.watch("a broken library's late onMessage", ignored -> {}).accept(null);
          assertEquals(1, tally.callbacksAfterClose.sum());
          List<String> violations = tally.violations(true, 0);
          assertTrue(
              violations.contains("callbacks after close() returned: 1"), violations.toString());
        });
  }

  @Test
  void watch_listenerStillRunningWhenCloseReturned_isCaughtByTheAfterCloseCheck() throws Exception {
    withTrackedConnection(
        (tracked, tally) -> {
          // A broken close that returns while a listener runs: closing from inside a watched call
          // models it, because that close (rightly) does not wait for its own caller.
          tracked
              .watch("a listener still running", ignored -> tracked.closeFromOutside())
              .accept(null);
          assertEquals(1, tally.callbacksAfterClose.sum());
        });
  }

  @Test
  void violations_withoutChaosAMessageLost_reportsIt() {
    Tally tally = new Tally();
    tally.sent.add(10);
    tally.delivered.add(9);
    assertTrue(tally.violations(false, 10).get(0).contains("delivered 9"));
  }

  @Test
  void violations_underChaosMessageLostToAClose_none() {
    Tally tally = new Tally();
    tally.sent.add(10);
    tally.delivered.add(9);
    tally.lostToClose.add(1);
    assertEquals(List.of(), tally.violations(true, 10), "a loss a chaos close explains");
  }

  @Test
  void violations_underChaosMessageNeitherDeliveredNorLostToAClose_broken() {
    Tally tally = new Tally();
    tally.sent.add(10);
    tally.delivered.add(9);
    List<String> violations = tally.violations(true, 10);
    assertEquals(1, violations.size(), violations.toString());
    assertTrue(violations.get(0).contains("sent 10 != delivered 9"), violations.toString());
  }

  @Test
  void run_clientsConnectToAPortNobodyListensOn_reportedAsConnectFailuresNotDeadlocks()
      throws Exception {
    InetSocketAddress dead;
    try (ServerSocket closedAtOnce = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      dead = new InetSocketAddress(InetAddress.getLoopbackAddress(), closedAtOnce.getLocalPort());
    }
    ByteArrayOutputStream text = new ByteArrayOutputStream();
    RelayDemo.Result result =
        RelayDemo.run(
            RelayDemo.Options.parse("--pairs", "3", "--messages", "10", "--timeout", "20"),
            new PrintStream(text, true, StandardCharsets.UTF_8),
            relay -> dead);
    String report = text.toString(StandardCharsets.UTF_8);
    // At least one client per pair is refused; its partner may be refused too, or be closed by
    // the demo first (it would wait for a partner that never comes) and then not be counted.
    long refused = result.tally().connectFailures.sum();
    assertTrue(refused >= 3 && refused <= 6, report);
    assertEquals(0, result.tally().deadlocks.sum(), report);
    assertEquals(0, result.tally().stalledClients.sum(), report);
    assertEquals(List.of(), result.violations(), "a refused connect breaks no invariant");
    assertEquals(3, result.exitCode(), report);
    assertTrue(report.contains(String.format("connects failed %11d", refused)), report);
    assertTrue(report.contains("deadlocks or hung waits   0"), report);
    assertTrue(report.contains("INCOMPLETE: "), report);
  }

  @Test
  void run_smallSoak_passesWithNoLeaks() throws Exception {
    RelayDemo.Result result =
        run("--cycles", "150", "--pairs", "8", "--messages", "5", "--chaos", "--seed", "3");
    Tally tally = result.tally();
    assertEquals(150, result.pairsEnded());
    assertEquals(4L * 150, tally.opened.sum(), "2 clients and 2 relay sides per cycle");
    assertEquals(0, tally.leakedNodes.sum());
    assertEquals(0, tally.leakedThreads.sum());
    assertEquals(tally.sent.sum(), tally.delivered.sum() + tally.lostToClose.sum());
    assertTrue(result.start() != null && result.end() != null, "a soak reports its resources");
    assertEquals(result.start().threads().size(), result.end().threads().size());
  }

  @Test
  void parse_backlogAndCycles_taken() {
    RelayDemo.Options options =
        RelayDemo.Options.parse("--backlog", "128", "--cycles", "3000000000", "--pairs", "4");
    assertEquals(128, options.backlog());
    assertEquals(3_000_000_000L, options.cycles());
    assertTrue(options.soak());
    assertEquals(3_000_000_000L, options.totalPairs());
  }

  @Test
  void parse_noBacklogOrCycles_largeBacklogAndNoSoak() {
    RelayDemo.Options options = RelayDemo.Options.parse();
    assertEquals(Server.DEFAULT_BACKLOG, options.backlog());
    assertEquals(4096, options.backlog(), "large, as servers use: not the JDK's 50");
    assertEquals(0, options.cycles());
    assertEquals(16, options.totalPairs());
  }

  @Test
  void parse_badBacklogOrCycles_rejectedNamingTheOption() {
    for (String[] bad :
        new String[][] {
          {"--backlog", "0"},
          {"--backlog", "x"},
          {"--backlog"},
          {"--cycles", "-1"},
          {"--cycles", "many"},
          {"--cycles"},
          {"--connect-timeout", "0"}
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> RelayDemo.Options.parse(bad));
      assertTrue(e.getMessage().contains(bad[0]), e.getMessage());
    }
  }

  @Test
  void parse_badOptions_rejectedNamingTheOption() {
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> RelayDemo.Options.parse("--pairs", "0"))
            .getMessage()
            .contains("--pairs"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> RelayDemo.Options.parse("--messages"))
            .getMessage()
            .contains("--messages"));
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> RelayDemo.Options.parse("--bogus"))
            .getMessage()
            .contains("--bogus"));
    assertEquals(16, RelayDemo.Options.parse().pairs());
  }
}
