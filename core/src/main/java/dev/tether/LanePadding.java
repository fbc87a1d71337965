package dev.tether;

/**
 * The padded claim word of a serial lane ({@link SerialLane}), laid out through a class
 * hierarchy as in Caffeine's {@code BLCHeader}: HotSpot places a subclass's fields after its
 * superclass's, so the claim word and its two hints sit between 128 bytes of padding on each
 * side (two cache lines, as adjacent lines are fetched in pairs). The allocated type is {@link
 * DrainState}; {@code PaddedLayoutTest} checks its offsets.
 */
final class LanePadding {
  private LanePadding() {}

  /**
   * 128 bytes before the claim word. {@code headerGap} takes the 4 bytes after a 12-byte object
   * header, which HotSpot (JDK 15+) would otherwise give to the first subclass field that fits,
   * the claim word itself.
   */
  static class DrainStatePadBefore {
    int headerGap;
    long p00, p01, p02, p03, p04, p05, p06, p07, p08, p09, p10, p11, p12, p13, p14, p15;
  }

  /**
   * The claim word and the two hints of the linger, which every busy invoke reads with the claim
   * word, on the same cache line.
   */
  static class DrainStateValue extends DrainStatePadBefore {
    /** IDLE or DRAINING (SerialLane's constants). */
    volatile int value;

    /**
     * The id of the thread that claimed the lane last: written by it as it starts to drain, read
     * by invokers that find the lane busy. A hint, read without ordering: a stale id only makes
     * one linger more or less likely.
     */
    long drainerId;

    /**
     * Set by an invoker other than the drainer that queued behind the drain; cleared by a
     * drainer whose linger found nothing. A hint, for the same reason.
     */
    boolean contended;
  }

  /** 128 bytes after the claim word, so that what is allocated next cannot share its lines. */
  static class DrainStatePadAfter extends DrainStateValue {
    long q00, q01, q02, q03, q04, q05, q06, q07, q08, q09, q10, q11, q12, q13, q14, q15;
  }

  /** The allocated type: the whole padded layout, adding no fields. */
  static final class DrainState extends DrainStatePadAfter {}
}
