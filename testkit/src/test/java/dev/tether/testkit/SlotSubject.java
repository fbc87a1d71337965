package dev.tether.testkit;

import dev.tether.CallbackSlot;
import dev.tether.Delivery;
import dev.tether.Lifecycle;
import java.util.Optional;
import java.util.concurrent.Executor;

/**
 * A subject built the Tether way, without I/O: a {@link Lifecycle} node with a serial lane on a
 * shared pool, and one slot for events; {@code fire} invokes the slot (the call is queued on the
 * lane), {@code close} closes the node. It passes every check; the kit's fast reference.
 *
 * <p>Instances are thread-safe.
 */
final class SlotSubject implements Subject {
  private final Lifecycle node;
  private final CallbackSlot<String> onEvent;

  SlotSubject(Lifecycle parent, String name, Executor pool, Listener listener) {
    node = parent.child(name, Delivery.serialOn(pool));
    onEvent = node.slot("onEvent");
    onEvent.set(listener::onEvent);
  }

  @Override
  public void fire(String event) {
    onEvent.invoke(event);
  }

  @Override
  public void close() {
    node.close();
  }

  @Override
  public Optional<Lifecycle> lifecycle() {
    return Optional.of(node);
  }
}
