/**
 * Tether: a concurrency-safe foundation for callbacks and resource lifecycles.
 *
 * <p>Exports {@code dev.tether} only; {@code dev.tether.internal} is implementation detail.
 */
module dev.tether {
  requires static org.jspecify;
  requires java.management;
  requires jdk.jfr;
  requires org.jctools.core;
  // JCTools uses sun.misc.Unsafe but declares only `requires static jdk.unsupported`, so on the
  // module path nothing would resolve it: the first serial lane would fail with
  // NoClassDefFoundError. Checked by ModulePathTest.
  requires jdk.unsupported;

  exports dev.tether;
  // JDK Flight Recorder registers an event class only if its package is visible to jdk.jfr; on
  // the module path, without this, every Tether event is silently dropped (ModulePathTest).
  exports dev.tether.internal.events to jdk.jfr;
}
