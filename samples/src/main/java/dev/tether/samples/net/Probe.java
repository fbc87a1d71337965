package dev.tether.samples.net;

public final class Probe {
  public static dev.tether.Delivery d() { return dev.tether.Delivery.serial(); }
}
