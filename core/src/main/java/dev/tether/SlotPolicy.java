package dev.tether;

import dev.tether.internal.events.CallbackFailedEvent;

/**
 * The policies of one {@link CallbackSlot}, fixed when it is built, and the path a callback's
 * failure takes to the slot's {@link CallbackErrorHandler}. Immutable.
 */
final class SlotPolicy {
  /** {@link CallbackSlot#create}'s policies. */
  static final SlotPolicy DEFAULT =
      new SlotPolicy(Reentrancy.DEFER, Replay.none(), CallbackErrorHandler.logging());

  final Reentrancy reentrancy;
  final Replay replay;
  final CallbackErrorHandler errorHandler;

  /** The policies given; {@link #DEFAULT} itself when they are the defaults, shared by slots. */
  @SuppressWarnings("ReferenceEquality") // identity: only the default handler instance is shared
  static SlotPolicy of(Reentrancy reentrancy, Replay replay, CallbackErrorHandler errorHandler) {
    return reentrancy == DEFAULT.reentrancy
            && replay == DEFAULT.replay
            && errorHandler == DEFAULT.errorHandler
        ? DEFAULT
        : new SlotPolicy(reentrancy, replay, errorHandler);
  }

  private SlotPolicy(Reentrancy reentrancy, Replay replay, CallbackErrorHandler errorHandler) {
    this.reentrancy = reentrancy;
    this.replay = replay;
    this.errorHandler = errorHandler;
  }

  /**
   * Records {@code failure}, thrown by a callback of {@code slot}, as the JFR event {@code
   * dev.tether.CallbackFailed} and hands it to the error handler. A handler that throws is logged
   * at {@code ERROR} with the failure suppressed, so no failure is lost and none escapes into the
   * slot's bookkeeping; a {@link VirtualMachineError} of the handler propagates.
   */
  void reportFailure(CallbackSlot<?> slot, Throwable failure) {
    CallbackFailedEvent event = new CallbackFailedEvent();
    if (event.shouldCommit()) {
      event.target = slot.name();
      event.exceptionClass = failure.getClass().getName();
      event.message = String.valueOf(failure.getMessage());
      event.commit();
    }
    try {
      errorHandler.onCallbackError(slot, failure);
    } catch (VirtualMachineError fatal) {
      throw fatal;
    } catch (Throwable handlerFailure) {
      handlerFailure.addSuppressed(failure);
      System.getLogger("dev.tether.CallbackSlot")
          .log(
              System.Logger.Level.ERROR,
              "error handler of slot '" + slot.name() + "' threw while handling a callback failure",
              handlerFailure);
    }
  }
}
