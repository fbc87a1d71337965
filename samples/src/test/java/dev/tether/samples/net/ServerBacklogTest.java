package dev.tether.samples.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tether.Lifecycle;
import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ServerBacklogTest {
  private final Lifecycle app = Lifecycle.root("backlog-test");

  @AfterEach
  void closeEverything() throws Exception {
    app.closeAsync().get(10, TimeUnit.SECONDS);
  }

  @Test
  void listen_nonPositiveBacklog_throwsNamingIt() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Server.listen(app, new InetSocketAddress("127.0.0.1", 0), 0, conn -> {}));
    assertTrue(e.getMessage().contains("backlog"), e.getMessage());
    assertEquals(0, app.children().size(), "a refused listen leaves no node behind");
  }

  @Test
  void listen_givenBacklog_acceptsConnections() throws Exception {
    CountDownLatch accepted = new CountDownLatch(3);
    Server server =
        Server.listen(app, new InetSocketAddress("127.0.0.1", 0), 2, conn -> accepted.countDown());
    Client client = Client.open(app, "client");
    for (int i = 0; i < 3; i++) {
      client.connect(server.address(), conn -> {});
    }
    assertTrue(accepted.await(10, TimeUnit.SECONDS), "a small backlog still accepts");
  }
}
