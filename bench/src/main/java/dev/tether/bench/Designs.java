package dev.tether.bench;

import dev.tether.CallbackSlot;

/**
 * One instance of every design under test. Each JMH state class extends this, so every design in a
 * class is measured with the same setup, callback ({@link Counter#CALLBACK}) and value.
 */
public abstract class Designs {
  final CallbackSlot<Counter> callbackSlot = CallbackSlot.create("bench");
  final Baselines.VolatileField<Counter> volatileField = new Baselines.VolatileField<>();
  final Baselines.SynchronizedHeld<Counter> synchronizedHeld = new Baselines.SynchronizedHeld<>();
  final Baselines.ReentrantLockHeld<Counter> reentrantLockHeld =
      new Baselines.ReentrantLockHeld<>();
  final Baselines.ReadWriteLockHeld<Counter> readWriteLock = new Baselines.ReadWriteLockHeld<>();
  final Baselines.StampedLockHeld<Counter> stampedLock = new Baselines.StampedLockHeld<>();
  final Baselines.AtomicSwap<Counter> atomicSwap = new Baselines.AtomicSwap<>();

  /** Installs {@link Counter#CALLBACK} in every design. */
  final void installCallback() {
    callbackSlot.set(Counter.CALLBACK);
    volatileField.set(Counter.CALLBACK);
    synchronizedHeld.set(Counter.CALLBACK);
    reentrantLockHeld.set(Counter.CALLBACK);
    readWriteLock.set(Counter.CALLBACK);
    stampedLock.set(Counter.CALLBACK);
    atomicSwap.set(Counter.CALLBACK);
  }

  /** Closes the slot: the one design that owns resources worth releasing. */
  final void close() {
    callbackSlot.close();
  }
}
