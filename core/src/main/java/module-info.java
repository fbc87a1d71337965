/**
 * Tether: a concurrency-safe foundation for callbacks and resource lifecycles.
 *
 * <p>Exports {@code dev.tether} only; {@code dev.tether.internal} is implementation detail.
 */
module dev.tether {
  requires static org.jspecify;
  requires java.management;

  exports dev.tether;
}
