package dev.tether.samples.gallery;

import java.util.function.Consumer;

/**
 * libdatachannel's {@code synchronized_callback}, in Java: a callback guarded by a recursive
 * mutex that stays locked while the callback runs. Calls are serialized, and {@link #reset()}
 * takes the mutex, so it waits for a call running on another thread; from inside the callback
 * the recursive mutex lets it through at once.
 */
final class NaiveCallback<T> {
  final InspectableLock mutex;

  /** Guarded by mutex. */
  private Consumer<? super T> callback;

  NaiveCallback(String name) {
    this.mutex = new InspectableLock(name + "'s mutex");
  }

  void set(Consumer<? super T> newCallback) {
    mutex.lock();
    try {
      callback = newCallback;
    } finally {
      mutex.unlock();
    }
  }

  /** Assigning {@code nullptr}: blocks while another thread is inside the callback. */
  void reset() {
    set(null);
  }

  /** Calls the callback with the mutex held; returns false if none is set. */
  boolean call(T value) {
    mutex.lock();
    try {
      if (callback == null) {
        return false;
      }
      callback.accept(value);
      return true;
    } finally {
      mutex.unlock();
    }
  }
}
