package dev.tether.consumer;

import dev.tether.CallbackSlot;
import dev.tether.Delivery;
import dev.tether.Lifecycle;

/**
 * The README's quick start, run by {@code it/run-consumer.sh} on the module path and on the class
 * path, on JDK 17 and on the newest JDK: it prints what the listener received and where Tether was
 * loaded from, and the script compares that output and fails on anything printed to stderr (the
 * JDK's {@code sun.misc.Unsafe} deprecation warning included). <b>Note:</b> not thread-safe (a
 * program, run once).
 */
public final class QuickStart {
  private QuickStart() {}

  public static void main(String[] args) {
    // @start region="quickstart"
    Lifecycle connection = Lifecycle.root("connection-1", Delivery.serial());
    CallbackSlot<String> onMessage = connection.slot("onMessage");
    onMessage.set(text -> System.out.println("received " + text));
    onMessage.invoke("hello");    // the lane is idle: runs the listener now, on this thread
    onMessage.invoke("world");    // calls of one connection run one at a time, in order
    onMessage.reset();            // on return, the listener never runs again
    onMessage.invoke("dropped");  // no listener: nothing runs
    connection.close();           // closes the connection's slots, children and resources
    // @end region="quickstart"
    Module tether = Lifecycle.class.getModule();
    System.out.println("tether module: " + (tether.isNamed() ? tether.getName() : "unnamed"));
  }
}
