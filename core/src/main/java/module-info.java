/**
 * Tether: a concurrency-safe foundation for callbacks and resource lifecycles.
 *
 * <p>Exports {@code dev.tether} only; {@code dev.tether.internal} is implementation detail.
 */
module dev.tether {
  requires static org.jspecify;
  requires static com.google.errorprone.annotations;
  requires java.management;
  // Tether's JFR events (dev.tether.internal.events, not exported: JFR records events of a
  // non-exported package, which ModulePathTest checks on the module path).
  requires jdk.jfr;

  exports dev.tether;
}
