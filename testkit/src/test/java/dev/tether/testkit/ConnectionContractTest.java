package dev.tether.testkit;

import dev.tether.Lifecycle;
import dev.tether.samples.net.Client;
import dev.tether.samples.net.Connection;
import dev.tether.samples.net.Server;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;

/**
 * The whole battery against the samples' {@link Connection} (a TCP message connection built on
 * Tether): the subject is a client connection, the event a message its server-side peer sends.
 * Every check passes. The guide's complete example (docs/testing-your-library.md).
 */
// @start region="connection-contract"
class ConnectionContractTest implements ListenerLifecycleContract {
  private final Lifecycle app = Lifecycle.root("app");
  private final ExecutorService lanes = Executors.newCachedThreadPool();
  private final BlockingQueue<Connection> accepted = new LinkedBlockingQueue<>();
  private final Server server = Server.listen(app,
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), accepted::add);
  private final Client client = Client.open(app, "client", lanes);

  @Override
  public SubjectFactory subjects() {
    return new SubjectFactory() {
      @Override
      public Subject open(String name, Listener listener) throws Exception {
        Connection connection = client.connect(server.address(),
            c -> c.onMessage(listener::onEvent));
        Connection peer = accepted.poll(5, TimeUnit.SECONDS); // the kit opens one at a time
        return Subject.of(event -> peer.send(StandardCharsets.UTF_8.encode(event)),
            connection::close, connection.lifecycle());
      }

      @Override
      public boolean isSharedThread(Thread thread) {
        return thread.getName().startsWith("pool-"); // the lanes' pool serves every connection
      }
    };
  }

  @Override
  public Budget budget() {
    return Budget.quick(); // 5 rounds or 1 s per check; the default is 20 rounds or 2 s
  }

  @AfterEach
  void closeAll() {
    app.close();
    lanes.shutdownNow();
  }
}
// @end region="connection-contract"
