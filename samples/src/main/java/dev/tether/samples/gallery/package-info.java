/**
 * The deadlock gallery: each failure that libdatachannel's users report, run first against a
 * compact Java model of libdatachannel's design (which hangs or loses the event, detected within
 * a short bound) and then against Tether (which completes, or throws
 * {@link dev.tether.CallbackDeadlockException} with its diagnostic). Run
 * {@link dev.tether.samples.gallery.DeadlockGallery} from the class path; {@code ./mvnw verify}
 * runs it and fails the build if any case does not behave as described.
 *
 * <p>Not exported: it is a program, not an API.
 */
package dev.tether.samples.gallery;
