package dev.tether.samples.websocket;

public final class Probe {
  public static dev.tether.Delivery d() { return dev.tether.Delivery.serial(); }
}
