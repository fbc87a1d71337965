/**
 * Tether's JDK Flight Recorder events, category "Tether". Their names ({@code dev.tether.*}) and
 * the {@code target} field are public contract (documented in the design guide, "Diagnosing
 * hangs"); the classes are not: this package is not exported.
 *
 * <p>Every event is committed off the invoke path: on a wait's slow path, on a close, on a
 * callback's failure, on a leak. A disabled event costs at most the allocation of its object.
 */
@NullMarked
package dev.tether.internal.events;

import org.jspecify.annotations.NullMarked;
