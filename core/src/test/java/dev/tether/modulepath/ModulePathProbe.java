package dev.tether.modulepath;

import dev.tether.CallbackSlot;
import dev.tether.Delivery;

/**
 * Run by {@code ModulePathTest} in a child JVM whose observable modules are limited to
 * {@code dev.tether} and what it requires: drives a serial lane and prints what the callback
 * received. In a package of its own, since the package {@code dev.tether} belongs to the named
 * module there.
 */
public final class ModulePathProbe {
  private ModulePathProbe() {}

  public static void main(String[] args) {
    CallbackSlot<String> slot =
        CallbackSlot.<String>builder("probe").delivery(Delivery.serial()).build();
    StringBuilder received = new StringBuilder();
    slot.set(received::append);
    slot.invoke("hello");
    System.out.println(
        "module " + CallbackSlot.class.getModule().getName() + " delivered " + received);
  }
}
