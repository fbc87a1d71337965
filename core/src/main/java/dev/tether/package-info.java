/**
 * Callback slots and lifecycles for connection libraries.
 *
 * <p>{@link dev.tether.CallbackSlot} holds one user callback that native or I/O threads invoke;
 * its {@code reset()} guarantees that the removed callback never runs again and is not running
 * anywhere when it returns, except where waiting would deadlock, and those cases are detected
 * exactly rather than guessed.
 *
 * <p>Every type in this package is null-hostile unless a parameter or return type is marked
 * {@code @Nullable}.
 */
@NullMarked
package dev.tether;

import org.jspecify.annotations.NullMarked;
