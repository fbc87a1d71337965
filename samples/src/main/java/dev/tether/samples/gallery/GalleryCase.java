package dev.tether.samples.gallery;

import java.time.Duration;

/**
 * One failure mode of the gallery: a naive design modelled on libdatachannel's, and the same
 * program written with Tether. Each run builds fresh objects and threads, so a naive run that
 * hangs leaves nothing behind that a later run could trip over (its threads are daemons holding
 * locks no one else uses).
 */
interface GalleryCase {
  /** A short name, printed as the case's heading. */
  String title();

  /** Where libdatachannel's users hit it: issue and PR numbers. */
  String reports();

  /** What the naive side must show: {@link Outcome.Kind#HUNG} or {@link Outcome.Kind#EVENT_LOST}. */
  Outcome.Kind naiveFailure();

  /** What the Tether side must show. */
  Outcome.Kind tetherPromise();

  /**
   * Runs the naive design; a hang is declared only after {@code bound} and only once the blocked
   * threads are seen waiting for each other. Blocks at most a small multiple of the bound.
   */
  Outcome runNaive(Duration bound);

  /** Runs the Tether design; failing to finish within {@code bound} is {@code UNEXPECTED}. */
  Outcome runTether(Duration bound);
}
