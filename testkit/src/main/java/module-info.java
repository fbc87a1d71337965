/**
 * Tether's testkit: a JUnit 5 contract ({@link dev.tether.testkit.ListenerLifecycleContract})
 * that runs a battery of listener-lifecycle checks against a connection library's API, through a
 * small adapter the library's author writes ({@link dev.tether.testkit.SubjectFactory}).
 */
module dev.tether.testkit {
  requires static transitive org.jspecify; // @Nullable appears in the exported API
  requires transitive org.junit.jupiter.api;
  requires transitive dev.tether;

  exports dev.tether.testkit;
}
