/** The consumer smoke test as a named module: reads Tether through its module name only. */
module dev.tether.consumer {
  requires dev.tether;
}
