/**
 * Implementation detail of Tether: public only so that {@code dev.tether} can use it across the
 * package boundary. Not exported by {@code module-info}; no compatibility promise.
 */
@NullMarked
package dev.tether.internal;

import org.jspecify.annotations.NullMarked;
