/**
 * Tether: a concurrency-safe foundation for callbacks and resource lifecycles.
 *
 * <p>Exports {@code dev.tether} only; {@code dev.tether.internal} is implementation detail.
 */
module dev.tether {
  requires static org.jspecify;
  requires java.management;
  // Tether's JFR events (dev.tether.internal.events, not exported: JFR records events of a
  // non-exported package, which ModulePathTest checks on the module path).
  requires jdk.jfr;
  requires org.jctools.core;
  // JCTools uses sun.misc.Unsafe but declares only `requires static jdk.unsupported`, so on the
  // module path nothing would resolve it: the first serial lane would fail with
  // NoClassDefFoundError. Checked by ModulePathTest.
  requires jdk.unsupported;

  exports dev.tether;
}
