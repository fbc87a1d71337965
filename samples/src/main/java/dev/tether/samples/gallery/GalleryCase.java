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
   * Runs the naive design; a hang is declared only when the run has not finished {@code bound}
   * after its forced interleaving is in place, and only once the blocked threads are seen waiting
   * for each other. Set-up waits are bounded by {@link Waits#SET_UP}, never by {@code bound}, so
   * a slow start cannot keep the naive design from failing. Blocks at most a few times
   * {@code SET_UP}, and about {@code bound} when the run goes as described.
   */
  Outcome runNaive(Duration bound);

  /**
   * Runs the Tether design; not finishing within {@code bound} of the moment its forced
   * interleaving is in place is {@code UNEXPECTED}, and so is an interleaving that was not seen to
   * happen. Set-up waits are bounded by {@link Waits#SET_UP}.
   */
  Outcome runTether(Duration bound);
}
